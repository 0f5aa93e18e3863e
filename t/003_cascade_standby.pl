# The cascade previews on a hot standby: they only read (SELECTs through
# SPI, AccessShareLock, no transaction id), so they answer there exactly as
# on the primary.
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

$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

my %queries = (
	preview => q{SELECT * FROM fk_cascade_preview('s.p', ARRAY[1, 3])
		ORDER BY 1, 2::text, 3, 5},
	update => q{SELECT * FROM fk_update_preview('s.p', 2, '{"id": 9}')
		ORDER BY 1, 2::text, 3, 5},
	rows => q{SELECT depth, table_name, action, affected_row
		FROM fk_cascade_rows('s.p', 2) ORDER BY 1, 2::text, 3, 4::text});

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');
foreach my $name (sort keys %queries)
{
	my $on_primary = $primary->safe_psql('postgres', $queries{$name});
	isnt($on_primary, '', "$name has rows on the primary");
	is($standby->safe_psql('postgres', $queries{$name}),
		$on_primary, "$name: the standby answers as the primary");
}
like($standby->safe_psql('postgres',
		q{SELECT string_agg(action, ',' ORDER BY action) FROM fk_cascade_preview('s.p', 3)}),
	qr/BLOCKED/, 'a RESTRICT row blocks on the standby too');

done_testing();
