-- The opt-in audit of who switched enforcement off, and when.
--
-- The oracle for "enforced" is the catalog itself (fk_constraints, whose
-- test compares it with pg_trigger); the audit must record exactly the
-- changes of that state, with the role that made them.

CREATE SCHEMA aud;
SET search_path = aud, public;
TRUNCATE fk_audit_events;

CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int
    CONSTRAINT orders_customer_fk REFERENCES customers);
CREATE TABLE "Odd ""Name""" (id int, order_id int
    CONSTRAINT "odd fk" REFERENCES orders);
CREATE TABLE events (id int, customer_id int CONSTRAINT events_customer_fk
    REFERENCES customers, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE ROLE aud_owner;
ALTER TABLE orders OWNER TO aud_owner;
ALTER TABLE customers OWNER TO aud_owner;
GRANT USAGE, CREATE ON SCHEMA aud TO aud_owner;

-- The audit view reports the state after each recorded command.
CREATE VIEW audit AS
SELECT event_id, role_name, command_tag, action, table_name, constraint_name,
       enforced, validated, not_enforced_since IS NOT NULL AS has_since,
       not_enforced_by, detail IS NOT NULL AS has_detail
  FROM fk_audit_log ORDER BY event_id;

-- Not enabled: nothing is recorded, whatever happens.
ALTER TABLE orders DISABLE TRIGGER ALL;
ALTER TABLE orders ENABLE TRIGGER ALL;
ALTER TABLE events_2024 DISABLE TRIGGER ALL;
SELECT count(*) FROM fk_audit_log;
SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'fk_tools_audit%';

-- Only a superuser enables it.
SET ROLE aud_owner;
SELECT fk_audit_enable();
SELECT fk_audit_disable();
RESET ROLE;

-- Enabling records what it finds switched off already (since unknown).
ALTER TABLE "Odd ""Name""" ADD CONSTRAINT odd_later FOREIGN KEY (order_id) REFERENCES orders NOT VALID;
SELECT fk_audit_enable();
SELECT fk_audit_enable();
SELECT evtname, evtevent, evtenabled, evttags FROM pg_event_trigger ORDER BY 1;
SELECT * FROM audit;
SELECT table_name, constraint_name, enforced,
       enforcement ~ '^not enforced since before .* \(when the audit started\)$' AS before_audit
  FROM fk_check_latest WHERE NOT enforced ORDER BY 1, 2;
ALTER TABLE events_2024 ENABLE TRIGGER ALL;

-- DISABLE TRIGGER ALL on the referencing table, on the referenced table,
-- and by name: each key whose state changed gets one row.
ALTER TABLE orders DISABLE TRIGGER ALL;
ALTER TABLE orders DISABLE TRIGGER ALL;   -- no change, no row
SELECT * FROM audit WHERE event_id > 3;
SELECT constraint_name, enforced, enforcement ~ '^not enforced since .*, by [a-z_]+$' AS since_by,
       not_enforced_by
  FROM fk_check_latest WHERE table_name = 'orders'::regclass;
SELECT enforced FROM fk_constraints WHERE constraint_name = 'orders_customer_fk';
-- enabling again: enforced, and the view has nothing to say
ALTER TABLE orders ENABLE TRIGGER ALL;
SELECT action, enforced FROM fk_audit_log ORDER BY event_id DESC LIMIT 1;
SELECT enforced, enforcement FROM fk_check_latest WHERE table_name = 'orders'::regclass;
-- a referenced table's triggers: every key pointing at it
ALTER TABLE customers DISABLE TRIGGER ALL;
SELECT action, table_name, constraint_name FROM fk_audit_log
 WHERE event_id > (SELECT max(event_id) - 2 FROM fk_audit_log) ORDER BY event_id;
ALTER TABLE customers ENABLE TRIGGER ALL;
-- one RI trigger, by name
SELECT tgname AS ri_trigger FROM pg_trigger
 WHERE tgrelid = 'orders'::regclass
   AND tgconstraint = (SELECT oid FROM pg_constraint WHERE conname = 'orders_customer_fk')
 ORDER BY tgname LIMIT 1 \gset
ALTER TABLE orders DISABLE TRIGGER :"ri_trigger";
SELECT action, constraint_name, enforced FROM fk_audit_log ORDER BY event_id DESC LIMIT 1;
ALTER TABLE orders ENABLE TRIGGER ALL;
-- ENABLE REPLICA: the triggers no longer fire in a normal session
ALTER TABLE orders ENABLE REPLICA TRIGGER :"ri_trigger";
SELECT action, enforced, detail ~ 'replica only' AS replica FROM fk_audit_log ORDER BY event_id DESC LIMIT 1;
ALTER TABLE orders ENABLE TRIGGER ALL;
-- DISABLE TRIGGER USER leaves RI triggers alone: nothing to record
SELECT max(event_id) AS before FROM fk_audit_log \gset
ALTER TABLE orders DISABLE TRIGGER USER;
ALTER TABLE orders ENABLE TRIGGER USER;
SELECT count(*) FROM fk_audit_log WHERE event_id > :before;

-- A partition's triggers: the declared key is not enforced.
ALTER TABLE events_2025 DISABLE TRIGGER ALL;
SELECT action, table_name, constraint_name, enforced,
       detail LIKE '%events_2025%' AS names_partition
  FROM fk_audit_log ORDER BY event_id DESC LIMIT 1;
SELECT constraint_name, enforced, not_enforced_by IS NOT NULL AS by_known
  FROM fk_check_latest WHERE table_name = 'events'::regclass;
ALTER TABLE events_2025 ENABLE TRIGGER ALL;

-- Keys added NOT VALID, validated, dropped; the role is the one that did it.
SET ROLE aud_owner;
CREATE TABLE aud.lines (id int, order_id int);
ALTER TABLE aud.lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id)
    REFERENCES aud.orders NOT VALID;
ALTER TABLE aud.lines VALIDATE CONSTRAINT lines_order_fk;
ALTER TABLE aud.lines DROP CONSTRAINT lines_order_fk;
ALTER TABLE aud.lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id)
    REFERENCES aud.orders;                -- valid and enforced: nothing to say
DROP TABLE aud.lines;
RESET ROLE;
SELECT role_name, command_tag, action, table_name, constraint_name, enforced, validated
  FROM fk_audit_log WHERE constraint_name = 'lines_order_fk' ORDER BY event_id;
-- a partitioned table dropped with its partitions: its declared key, once
DROP TABLE events;
SELECT command_tag, action, relname, constraint_name FROM fk_audit_log
 ORDER BY event_id DESC LIMIT 1;

-- With session_replication_role = replica the audit still fires.
SELECT max(event_id) AS before FROM fk_audit_log \gset
SET session_replication_role = replica;
ALTER TABLE orders DISABLE TRIGGER ALL;
RESET session_replication_role;
SELECT action, constraint_name FROM fk_audit_log WHERE event_id > :before ORDER BY event_id;
ALTER TABLE orders ENABLE TRIGGER ALL;

-- The audit never fails the command it watches: with its table altered
-- (a trigger on it, which fk_tools refuses to write around) the DDL
-- succeeds with a WARNING, and nothing is recorded.
CREATE FUNCTION aud.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER in_the_way BEFORE INSERT ON fk_audit_events FOR EACH ROW EXECUTE FUNCTION aud.noop();
SELECT max(event_id) AS before FROM fk_audit_log \gset
ALTER TABLE orders DISABLE TRIGGER ALL;
SELECT enforced FROM fk_constraints WHERE constraint_name = 'orders_customer_fk';
SELECT count(*) FROM fk_audit_log WHERE event_id > :before;
DROP TRIGGER in_the_way ON fk_audit_events;
ALTER TABLE orders ENABLE TRIGGER ALL;
-- in a transaction block too, and the transaction goes on
BEGIN;
CREATE TRIGGER in_the_way BEFORE INSERT ON fk_audit_events FOR EACH ROW EXECUTE FUNCTION aud.noop();
ALTER TABLE orders DISABLE TRIGGER ALL;
SELECT 1 AS still_in_transaction;
ROLLBACK;

-- Disabled: nothing more is recorded, the log stays.
SELECT fk_audit_disable();
SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'fk_tools_audit%';
SELECT max(event_id) AS before FROM fk_audit_log \gset
ALTER TABLE orders DISABLE TRIGGER ALL;
SELECT count(*) FROM fk_audit_log WHERE event_id > :before;
SELECT enforced, enforcement FROM fk_check_latest WHERE table_name = 'orders'::regclass;
ALTER TABLE orders ENABLE TRIGGER ALL;

DROP SCHEMA aud CASCADE;
DROP OWNED BY aud_owner;
DROP ROLE aud_owner;
TRUNCATE fk_audit_events;
