-- big.sql: a 1,000-table schema "big" for the picture tests and the
-- benchmark, with a fixed seed.  Table i references one to three tables
-- among the 100 before it (so that keys are local, as in a real schema,
-- and a table's neighbourhood is tens of tables, not hundreds); every
-- 50th table is a hub that the next 50 may reference too.  Some keys are
-- NOT VALID, some nullable, some unindexed.
CREATE SCHEMA big;
DO $$
DECLARE
  n int := coalesce(nullif(current_setting('big.tables', true), '')::int, 1000);
  p int;
  k int;
BEGIN
  PERFORM setseed(0.5);
  FOR i IN 1 .. n LOOP
    EXECUTE format('CREATE TABLE big.t%s (id int PRIMARY KEY)', i);
    IF i = 1 THEN CONTINUE; END IF;
    k := 1 + floor(random() * 3);
    FOR j IN 1 .. k LOOP
      IF j = 1 AND i > 50 AND random() < 0.3 THEN
        p := ((i - 1) / 50) * 50;               -- the hub of this stretch
      ELSE
        p := greatest(1, i - 1 - floor(random() * 100)::int);
      END IF;
      IF p >= i THEN p := i - 1; END IF;
      EXECUTE format('ALTER TABLE big.t%s ADD r%s int%s', i, j, CASE WHEN random() < 0.5 THEN ' NOT NULL' ELSE '' END);
      EXECUTE format('ALTER TABLE big.t%s ADD CONSTRAINT t%s_r%s FOREIGN KEY (r%s) REFERENCES big.t%s%s%s',
                     i, i, j, j, p,
                     CASE WHEN random() < 0.3 THEN ' ON DELETE CASCADE' ELSE '' END,
                     CASE WHEN random() < 0.05 THEN ' NOT VALID' ELSE '' END);
      IF random() < 0.7 THEN
        EXECUTE format('CREATE INDEX ON big.t%s (r%s)', i, j);
      END IF;
    END LOOP;
  END LOOP;
END $$;
