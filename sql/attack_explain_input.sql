-- fk_explain's input is anyone's text: its work is bounded by the text
-- (names are at most 63 bytes, so only splits that close to an anchor are
-- tried; reading values back has a budget), a text over 1 MB is refused
-- with a clear error, and names with line breaks parse with or without
-- psql's verbose fields.
CREATE SCHEMA aexp;
SET search_path = aexp, public;
CREATE TABLE p (id text PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, pid text REFERENCES p);
INSERT INTO p VALUES ('a');
SET statement_timeout = '60s';

-- crafted texts: anchors repeated thousands of times
SELECT count(*) AS rows FROM fk_explain(repeat('insert or update on table "c" violates foreign key constraint "', 400));
SELECT count(*) AS rows FROM fk_explain('insert or update on table "c" violates foreign key constraint "c_pid_fkey"' || E'\nDETAIL:  Key (pid)=(' || repeat('x, ', 20000) || ') is not present in table "p".');
SELECT count(*) AS rows FROM fk_explain('insert or update on table "c" violates foreign key constraint "c_pid_fkey"' || E'\nDETAIL:  Key (pid)=(' || repeat(') is not present in table "', 5000) || ') is not present in table "p".');
SELECT count(*) AS rows FROM fk_explain(repeat('update or delete on table "p" violates foreign key constraint "c_pid_fkey" on table "c"', 3000));
-- the limit
SELECT count(*) FROM fk_explain(repeat('x', 1024 * 1024 + 1));

-- names with a line break, a quote and a comma
CREATE TABLE U&"line\000Abreak" (id int PRIMARY KEY);
CREATE TABLE U&"q""c,\000Ad" (id int PRIMARY KEY, ref int,
                        CONSTRAINT U&"con\000Astr" FOREIGN KEY (ref) REFERENCES U&"line\000Abreak");
DO $$
DECLARE
  msg text; det text; tab text; sch text; con text;
BEGIN
  INSERT INTO U&"q""c,\000Ad" VALUES (1, 5);
EXCEPTION WHEN foreign_key_violation THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                          tab = TABLE_NAME, sch = SCHEMA_NAME, con = CONSTRAINT_NAME;
  CREATE TEMP TABLE errs (form text, txt text);
  INSERT INTO errs VALUES
    ('plain', format(E'ERROR:  %s\nDETAIL:  %s', msg, det)),
    ('verbose', format(E'ERROR:  23503: %s\nDETAIL:  %s\nSCHEMA NAME:  %s\nTABLE NAME:  %s\nCONSTRAINT NAME:  %s', msg, det, sch, tab, con));
END $$;
SELECT form, (SELECT finding FROM fk_explain(txt) WHERE step = 1) FROM errs ORDER BY form;

RESET statement_timeout;
SET client_min_messages = warning;
DROP SCHEMA aexp CASCADE;
RESET client_min_messages;
