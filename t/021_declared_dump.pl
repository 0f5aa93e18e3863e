# Declared-only references survive pg_dump and restore: the extension's
# table is dumped (pg_extension_config_dump), its tables come back by name
# (regclass) and its columns by name, and the restored references check
# the same rows as before.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('declared_dump');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION fk_tools;
CREATE SCHEMA "App s";
CREATE TABLE "App s".parent (a int, b text, dropped int, PRIMARY KEY (a, b));
ALTER TABLE "App s".parent DROP COLUMN dropped;
INSERT INTO "App s".parent VALUES (1, 'x'), (2, 'y');
CREATE TABLE "App s"."Child" (id int, pb text, pa int);
INSERT INTO "App s"."Child" VALUES (1, 'x', 1), (2, 'y', 1), (3, NULL, 2), (4, 'y', 2);
SELECT fk_declare('child "ref"', '"App s"."Child"', '{pa,pb}', '"App s".parent', '{a,b}', 'FULL');
});

my $query = q{
SELECT constraint_name, table_name, columns, referenced_table, referenced_columns,
       match_type, definition, declared_only FROM fk_constraints WHERE declared_only;
SELECT constraint_name, orphan_rows, missing_keys, sample_keys FROM fk_check('"App s"."Child"');
};
my $before = $node->safe_psql('postgres', $query);

my $dump = $node->basedir . '/dump.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ],
	'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('restored'), '-f', $dump ],
	'restore');
my $after = $node->safe_psql('restored', $query);
is($after, $before, 'the restored database has the same references, with the same orphans');
like($before, qr/child "ref"\|2\|1/, 'the reference had its orphans before');

$node->stop;
done_testing();
