# A rolling snapshot cancelled or timed out keeps every key it finished;
# the function form, one transaction, keeps nothing; a lock timeout on one
# key is that key's failure and the run goes on.  While it runs, another
# session sees where it is (fk_check_progress, fk_check_runs).
#
# Four keys, never checked, so a run takes them by name: a1 .. a4.  A
# third session holds a parent table ACCESS EXCLUSIVE, so that the run
# waits on a known key while it is looked at and cancelled.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('snapshot_cancel');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION fk_tools;
CREATE SCHEMA s;
DO $$
BEGIN
  FOR i IN 1..4 LOOP
    EXECUTE format('CREATE TABLE s.a%s_parent (id int PRIMARY KEY)', i);
    EXECUTE format('CREATE TABLE s.a%s_child (id int, parent_id int
                    CONSTRAINT a%s_child_fk REFERENCES s.a%s_parent)', i, i, i);
    EXECUTE format('INSERT INTO s.a%s_parent SELECT generate_series(1, 100)', i);
    EXECUTE format('INSERT INTO s.a%s_child SELECT g, g FROM generate_series(1, 100) g', i);
  END LOOP;
END $$;
ALTER TABLE s.a1_child DISABLE TRIGGER ALL;
INSERT INTO s.a1_child VALUES (101, 999);
ALTER TABLE s.a1_child ENABLE TRIGGER ALL;
CREATE ROLE outsider LOGIN;
});

my $locker = $node->background_psql('postgres', on_error_stop => 0);
my $runner = $node->background_psql('postgres', on_error_stop => 0);
my $runner_pid = $runner->query_safe('SELECT pg_backend_pid()');

# Start a statement in the runner session without waiting for it.
sub start_in_runner
{
	my ($sql) = @_;
	$runner->query_until(qr/started/, "\\echo started\n$sql\n");
}

# Wait until the runner waits for a lock while checking the named key.
sub wait_for_key
{
	my ($key) = @_;
	ok( $node->poll_query_until(
			'postgres', qq{
SELECT EXISTS (SELECT FROM fk_check_progress p JOIN pg_stat_activity a USING (pid)
                WHERE p.pid = $runner_pid AND p.constraint_name = '$key'
                  AND a.wait_event_type = 'Lock')}),
		"the run waits on $key");
}

# Wait until the runner's statement has ended, and return what it said.
sub runner_result
{
	my ($out, $ret) = $runner->query('SELECT 1');
	my $err = $runner->{stderr};
	$runner->{stderr} = '';
	return $err;
}

# 1. CALL fk_check_snapshot_rolling(), cancelled while it waits on a3.
$locker->query_safe('BEGIN; LOCK s.a3_parent IN ACCESS EXCLUSIVE MODE;');
start_in_runner('CALL fk_check_snapshot_rolling();');
wait_for_key('a3_child_fk');

is( $node->safe_psql(
		'postgres', q{
SELECT command, keys_total, keys_done, table_name, referenced_table,
       key_started_at >= started_at, elapsed >= key_elapsed
  FROM fk_check_progress}),
	'fk_check_snapshot_rolling|4|2|s.a3_child|s.a3_parent|t|t',
	'progress: key 3 of 4, two done');
is( $node->safe_psql(
		'postgres', q{
SELECT state, keys_planned, keys_checked FROM fk_check_runs}),
	'running|4|2',
	'the run and its finished keys are committed as it goes');
is( $node->safe_psql(
		'postgres', q{
SET ROLE outsider;
SELECT pid IS NOT NULL, run_id IS NOT NULL, command, keys_done IS NULL,
       constraint_name IS NULL FROM fk_check_progress}),
	't|t|fk_check_snapshot_rolling|t|t',
	'another role sees that it runs, not what it reads');

$node->safe_psql('postgres', "SELECT pg_cancel_backend($runner_pid)");
like(runner_result(), qr/canceling statement due to user request/,
	'the run was cancelled');
is( $node->safe_psql(
		'postgres', q{
SELECT string_agg(constraint_name || ':' || status, ',' ORDER BY constraint_name)
  FROM fk_check_latest}),
	'a1_child_fk:orphans,a2_child_fk:ok,a3_child_fk:never checked,a4_child_fk:never checked',
	'the two keys it finished are kept, the others were never checked');
is( $node->safe_psql(
		'postgres', q{
SELECT state, keys_checked, finished_at IS NULL, stop_reason IS NULL,
       (SELECT count(*) FROM fk_check_history h WHERE h.run_id = r.run_id)
  FROM fk_check_runs r}),
	'interrupted|2|t|t|2',
	'the run shows as interrupted, with its two results');
is($node->safe_psql('postgres', 'SELECT count(*) FROM fk_check_progress'),
	'0', 'no progress row once it has ended');
like($node->safe_psql('postgres', "SELECT query FROM pg_stat_activity WHERE pid = $runner_pid"),
	qr/^SELECT 1/, 'the progress comment left the activity record');

# 2. A statement_timeout while it waits on a4: a3 (stalest) is kept.
$locker->query_safe('COMMIT; BEGIN; LOCK s.a4_parent IN ACCESS EXCLUSIVE MODE;');
$runner->query_safe("SET statement_timeout = '2s'");
start_in_runner('CALL fk_check_snapshot_rolling();');
like(runner_result(), qr/canceling statement due to statement timeout/,
	'the run timed out');
$runner->query_safe('RESET statement_timeout');
is( $node->safe_psql(
		'postgres', q{
SELECT string_agg(constraint_name || ':' || status, ',' ORDER BY constraint_name)
  FROM fk_check_latest}),
	'a1_child_fk:orphans,a2_child_fk:ok,a3_child_fk:ok,a4_child_fk:never checked',
	'the key it finished before the timeout is kept');

# 3. The function form is one transaction: cancelled, it keeps nothing.
my $before = $node->safe_psql('postgres',
	'SELECT count(*) FROM fk_snapshot_results');
$locker->query_safe('COMMIT; BEGIN; LOCK s.a1_parent IN ACCESS EXCLUSIVE MODE;');
start_in_runner('SELECT count(*) FROM fk_check_snapshot();');
wait_for_key('a1_child_fk');
$node->safe_psql('postgres', "SELECT pg_cancel_backend($runner_pid)");
like(runner_result(), qr/canceling statement due to user request/,
	'the function was cancelled');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM fk_snapshot_results}), $before,
	'it kept no result (a4, checked before the wait, was rolled back)');
is( $node->safe_psql(
		'postgres', q{
SELECT status FROM fk_check_latest WHERE constraint_name = 'a4_child_fk'}),
	'never checked', 'a4 is still never checked');

# 4. A lock timeout on a1 is a1's failure; the run goes on, a1's last
# result stays next to the error.
$runner->query_safe("SET lock_timeout = '200ms'");
$runner->query_safe('CALL fk_check_snapshot_rolling()');
$runner->query_safe('RESET lock_timeout');
$locker->query_safe('COMMIT');
is( $node->safe_psql(
		'postgres', q{
SELECT keys_checked, keys_failed, stop_reason FROM fk_check_runs
 ORDER BY run_id DESC LIMIT 1}),
	'3|1|all keys checked', 'the run went on past the failed key');
is( $node->safe_psql(
		'postgres', q{
SELECT status, orphan_rows, last_attempt_at > checked_at FROM fk_check_latest
 WHERE constraint_name = 'a1_child_fk'}),
	'error: canceling statement due to lock timeout|1|t',
	'the failed attempt is shown with the last result');
is( $node->safe_psql(
		'postgres', q{
SELECT status FROM fk_check_history WHERE constraint_name = 'a1_child_fk'
 ORDER BY checked_at DESC LIMIT 1}),
	'error: canceling statement due to lock timeout',
	'and kept in the history');

# 5. fk_check reports progress too, with NOTICEs when asked.
$locker->query_safe('BEGIN; LOCK s.a2_parent IN ACCESS EXCLUSIVE MODE;');
start_in_runner('SELECT count(*) FROM fk_check();');
wait_for_key('a2_child_fk');
is( $node->safe_psql(
		'postgres', q{
SELECT command, run_id IS NULL, keys_total, keys_done FROM fk_check_progress}),
	'fk_check|t|4|1', 'fk_check shows its progress');
$locker->query_safe('COMMIT');
runner_result();
my ($out, $ret) = $runner->query(
	"SET fk_tools.progress_notices = on; SELECT count(*) FROM fk_check(); RESET fk_tools.progress_notices");
my @notices = ($runner->{stderr} =~ /NOTICE:  fk_tools: checking key (\d) of 4/g);
is(join(',', @notices), '1,2,3,4', 'a NOTICE for each key');
$runner->{stderr} = '';

$runner->quit;
$locker->quit;
$node->stop;
done_testing();
