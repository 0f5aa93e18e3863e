# The FK graph functions on a hot standby: they read only the catalogs and
# take no lock a standby refuses, so they answer there exactly as on the
# primary, and follow the primary's DDL once it is replayed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION fk_tools;
	CREATE SCHEMA g;
	CREATE TABLE g.parent (id int PRIMARY KEY, child_id int);
	CREATE TABLE g.child (id int PRIMARY KEY, parent_id int REFERENCES g.parent);
	ALTER TABLE g.parent ADD FOREIGN KEY (child_id) REFERENCES g.child;
	CREATE TABLE g.leaf (child_id int REFERENCES g.child);
	CREATE VIEW g.v AS SELECT * FROM g.leaf;
});

$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

my %queries = (
	referencing => q{SELECT depth, table_name, constraint_name
		FROM fk_referencing_tables('g.parent', true) ORDER BY 1, 2, 3},
	referenced => q{SELECT depth, table_name, constraint_name
		FROM fk_referenced_tables('g.leaf', true) ORDER BY 1, 2, 3},
	load_order => q{SELECT * FROM fk_load_order('{g}') ORDER BY 1});

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');
foreach my $name (sort keys %queries)
{
	my $on_primary = $primary->safe_psql('postgres', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('postgres', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}

my ($rc, $out, $err) = $standby->psql('postgres',
	q{SELECT * FROM fk_referencing_tables('g.v')});
like($err, qr/"v" is not a table/, 'a view is refused on the standby too');

# DDL on the primary shows on the standby once replayed.
$primary->safe_psql('postgres',
	'CREATE TABLE g.late (parent_id int REFERENCES g.parent)');
$primary->wait_for_catchup($standby);
is( $standby->safe_psql(
		'postgres',
		q{SELECT string_agg(table_name::text, ',' ORDER BY table_name::text)
		    FROM fk_referencing_tables('g.parent')}),
	'g.child,g.late',
	'a key added on the primary is seen on the standby');

$standby->stop;
$primary->stop;
done_testing();
