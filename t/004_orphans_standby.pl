# The orphan engine on a hot standby: it writes nothing and takes only
# AccessShareLock, so fk_orphans, fk_check and fk_missing_parents answer on
# the standby exactly as on the primary, partitions included.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('orph_primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
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

$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('orph_standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
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
	my $on_primary = $primary->safe_psql('postgres', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('postgres', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}
is( $standby->safe_psql(
		'postgres', q{SELECT count(*) FROM fk_orphans('o.child')}),
	'4', 'the standby finds all four orphans');

# Orphans made on the primary show on the standby once replayed.
$primary->safe_psql('postgres', q{
	SET session_replication_role = replica;
	INSERT INTO o.child VALUES (1, 7, 'q');
});
$primary->wait_for_catchup($standby);
is( $standby->safe_psql(
		'postgres',
		q{SELECT orphan_rows || ' ' || missing_keys FROM fk_check('o.child')}),
	'5 3', 'a new orphan on the primary is seen on the standby');

done_testing();
