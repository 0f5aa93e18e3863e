-- hostile.sql: tables, columns, schemas and constraints with names that
-- mean something to SQL, DOT, Mermaid, HTML, YAML or a shell, for the
-- picture tests (test/pictures).  Creates schemas hostile_* ; every key
-- gets a problem or two, so each style shows up.
CREATE SCHEMA "hostile_a ""b"" \ c";
CREATE SCHEMA hostile_plain;
SET search_path = hostile_plain;

CREATE TABLE "select" ("from" int PRIMARY KEY);
CREATE TABLE "Order Items" ("id" int PRIMARY KEY, "from" int REFERENCES "select" ON DELETE CASCADE);
CREATE TABLE "quote""d" (id int PRIMARY KEY, "a""b" int REFERENCES "Order Items");
CREATE TABLE "back\slash\N\l\n" (id int PRIMARY KEY, "x\" int REFERENCES "quote""d");
CREATE TABLE "new
line	tab" (id int PRIMARY KEY, "col
umn" int REFERENCES "back\slash\N\l\n");
CREATE TABLE "ünïcödé € ✓ 表" (id int PRIMARY KEY, "ключ" int REFERENCES "new
line	tab" ON DELETE SET NULL);
CREATE TABLE "%%{init: {'theme':'dark'}}%%" (id int PRIMARY KEY, "%%" int REFERENCES "ünïcödé € ✓ 表");
CREATE TABLE "#quot; #35; &amp; <b>x</b>" (id int PRIMARY KEY, "&" int REFERENCES "%%{init: {'theme':'dark'}}%%");
CREATE TABLE "a {b} [c] (d) |e| :f; g" (id int PRIMARY KEY, "|" int REFERENCES "#quot; #35; &amp; <b>x</b>");
CREATE TABLE "end" (id int PRIMARY KEY, "subgraph" int REFERENCES "a {b} [c] (d) |e| :f; g");
CREATE TABLE "style x:#f00;" (id int PRIMARY KEY, "classDef" int REFERENCES "end");
CREATE TABLE "--> ||--o{ .. -.-> ==>" (id int PRIMARY KEY, "erDiagram" int REFERENCES "style x:#f00;");
CREATE TABLE "---
title: x
---" (id int PRIMARY KEY, "digraph" int REFERENCES "--> ||--o{ .. -.-> ==>");
CREATE TABLE "node edge graph strict" (id int PRIMARY KEY, "`md`" int REFERENCES "---
title: x
---");
CREATE TABLE U&"line\2028sep\2029para\0085nel\007Fdel\200Dzwj" (id int PRIMARY KEY, "'" int REFERENCES "node edge graph strict");
CREATE TABLE "emoji 🐘🔑 ‮rtl" (id int PRIMARY KEY, "&#9829;" int REFERENCES U&"line\2028sep\2029para\0085nel\007Fdel\200Dzwj");
CREATE TABLE "\\ ""\""" (id int PRIMARY KEY, "\" int REFERENCES "emoji 🐘🔑 ‮rtl");
CREATE TABLE "$(touch /tmp/x) `id`" (id int PRIMARY KEY, ";" int REFERENCES "\\ ""\""");
-- across schemas, both ways, and a self reference
CREATE TABLE "hostile_a ""b"" \ c"."t ""1""" (id int PRIMARY KEY, "p" int REFERENCES "select",
  self int REFERENCES "hostile_a ""b"" \ c"."t ""1""");
ALTER TABLE "select" ADD "q" int REFERENCES "hostile_a ""b"" \ c"."t ""1""";
-- composite key with odd columns, NOT VALID, not enforced
CREATE TABLE "comp parent" ("k 1" int, "k""2" text, PRIMARY KEY ("k 1", "k""2"));
CREATE TABLE "comp child" (id int PRIMARY KEY, "k 1" int NOT NULL, "k""2" text NOT NULL);
ALTER TABLE "comp child" ADD CONSTRAINT "fk ""comp"" \ x" FOREIGN KEY ("k 1", "k""2")
  REFERENCES "comp parent" NOT VALID;
CREATE INDEX ON "comp child" ("k 1", "k""2");
ALTER TABLE "comp child" DISABLE TRIGGER ALL;
-- rows along the first keys, for the cascade pictures
INSERT INTO "hostile_a ""b"" \ c"."t ""1""" VALUES (1, NULL, NULL);
INSERT INTO "select" VALUES (1, 1), (2, NULL);
INSERT INTO "Order Items" VALUES (1, 1), (2, 1);
INSERT INTO "quote""d" VALUES (1, 1);
RESET search_path;

-- Random names from a hostile alphabet (fixed seed): 40 tables in schema
-- hostile_random, each referencing up to two earlier ones.
CREATE SCHEMA hostile_random;
DO $$
DECLARE
  alphabet text[] := ARRAY['"', '\', ' ', '%', '#', '&', '<', '>', '{', '}', '[', ']', '|', ':', ';', '`',
                           '''', E'\n', E'\t', '-', '.', '=', '(', ')', '/', '*', '$', 'a', 'b', 'Z', '0',
                           'é', '表', '🐘', U&'\2028', U&'\00A0', U&'\0085', 'end', 'style', '#quot;', '&amp;', '%%{'];
  names text[] := '{}';
  n text;
  p int;
BEGIN
  PERFORM setseed(0.31);
  FOR i IN 1 .. 40 LOOP
    n := '';
    FOR j IN 1 .. 1 + floor(random() * 8) LOOP
      n := n || alphabet[1 + floor(random() * cardinality(alphabet))];
    END LOOP;
    n := left(n, 20) || i;
    names := names || n;
    EXECUTE format('CREATE TABLE hostile_random.%I (%I int PRIMARY KEY)', n, n || ' id');
    FOR j IN 1 .. least(i - 1, floor(random() * 3)::int) LOOP
      p := 1 + floor(random() * (i - 1));
      EXECUTE format('ALTER TABLE hostile_random.%I ADD %I int REFERENCES hostile_random.%I',
                     n, names[p] || ' ref ' || j, names[p]);
    END LOOP;
  END LOOP;
END $$;
