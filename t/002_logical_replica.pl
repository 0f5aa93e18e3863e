# fk_tools on a logical replication subscriber.  The apply worker runs
# with session_replication_role = replica, so the RI triggers of the
# subscriber's foreign keys never fire for replicated rows: when a parent
# table is not published, or parent rows are deleted by replication while
# their children stay, the subscriber holds rows its own keys would
# reject, and nothing says so (fk_constraints shows every key enforced).
#
# fk_check, fk_orphans and fk_missing_parents on the subscriber must find
# exactly the rows the server rejects: every row is copied into a scratch
# table carrying the same key (test/fk_oracle.sql), and VALIDATE of a NOT
# VALID copy of each key must fail exactly when orphans are reported.
# Covered: a parent that is not published (a partial copy of it on the
# subscriber), parent rows deleted by replication while the children's
# deletes are not published, a composite MATCH SIMPLE key with NULLs, a
# partitioned table published through its root.  Then the README's
# recipe: the missing parents fetched from the publisher close the gap,
# and RI triggers enabled ALWAYS make the apply worker refuse new orphans.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->start;
my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
$sub->start;

# The same schema on both sides, keys included (as a subscriber is
# usually set up: from a schema-only dump of the publisher).
my $schema = q{
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE shop.orders (id int PRIMARY KEY,
	customer_id int REFERENCES shop.customers, total numeric);
CREATE TABLE shop.products (region int, sku text, PRIMARY KEY (region, sku));
CREATE TABLE shop.order_lines (order_id int REFERENCES shop.orders ON DELETE CASCADE,
	line int, region int, sku text, PRIMARY KEY (order_id, line),
	CONSTRAINT order_lines_product_fkey FOREIGN KEY (region, sku)
		REFERENCES shop.products ON DELETE CASCADE);
CREATE TABLE shop.events (id int, customer_id int REFERENCES shop.customers,
	at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop.events_2025 PARTITION OF shop.events
	FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
};
$pub->safe_psql('postgres', $schema);
$sub->safe_psql('postgres', $schema . 'CREATE EXTENSION fk_tools;');

$pub->safe_psql(
	'postgres', q{
INSERT INTO shop.customers SELECT g, 'customer ' || g FROM generate_series(1, 40) g;
INSERT INTO shop.orders SELECT g, 1 + g % 40, g FROM generate_series(1, 100) g;
INSERT INTO shop.products SELECT r, 'sku' || s FROM generate_series(1, 2) r, generate_series(1, 10) s;
-- lines without a product (NULL region or sku): MATCH SIMPLE checks none of them
INSERT INTO shop.order_lines
SELECT o, l, CASE WHEN l = 3 AND o % 5 = 0 THEN NULL ELSE 1 + o % 2 END,
       CASE WHEN l = 3 AND o % 7 = 0 THEN NULL ELSE 'sku' || (1 + (o + l) % 10) END
  FROM generate_series(1, 100) o, generate_series(1, 3) l;
INSERT INTO shop.events SELECT g, 1 + g % 40, date '2024-06-01' + g FROM generate_series(1, 300) g;

-- customers are not published; deletes of order lines are not either (the
-- subscriber keeps the history of lines)
CREATE PUBLICATION shop_pub FOR TABLE shop.orders, shop.products, shop.events
	WITH (publish_via_partition_root = true);
CREATE PUBLICATION shop_lines FOR TABLE shop.order_lines
	WITH (publish = 'insert, update');
});

# The subscriber got its customers from an old partial restore: the first
# 25 only.
$sub->safe_psql(
	'postgres', q{
INSERT INTO shop.customers SELECT g, 'customer ' || g FROM generate_series(1, 25) g;
});
my $connstr = $pub->connstr . ' dbname=postgres';
$sub->safe_psql('postgres',
	"CREATE SUBSCRIPTION shop_sub CONNECTION '$connstr' PUBLICATION shop_pub, shop_lines");
$sub->wait_for_subscription_sync($pub, 'shop_sub');

# Changes after the initial copy: new customers and their orders and
# events (the customers stay on the publisher), a product withdrawn (its
# lines are deleted on the publisher by ON DELETE CASCADE; the subscriber
# deletes the product and keeps the lines).
$pub->safe_psql(
	'postgres', q{
INSERT INTO shop.customers SELECT g, 'customer ' || g FROM generate_series(41, 45) g;
INSERT INTO shop.orders SELECT g, 40 + g % 5 + 1, g FROM generate_series(101, 110) g;
INSERT INTO shop.events SELECT g, 41 + g % 5, date '2025-03-01' + g % 30 FROM generate_series(301, 320) g;
DELETE FROM shop.products WHERE region = 2 AND sku IN ('sku3', 'sku4');
UPDATE shop.orders SET customer_id = 44 WHERE id = 7;
});
$pub->wait_for_catchup('shop_sub');

my $withdrawn =
  q{SELECT count(*) FROM shop.order_lines WHERE region = 2 AND sku IN ('sku3', 'sku4')};
is($pub->safe_psql('postgres', $withdrawn),
	'0', "the publisher deleted the withdrawn products' lines");
isnt($sub->safe_psql('postgres', $withdrawn), '0', 'the subscriber kept them');

# The blind spot: every key is declared, validated and "enforced" (its
# triggers are enabled), yet replicated rows were never checked.
is( $sub->safe_psql(
		'postgres', q{
SELECT constraint_name, validated, enforced
  FROM fk_constraints WHERE table_name::text LIKE 'shop.%' ORDER BY 1}),
	join("\n",
		'events_customer_id_fkey|t|t', 'order_lines_order_id_fkey|t|t',
		'order_lines_product_fkey|t|t', 'orders_customer_id_fkey|t|t'),
	'fk_constraints on the subscriber: every key validated and enforced');

# The oracle on every table with keys: fk_orphans, fk_missing_parents and
# fk_check against the rows the server rejects under the same key.
$sub->safe_psql('postgres', slurp_file('test/fk_oracle.sql'));
my %server_orphans;
foreach my $t (qw(shop.orders shop.order_lines shop.events))
{
	my ($fks, $rows, $orphans, $missing, $mismatches) = split /\|/,
	  $sub->safe_psql('postgres', "SELECT * FROM fk_oracle.verify('$t')");
	note "$t: $fks keys, $rows rows, $orphans orphans, $missing missing keys";
	is($mismatches, '0', "$t: fk_orphans, fk_missing_parents, fk_check equal the server's verdict");
	cmp_ok($orphans, '>', 0, "$t: replication left orphans");
	$server_orphans{$t} = $orphans;
}

# The same per key in one fk_check() over the whole database, and VALIDATE
# of a NOT VALID copy of each key fails exactly where orphans are reported.
my @keys = split /\n/, $sub->safe_psql(
	'postgres', q{
SELECT table_name || '|' || constraint_name || '|' || orphan_rows || '|' || status
  FROM fk_check() WHERE table_name::text LIKE 'shop.%' ORDER BY 1});
is(scalar(@keys), 4, 'fk_check() lists the four keys');
my %per_table;
foreach my $k (@keys)
{
	my ($table, $con, $orphans, $status) = split /\|/, $k;
	$per_table{$table} += $orphans;
	# (PostgreSQL 15 adds no NOT VALID key to a partitioned table: there
	# the ADD itself validates)
	my ($def, $partitioned) = split /\|/, $sub->safe_psql(
		'postgres', qq{
SELECT pg_get_constraintdef(c.oid), r.relkind = 'p'
  FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
 WHERE c.conname = '$con' AND c.conrelid = '$table'::regclass});
	my $validate =
	  $partitioned eq 't'
	  ? "ALTER TABLE $table ADD CONSTRAINT validate_copy $def;"
	  : "ALTER TABLE $table ADD CONSTRAINT validate_copy $def NOT VALID;\n"
	  . "ALTER TABLE $table VALIDATE CONSTRAINT validate_copy;";
	my ($rc, $out, $err) =
	  $sub->psql('postgres', "BEGIN;\n$validate\nROLLBACK;");
	if ($orphans > 0)
	{
		like($err, qr/violates foreign key constraint "validate_copy"/,
			"$con: VALIDATE fails, fk_check says $orphans orphans ($status)");
	}
	else
	{
		is($err, '', "$con: VALIDATE succeeds, fk_check says none ($status)");
	}
}
foreach my $t (sort keys %server_orphans)
{
	is($per_table{$t}, $server_orphans{$t}, "fk_check(): $t orphans as the server counts them");
}

# MATCH SIMPLE: lines with a NULL region or sku are never orphans.
is( $sub->safe_psql(
		'postgres', q{
SELECT count(*) FROM fk_orphans('shop.order_lines', 'order_lines_product_fkey')
 WHERE orphan_row->>'region' IS NULL OR orphan_row->>'sku' IS NULL}),
	'0', 'MATCH SIMPLE: no line with a NULL in its key is reported');

# Orphans in both partitions, reported from the partitioned table.
is( $sub->safe_psql(
		'postgres', q{
SELECT string_agg(DISTINCT table_name::text, ',' ORDER BY table_name::text)
  FROM fk_orphans('shop.events')}),
	'shop.events_2024,shop.events_2025',
	'partitioned table: orphans found in each partition');

#
# The recipe: fetch the missing parents from the publisher.
#
my $missing = $sub->safe_psql(
	'postgres', q{
SELECT string_agg(DISTINCT (key->>'id'), ',')
  FROM fk_missing_parents('shop.orders') UNION ALL
SELECT string_agg(DISTINCT (key->>'id'), ',') FROM fk_missing_parents('shop.events')});
$missing =~ s/\n/,/g;
my $rows = $pub->safe_psql('postgres',
	"SELECT string_agg(format('(%s, %L)', id, name), ', ') FROM shop.customers WHERE id IN ($missing)");
$sub->safe_psql('postgres', "INSERT INTO shop.customers VALUES $rows ON CONFLICT DO NOTHING");
is( $sub->safe_psql(
		'postgres', q{
SELECT string_agg(constraint_name || ' ' || status, ',' ORDER BY constraint_name)
  FROM fk_check() WHERE referenced_table = 'shop.customers'::regclass}),
	'events_customer_id_fkey ok,orders_customer_id_fkey ok',
	'the missing customers copied from the publisher: no orphans left');
is($sub->safe_psql('postgres', "SELECT (fk_oracle.verify('shop.orders')).mismatches"),
	'0', 'and the server agrees');

#
# RI triggers of a key enabled ALWAYS fire in the apply worker too: a row
# that would be an orphan stops replication instead (the worker retries
# until the parent arrives).
#
$sub->safe_psql(
	'postgres', q{
DO $$
DECLARE t name;
BEGIN
    FOR t IN SELECT tg.tgname FROM pg_trigger tg JOIN pg_constraint c ON c.oid = tg.tgconstraint
              WHERE c.conname = 'orders_customer_id_fkey' AND tg.tgrelid = 'shop.orders'::regclass
    LOOP
        EXECUTE format('ALTER TABLE shop.orders ENABLE ALWAYS TRIGGER %I', t);
    END LOOP;
END
$$});
my $log_offset = -s $sub->logfile;
$pub->safe_psql(
	'postgres', q{
INSERT INTO shop.customers VALUES (46, 'customer 46');
INSERT INTO shop.orders VALUES (111, 46, 1);
});
$sub->wait_for_log(qr/violates foreign key constraint "orders_customer_id_fkey"/, $log_offset);
is($sub->safe_psql('postgres', 'SELECT count(*) FROM shop.orders WHERE id = 111'),
	'0', 'with the trigger enabled always, the orphan is not applied');
$sub->safe_psql('postgres', q{INSERT INTO shop.customers VALUES (46, 'customer 46')});
$pub->wait_for_catchup('shop_sub');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM shop.orders WHERE id = 111'),
	'1', 'once the parent exists on the subscriber, the row is applied');
is( $sub->safe_psql('postgres', q{SELECT status FROM fk_check('shop.orders')}),
	'ok', 'and fk_check finds no orphan');

$sub->safe_psql('postgres', 'DROP SUBSCRIPTION shop_sub');
$sub->stop;
$pub->stop;

done_testing();
