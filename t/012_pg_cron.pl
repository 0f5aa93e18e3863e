# The rolling snapshot scheduled with pg_cron (Debian's postgresql-15-cron,
# 1.4: minute granularity), in a database other than cron.database_name,
# through cron.schedule_in_database: a job really runs, and its results
# are in the history.  pg_cron needs shared_preload_libraries, so this
# test starts its own server with it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
my $libdir = `pg_config --pkglibdir`;
chomp $libdir;
plan skip_all => 'pg_cron is not installed (test/packages installs it)'
  unless -f "$libdir/pg_cron.so";

$node->init;
$node->append_conf(
	'postgresql.conf', sprintf(q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '%s'
}, $node->host));
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql(
	'app', q{
CREATE EXTENSION fk_tools;
CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int
    CONSTRAINT orders_customer_fk REFERENCES customers);
CREATE TABLE lines (id int, order_id int CONSTRAINT lines_order_fk REFERENCES orders);
INSERT INTO customers VALUES (1);
ALTER TABLE orders DISABLE TRIGGER ALL;
INSERT INTO orders VALUES (1, 1), (2, 42);
ALTER TABLE orders ENABLE TRIGGER ALL;
INSERT INTO lines VALUES (1, 1);
});

# The job, as the README schedules it.
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
my $jobid = $node->safe_psql(
	'postgres', q{
SELECT cron.schedule_in_database('fk_tools rolling check', '* * * * *',
    $$CALL fk_check_snapshot_rolling(time_budget => interval '10 minutes')$$, 'app')});
like($jobid, qr/^\d+$/, 'job scheduled');

# pg_cron starts jobs at minute boundaries: wait for one run (at most two
# minutes).
my $timeout = $PostgreSQL::Test::Utils::timeout_default;
$PostgreSQL::Test::Utils::timeout_default = 150 if $timeout < 150;
ok( $node->poll_query_until(
		'app', q{
SELECT EXISTS (SELECT FROM fk_check_runs
                WHERE command = 'fk_check_snapshot_rolling' AND state = 'finished')}),
	'a scheduled run finished');
$PostgreSQL::Test::Utils::timeout_default = $timeout;

ok( $node->poll_query_until(
		'postgres', qq{
SELECT EXISTS (SELECT FROM cron.job_run_details
                WHERE jobid = $jobid AND status = 'succeeded')}),
	'pg_cron says the job succeeded');
is( $node->safe_psql(
		'app', q{
SELECT string_agg(constraint_name || ':' || status || ':' || orphan_rows, ',' ORDER BY constraint_name)
  FROM fk_check_latest}),
	'lines_order_fk:ok:0,orders_customer_fk:orphans:1',
	'its results are in the views');
is( $node->safe_psql(
		'app', q{
SELECT count(*), min(checked_by) FROM fk_check_history}),
	'2|' . $node->safe_psql('postgres', 'SELECT current_user'),
	'and in the history, checked as the job\'s user');

$node->safe_psql('postgres', "SELECT cron.unschedule($jobid)");
$node->stop;
done_testing();
