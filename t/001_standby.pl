# fk_tools on a streaming hot standby: every read-only function runs on
# the standby, in read-only transactions, and returns exactly what the
# primary returns.  One primary/standby pair serves every check; each group
# of checks has a database of its own, so that their schemas and installs
# do not meet:
#	postgres	catalog views, orphans, explanations, dry runs of the repairs
#	graph		fk_referencing_tables, fk_referenced_tables, fk_load_order
#	cascade		fk_cascade_preview, fk_update_preview, fk_cascade_rows
#	orphans		the orphan engine on partitions, MATCH FULL, replica-role rows
#
# To cover a new function in the first group, add an entry to @queries: its
# SQL (with a total ORDER BY) and the object it needs.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE DATABASE graph');
$primary->safe_psql('postgres', 'CREATE DATABASE cascade');
$primary->safe_psql('postgres', 'CREATE DATABASE orphans');

# The extension goes into its own schema so every call below is
# schema-qualified and nothing depends on search_path.
$primary->safe_psql(
	'postgres', q{
CREATE SCHEMA fkx;
CREATE EXTENSION fk_tools SCHEMA fkx;
CREATE SCHEMA tapfk;

CREATE TABLE tapfk.customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO tapfk.customers VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cid');

-- Orders loaded before their customers existed, then the FK added NOT
-- VALID: rows 3, 5 and 6 are orphans (keys 98 and 99), row 4 has no key.
CREATE TABLE tapfk.orders (id int PRIMARY KEY, customer_id int, total numeric);
INSERT INTO tapfk.orders VALUES
	(1, 1, 10), (2, 2, 20), (3, 99, 30), (4, NULL, 40), (5, 98, 50), (6, 98, 60);
ALTER TABLE tapfk.orders ADD CONSTRAINT orders_customer_id_fkey
	FOREIGN KEY (customer_id) REFERENCES tapfk.customers (id) NOT VALID;

-- A composite key referenced in an order other than its primary key's.
CREATE TABLE tapfk.products (region int, sku text, PRIMARY KEY (region, sku));
INSERT INTO tapfk.products VALUES (1, 'a'), (1, 'b'), (2, 'a');

-- Lines loaded with triggers disabled, and the triggers left disabled:
-- both FKs of order_lines are validated but not enforced, and one line
-- points at a product that does not exist.
CREATE TABLE tapfk.order_lines (
	order_id int NOT NULL REFERENCES tapfk.orders ON DELETE CASCADE,
	line int NOT NULL,
	sku text,
	region int,
	PRIMARY KEY (order_id, line),
	CONSTRAINT order_lines_product_fkey FOREIGN KEY (sku, region)
		REFERENCES tapfk.products (sku, region) ON UPDATE CASCADE);
ALTER TABLE tapfk.order_lines DISABLE TRIGGER ALL;
INSERT INTO tapfk.order_lines VALUES (1, 1, 'a', 1), (1, 2, 'zz', 2), (2, 1, 'b', 1);

-- A partitioned referencing table (clones must fold into one row) and a
-- self reference.
CREATE TABLE tapfk.events (id int, customer_id int REFERENCES tapfk.customers,
	at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE tapfk.events_2024 PARTITION OF tapfk.events
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE tapfk.events_2025 PARTITION OF tapfk.events
	FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO tapfk.events VALUES (1, 1, '2024-05-01'), (2, 3, '2025-05-01');

CREATE TABLE tapfk.employees (id int PRIMARY KEY, manager_id int
	REFERENCES tapfk.employees DEFERRABLE INITIALLY DEFERRED);
INSERT INTO tapfk.employees VALUES (1, NULL), (2, 1), (3, 2);
});

# A reference no key declares, for fk_suggest.
$primary->safe_psql('postgres', q{
CREATE TABLE tapfk.notes (id int PRIMARY KEY, customer_id int, note text);
INSERT INTO tapfk.notes VALUES (1, 1, 'a'), (2, 3, 'b'), (3, 9, 'orphan');
});

# The FK graph: a cycle, a leaf and a view that is not a table.
$primary->safe_psql('graph', q{
	CREATE EXTENSION fk_tools;
	CREATE SCHEMA g;
	CREATE TABLE g.parent (id int PRIMARY KEY, child_id int);
	CREATE TABLE g.child (id int PRIMARY KEY, parent_id int REFERENCES g.parent);
	ALTER TABLE g.parent ADD FOREIGN KEY (child_id) REFERENCES g.child;
	CREATE TABLE g.leaf (child_id int REFERENCES g.child);
	CREATE VIEW g.v AS SELECT * FROM g.leaf;
});

# Cascades: CASCADE, SET NULL at depth 2, a RESTRICT that blocks.
$primary->safe_psql('cascade', q{
	CREATE EXTENSION fk_tools;
	CREATE SCHEMA s;
	CREATE TABLE s.p (id int PRIMARY KEY);
	CREATE TABLE s.c (id int PRIMARY KEY, pid int REFERENCES s.p ON DELETE CASCADE ON UPDATE CASCADE);
	CREATE TABLE s.n (id int PRIMARY KEY, cid int REFERENCES s.c ON DELETE SET NULL);
	CREATE TABLE s.r (id int PRIMARY KEY, pid int REFERENCES s.p ON DELETE RESTRICT);
	INSERT INTO s.p SELECT generate_series(1, 3);
	INSERT INTO s.c SELECT g, 1 + g % 3 FROM generate_series(1, 30) g;
	INSERT INTO s.n SELECT g, g FROM generate_series(1, 30) g;
	INSERT INTO s.r VALUES (1, 3);
});

# Orphans in partitions under MATCH FULL, written with the RI triggers off
# (session_replication_role = replica).
$primary->safe_psql('orphans', q{
	CREATE EXTENSION fk_tools;
	CREATE SCHEMA o;
	CREATE TABLE o.parent (a int, b text, PRIMARY KEY (a, b));
	INSERT INTO o.parent VALUES (1, 'x'), (2, 'y');
	CREATE TABLE o.child (id int, a int, b text,
		FOREIGN KEY (a, b) REFERENCES o.parent MATCH FULL) PARTITION BY LIST (id);
	CREATE TABLE o.child_1 PARTITION OF o.child FOR VALUES IN (1, 2, 3);
	CREATE TABLE o.child_2 PARTITION OF o.child FOR VALUES IN (4, 5, 6);
	SET session_replication_role = replica;
	INSERT INTO o.child VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 9, NULL),
		(4, 2, 'y'), (5, 3, 'z'), (6, 3, 'z');
});

$primary->backup('bkp');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bkp', has_streaming => 1);
$standby->start;

# Changes made after the base backup reach the standby only by streaming:
# a new index (order_lines_product_fkey becomes indexed) and one more
# broken reference, made here, must show up there.
$primary->safe_psql(
	'postgres', q{
CREATE INDEX order_lines_region_sku ON tapfk.order_lines (region, sku);
ALTER TABLE tapfk.orders DISABLE TRIGGER ALL;
INSERT INTO tapfk.orders VALUES (7, 97, 70);
ALTER TABLE tapfk.orders ENABLE TRIGGER ALL;
});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

is($standby->safe_psql('postgres', 'SELECT pg_catalog.pg_is_in_recovery()'),
	't', 'standby is in recovery');

# Queries run on both nodes; each must give the same rows on both.
# "needs" names the extension object the query uses.
my @queries = (
	{
		name => 'fk_constraints',
		needs => 'fk_constraints',
		sql => q{SELECT * FROM fkx.fk_constraints
			WHERE table_name::text LIKE 'tapfk.%'
			ORDER BY table_name::text, constraint_name},
	},
	{
		name => 'fk_referencing_tables',
		needs => 'fk_referencing_tables',
		sql => q{SELECT * FROM fkx.fk_referencing_tables('tapfk.customers', true)
			ORDER BY depth, table_name::text, constraint_name},
	},
	{
		name => 'fk_referenced_tables',
		needs => 'fk_referenced_tables',
		sql => q{SELECT * FROM fkx.fk_referenced_tables('tapfk.order_lines', true)
			ORDER BY depth, table_name::text, constraint_name},
	},
	{
		name => 'fk_load_order',
		needs => 'fk_load_order',
		sql => q{SELECT * FROM fkx.fk_load_order(ARRAY['tapfk']::name[])
			ORDER BY 1},
	},
	{
		name => 'fk_issues',
		needs => 'fk_issues',
		sql => q{SELECT * FROM fkx.fk_issues
			WHERE table_name::text LIKE 'tapfk.%'
			ORDER BY issue, table_name::text, constraint_name, detail},
	},
	{
		name => 'fk_orphans',
		needs => 'fk_orphans',
		sql => q{SELECT * FROM fkx.fk_orphans('tapfk.orders')
			ORDER BY constraint_name, key::text, orphan_row::text},
	},
	{
		name => 'fk_orphans of a table with disabled triggers',
		needs => 'fk_orphans',
		sql => q{SELECT * FROM fkx.fk_orphans('tapfk.order_lines')
			ORDER BY constraint_name, key::text, orphan_row::text},
	},
	{
		name => 'fk_check',
		needs => 'fk_check',
		sql => q{SELECT * FROM fkx.fk_check()
			WHERE table_name::text LIKE 'tapfk.%'
			ORDER BY table_name::text, constraint_name},
	},
	{
		name => 'fk_explain of an error text',
		needs => 'fk_explain',
		sql => q{SELECT * FROM fkx.fk_explain(E'ERROR:  insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"\nDETAIL:  Key (customer_id)=(97) is not present in table "customers".')
			ORDER BY step},
	},
	{
		name => 'fk_explain of a constraint',
		needs => 'fk_explain',
		sql => q{SELECT * FROM fkx.fk_explain('order_lines_product_fkey', 'tapfk.order_lines')
			ORDER BY step},
	},
	{
		name => 'fk_validate dry run',
		needs => 'fk_validate',
		sql => q{SELECT * FROM fkx.fk_validate('tapfk.orders', true)
			ORDER BY table_name::text, constraint_name},
	},
	{
		name => 'fk_repair_orphans report',
		needs => 'fk_repair_orphans',
		sql => q{SELECT * FROM fkx.fk_repair_orphans('tapfk.orders', NULL, 'report', true)
			ORDER BY constraint_name, table_name::text, operation},
	},
	{
		name => 'fk_suggest',
		needs => 'fk_suggest',
		sql => q{SELECT * FROM fkx.fk_suggest('{tapfk}', min_containment => 0.5)
			ORDER BY table_name::text, columns::text},
	},
	{
		name => 'fk_missing_parents',
		needs => 'fk_missing_parents',
		sql => q{SELECT * FROM fkx.fk_missing_parents('tapfk.orders')
			ORDER BY constraint_name, key::text},
	},);

# Is the object (function or view) part of the installed extension?
sub has_object
{
	my ($node, $obj) = @_;
	return $node->safe_psql(
		'postgres', qq{
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                WHERE p.pronamespace = 'fkx'::regnamespace AND p.proname = '$obj')
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                WHERE c.relnamespace = 'fkx'::regnamespace AND c.relname = '$obj')})
	  eq 't';
}

my %ran;
foreach my $q (@queries)
{
  SKIP:
	{
		skip "$q->{needs} is not in this version of the extension", 3
		  unless has_object($primary, $q->{needs});
		$ran{ $q->{needs} } = 1;

		# On the primary in a READ ONLY transaction: nothing may write.
		my $on_primary = $primary->safe_psql('postgres',
			"BEGIN TRANSACTION READ ONLY;\n$q->{sql};\nCOMMIT;");
		my $on_standby = $standby->safe_psql('postgres', $q->{sql});
		note "$q->{name} on the primary:\n$on_primary";
		isnt($on_primary, '', "$q->{name}: rows on the primary");
		is($on_standby, $on_primary, "$q->{name}: standby matches primary");

		# On the standby again inside an explicit read-only, repeatable
		# read transaction, the way a monitoring session would call it.
		my $in_rr = $standby->safe_psql('postgres',
			"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n$q->{sql};\nCOMMIT;");
		is($in_rr, $on_primary, "$q->{name}: same in a read-only transaction");
	}
}
ok($ran{fk_constraints}, 'fk_constraints was checked');

# What the standby reports, checked against the schema made above: one
# row per declared FK (the partitioned table's clones folded into its
# parent), the NOT VALID FK not validated, the FKs whose triggers are
# disabled not enforced, the FK whose index was added after the base
# backup indexed.
my $standby_view = $standby->safe_psql(
	'postgres', q{
SELECT table_name, constraint_name, columns, referenced_columns,
       validated, enforced, indexed
  FROM fkx.fk_constraints
 WHERE table_name::text LIKE 'tapfk.%'
 ORDER BY table_name::text, constraint_name});
note "fk_constraints on the standby:\n$standby_view";
is( $standby_view,
	join("\n",
		'tapfk.employees|employees_manager_id_fkey|{manager_id}|{id}|t|t|f',
		'tapfk.events|events_customer_id_fkey|{customer_id}|{id}|t|t|f',
		'tapfk.order_lines|order_lines_order_id_fkey|{order_id}|{id}|t|f|t',
		'tapfk.order_lines|order_lines_product_fkey|{sku,region}|{sku,region}|t|f|t',
		'tapfk.orders|orders_customer_id_fkey|{customer_id}|{id}|f|t|f'),
	'standby: FKs with their columns and validated, enforced, indexed state');

# Every column of the view equals what a plain query on pg_constraint,
# pg_trigger and pg_index says on the standby (the benchmark's baseline).
my $bare = slurp_file('bench/fk_constraints_bare.sql');
is( $standby->safe_psql(
		'postgres', qq{
SELECT * FROM ($bare) AS b
 WHERE table_name::text LIKE 'tapfk.%'
 ORDER BY table_name::text, constraint_name}),
	$standby->safe_psql(
		'postgres', q{
SELECT * FROM fkx.fk_constraints
 WHERE table_name::text LIKE 'tapfk.%'
 ORDER BY table_name::text, constraint_name}),
	'standby: fk_constraints equals the plain catalog query');

# Where the orphan functions exist, PostgreSQL's own answer is the oracle:
# the anti-join of the guide's "find orphaned records" step, on the standby.
SKIP:
{
	skip 'fk_orphans is not in this version of the extension', 1
	  unless has_object($standby, 'fk_orphans');
	my $expected = $standby->safe_psql(
		'postgres', q{
SELECT o.id FROM tapfk.orders o
 WHERE o.customer_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM tapfk.customers c WHERE c.id = o.customer_id)
 ORDER BY 1});
	is( $standby->safe_psql(
			'postgres', q{
SELECT (orphan_row->>'id')::int FROM fkx.fk_orphans('tapfk.orders')
 ORDER BY 1}),
		$expected,
		'standby: fk_orphans finds exactly the rows the anti-join finds');
}

# A write is refused on the standby, so everything above really ran
# read-only there.
my ($ret, $out, $err) =
  $standby->psql('postgres', 'CREATE TABLE tapfk.nope (a int)');
like($err, qr/read-only transaction/, 'standby refuses writes');


#
# The FK graph functions read only the catalogs and take no lock a standby
# refuses, and follow the primary's DDL once it is replayed.
#
{
my %queries = (
	referencing => q{SELECT depth, table_name, constraint_name
		FROM fk_referencing_tables('g.parent', true) ORDER BY 1, 2, 3},
	referenced => q{SELECT depth, table_name, constraint_name
		FROM fk_referenced_tables('g.leaf', true) ORDER BY 1, 2, 3},
	load_order => q{SELECT * FROM fk_load_order('{g}') ORDER BY 1});

is($standby->safe_psql('graph', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');
foreach my $name (sort keys %queries)
{
	my $on_primary = $primary->safe_psql('graph', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('graph', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}

my ($rc, $out, $err) = $standby->psql('graph',
	q{SELECT * FROM fk_referencing_tables('g.v')});
like($err, qr/"v" is not a table/, 'a view is refused on the standby too');

# DDL on the primary shows on the standby once replayed.
$primary->safe_psql('graph',
	'CREATE TABLE g.late (parent_id int REFERENCES g.parent)');
$primary->wait_for_catchup($standby);
is( $standby->safe_psql(
		'graph',
		q{SELECT string_agg(table_name::text, ',' ORDER BY table_name::text)
		    FROM fk_referencing_tables('g.parent')}),
	'g.child,g.late',
	'a key added on the primary is seen on the standby');

}

#
# The cascade previews only read (SELECTs through SPI, AccessShareLock, no
# transaction id).
#
{
my %queries = (
	preview => q{SELECT * FROM fk_cascade_preview('s.p', ARRAY[1, 3])
		ORDER BY 1, 2::text, 3, 5},
	update => q{SELECT * FROM fk_update_preview('s.p', 2, '{"id": 9}')
		ORDER BY 1, 2::text, 3, 5},
	rows => q{SELECT depth, table_name, action, affected_row
		FROM fk_cascade_rows('s.p', 2) ORDER BY 1, 2::text, 3, 4::text});

is($standby->safe_psql('cascade', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');
foreach my $name (sort keys %queries)
{
	my $on_primary = $primary->safe_psql('cascade', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('cascade', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}
like($standby->safe_psql('cascade',
		q{SELECT string_agg(action, ',' ORDER BY action) FROM fk_cascade_preview('s.p', 3)}),
	qr/BLOCKED/, 'a RESTRICT row blocks on the standby too');

}

#
# The orphan engine writes nothing and takes only AccessShareLock,
# partitions included.
#
{
is($standby->safe_psql('orphans', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');

my %queries = (
	orphans => q{SELECT constraint_name, table_name, key, orphan_row
		FROM fk_orphans('o.child') ORDER BY orphan_row->>'id'},
	orphans_partition => q{SELECT constraint_name, table_name, key
		FROM fk_orphans('o.child_2') ORDER BY orphan_row->>'id'},
	missing => q{SELECT * FROM fk_missing_parents('o.child') ORDER BY key},
	check => q{SELECT * FROM fk_check('o.child') ORDER BY 2},
	check_all => q{SELECT table_name, constraint_name, orphan_rows, missing_keys, status
		FROM fk_check() ORDER BY 1, 2});
foreach my $name (sort keys %queries)
{
	my $on_primary = $primary->safe_psql('orphans', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('orphans', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}
is( $standby->safe_psql(
		'orphans', q{SELECT count(*) FROM fk_orphans('o.child')}),
	'4', 'the standby finds all four orphans');

# Orphans made on the primary show on the standby once replayed.
$primary->safe_psql('orphans', q{
	SET session_replication_role = replica;
	INSERT INTO o.child VALUES (1, 7, 'q');
});
$primary->wait_for_catchup($standby);
is( $standby->safe_psql(
		'orphans',
		q{SELECT orphan_rows || ' ' || missing_keys FROM fk_check('o.child')}),
	'5 3', 'a new orphan on the primary is seen on the standby');

}

$standby->stop;
$primary->stop;

done_testing();
