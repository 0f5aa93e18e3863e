# Declared-only references across servers: two clusters linked with
# postgres_fdw, a reference in each direction (child local / parent
# remote, child remote / parent local) and one with both sides remote,
# MATCH FULL on a composite key with NULLs.  The oracle is the server:
# the remote rows are copied locally, under a real foreign key, each
# insert in its own subtransaction; the rows it rejects must be exactly
# fk_orphans' rows, and fk_check's counts theirs, in small and large
# batches.  Then the remote server stops while a snapshot run probes it:
# the run ends with the connection error (SQLSTATE class 08); the
# function form keeps nothing, the rolling procedure keeps the keys it
# finished and nothing of the one it was probing; fk_orphans then fails
# with the connection error too.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $remote = PostgreSQL::Test::Cluster->new('fdw_remote');
$remote->init;
$remote->start;
my $local = PostgreSQL::Test::Cluster->new('fdw_local');
$local->init;
$local->start;

# The remote side: a parent, a child, and a parent that answers slowly
# (each query waits 0.3 s), for stopping the server in the middle.
$remote->safe_psql(
	'postgres', q{
CREATE TABLE rp (id int8 PRIMARY KEY);
INSERT INTO rp SELECT g FROM generate_series(1, 300) g;
CREATE TABLE rp2 (a int, b text, PRIMARY KEY (a, b));
INSERT INTO rp2 SELECT g % 20, chr(97 + g % 3) FROM generate_series(1, 60) g;
CREATE TABLE rc (id int PRIMARY KEY, pid int4, a int, b text);
INSERT INTO rc SELECT g,
       CASE WHEN g % 37 = 0 THEN NULL WHEN g % 11 = 0 THEN g + 1000 ELSE g END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE g % 25 END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE chr(97 + g % 4) END
  FROM generate_series(1, 400) g;
CREATE FUNCTION slow() RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_sleep(0.3); RETURN true; END $$;
CREATE VIEW rp_slow AS SELECT rp.* FROM rp, (SELECT slow()) s;
});

my $rport = $remote->port;
my $rhost = $remote->host;
$local->safe_psql(
	'postgres', qq{
CREATE EXTENSION fk_tools;
CREATE EXTENSION postgres_fdw;
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$rhost', port '$rport', dbname 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER remote;
CREATE FOREIGN TABLE frp (id int8) SERVER remote OPTIONS (table_name 'rp');
CREATE FOREIGN TABLE frp2 (a int, b text) SERVER remote OPTIONS (table_name 'rp2');
CREATE FOREIGN TABLE frp_slow (id int8) SERVER remote OPTIONS (table_name 'rp_slow');
CREATE FOREIGN TABLE frc (id int, pid int4, a int, b text) SERVER remote OPTIONS (table_name 'rc');
CREATE TABLE lp (id int8 PRIMARY KEY);
INSERT INTO lp SELECT g FROM generate_series(1, 350) g;
CREATE TABLE lc (id int PRIMARY KEY, pid int4);
INSERT INTO lc SELECT g, CASE WHEN g % 9 = 0 THEN -g WHEN g % 31 = 0 THEN NULL ELSE g END
  FROM generate_series(1, 500) g;
SELECT fk_declare('lc_frp', 'lc', '{pid}', 'frp', '{id}');
SELECT fk_declare('frc_lp', 'frc', '{pid}', 'lp', '{id}');
SELECT fk_declare('frc_frp2', 'frc', '{a,b}', 'frp2', '{a,b}', 'FULL');
});

# The oracle: the referenced rows copied locally, the referencing rows
# inserted one by one under a real foreign key.
$local->safe_psql(
	'postgres', q{
CREATE FUNCTION server_orphans(ref text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r fk_declared_references;
    j jsonb;
BEGIN
    SELECT * INTO STRICT r FROM fk_declared_references WHERE name = ref;
    DROP TABLE IF EXISTS oracle_parent, oracle_child;
    EXECUTE format('CREATE TABLE oracle_parent AS SELECT * FROM %s', r.referenced_table);
    EXECUTE format('ALTER TABLE oracle_parent ADD PRIMARY KEY (%s)',
                   array_to_string(r.referenced_columns, ', '));
    EXECUTE format('CREATE TABLE oracle_child (LIKE %s)', r.table_name);
    EXECUTE format('ALTER TABLE oracle_child ADD FOREIGN KEY (%s) REFERENCES oracle_parent (%s) MATCH %s',
                   array_to_string(r.columns, ', '), array_to_string(r.referenced_columns, ', '),
                   r.match_type);
    FOR j IN EXECUTE format('SELECT to_jsonb(c) FROM %s c', r.table_name) LOOP
        BEGIN
            INSERT INTO oracle_child SELECT * FROM jsonb_populate_record(NULL::oracle_child, j);
        EXCEPTION WHEN foreign_key_violation THEN
            RETURN NEXT j->>'id';
        END;
    END LOOP;
END
$$;
});

foreach my $batch (7, 1000)
{
	foreach my $ref ('lc_frp', 'frc_lp', 'frc_frp2')
	{
		my $table = $ref eq 'lc_frp' ? 'lc' : 'frc';
		my $server = $local->safe_psql('postgres',
			"SELECT count(*), string_agg(id, ',' ORDER BY id::int) FROM server_orphans('$ref') id");
		my $ours = $local->safe_psql('postgres', qq{
SET fk_tools.remote_batch_size = $batch;
SELECT count(*), string_agg(orphan_row->>'id', ',' ORDER BY (orphan_row->>'id')::int)
  FROM fk_orphans('$table', '$ref')});
		my ($n) = split /\|/, $server;
		ok($n > 0, "$ref has orphans by the server's judgement ($n)");
		is($ours, $server, "$ref, batches of $batch: fk_orphans finds the rows the server rejects");
		my $check = $local->safe_psql('postgres', qq{
SET fk_tools.remote_batch_size = $batch;
SELECT orphan_rows FROM fk_check('$table') WHERE constraint_name = '$ref'});
		is($check, $n, "$ref, batches of $batch: fk_check counts them");
	}
}

# Batches: one probe per fk_tools.remote_batch_size distinct keys, never
# one per row (the check says what it did at DEBUG1).
my ($ret, $stdout, $stderr) = $local->psql('postgres', q{
SET client_min_messages = debug1;
SET fk_tools.remote_batch_size = 100;
SELECT orphan_rows FROM fk_check('lc') WHERE constraint_name = 'lc_frp'});
like($stderr, qr/reference "lc_frp": (\d+) distinct keys read, 5 probes/,
	"the referenced side is probed in batches (5 of 100 keys for ~450 keys)");

# A referenced table known (ANALYZE) to have about as many rows as there
# are keys is read once instead of probed; the result is the same.
$local->safe_psql('postgres', 'ANALYZE frp');
($ret, $stdout, $stderr) = $local->psql('postgres', q{
SET client_min_messages = debug1;
SET fk_tools.remote_batch_size = 100;
SELECT orphan_rows FROM fk_check('lc') WHERE constraint_name = 'lc_frp'});
like($stderr, qr/reference "lc_frp": (\d+) distinct keys read, 1 probes/,
	'a referenced table about as large as the keys is read once');
is($stdout, $local->safe_psql('postgres', "SELECT count(*) FROM server_orphans('lc_frp')"),
	'reading it once finds the same orphans');

# Both sides remote on the same server: the same set-based check.
$local->safe_psql('postgres',
	"SELECT fk_declare('frc_frp', 'frc', '{pid}', 'frp', '{id}')");
is( $local->safe_psql('postgres',
		"SELECT count(*) FROM fk_orphans('frc', 'frc_frp')"),
	$local->safe_psql('postgres',
		"SELECT count(*) FROM server_orphans('frc_frp')"),
	'both sides remote: the server\'s orphans');

# A reference with a foreign side cannot become a foreign key.
($ret, $stdout, $stderr) = $local->psql('postgres',
	"SELECT * FROM fk_promote('lc_frp')");
like($stderr, qr/links a foreign table and cannot become a foreign key/,
	'fk_promote refuses a reference to a foreign table');

# Stop the remote server in the middle of a snapshot run: the slow
# parent answers each probe after 0.3 s, 40 probes of 10 keys.
$local->safe_psql('postgres', q{
SELECT fk_undeclare('lc_frp');
SELECT fk_declare('lc_slow', 'lc', '{pid}', 'frp_slow', '{id}');
SELECT fk_declare('lc_lp', 'lc', '{pid}', 'lp', '{id}');
TRUNCATE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;
});
# The function form: one transaction.  The failure is the connection
# error, and nothing of the run is kept.
sub stop_remote_during
{
	my ($sql) = @_;
	my $runner = $local->background_psql('postgres', on_error_stop => 0);
	$runner->query_until(qr/started/, qq{
SET fk_tools.remote_batch_size = 10;
\\set VERBOSITY verbose
\\echo started
$sql;
\\echo finished
});
	ok( $remote->poll_query_until('postgres', q{
SELECT EXISTS (SELECT FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND wait_event = 'PgSleep')}),
		'the run is probing the slow remote parent');
	$remote->stop('immediate');
	# wait for the statement to end, whatever it says
	$runner->{stdin} .= "\\echo done\n";
	$runner->{run}->pump until $runner->{stdout} =~ /done/ || $runner->{timeout}->is_expired;
	my $err = $runner->{stderr};
	$runner->{stderr} = '';
	$runner->quit;
	$remote->start;
	return $err;
}

my $err = stop_remote_during(
	"SELECT constraint_name, status FROM fk_check_snapshot('lc') ORDER BY 1");
like($err, qr/ERROR:\s+08\d\d\d/, 'the snapshot run fails with a connection error (class 08)');
is( $local->safe_psql('postgres', q{
SELECT (SELECT count(*) FROM fk_snapshot_runs) + (SELECT count(*) FROM fk_snapshot_results)
       + (SELECT count(*) FROM fk_snapshot_state)}),
	'0', 'nothing of the failed run is kept');

# The procedure commits after each key: what it finished before the
# server went away is kept; the key it was probing ends the run with the
# connection error (postgres_fdw cannot reuse the connection in that
# transaction), and nothing of that key is kept: the run shows as
# interrupted, as a cancelled one does.
$err = stop_remote_during("CALL fk_check_snapshot_rolling(target => 'lc')");
like($err, qr/ERROR:\s+08\d\d\d/, 'the rolling run ends with the connection error (class 08)');
is( $local->safe_psql('postgres', q{
SELECT string_agg(constraint_name || ':' || status, ',' ORDER BY constraint_name)
  FROM fk_check_latest WHERE table_name = 'lc'::regclass}),
	'lc_lp:orphans,lc_slow:never checked',
	'the key it finished is kept, the one it was probing has no result');
is( $local->safe_psql('postgres', q{
SELECT state, keys_checked, finished_at IS NULL FROM fk_check_runs}),
	'interrupted|1|t', 'the run shows as interrupted after one key');
is( $local->safe_psql('postgres',
		"SELECT count(*) FROM fk_snapshot_results WHERE constraint_name = 'lc_slow'"),
	'0', 'no result recorded for the key on the stopped server');
$remote->stop('immediate');

# Without the remote server, checking is an error of class 08.
($ret, $stdout, $stderr) = $local->psql('postgres', q{
\set VERBOSITY verbose
SELECT count(*) FROM fk_orphans('lc', 'lc_slow')});
like($stderr, qr/ERROR:\s+08\d\d\d/, 'fk_orphans fails with a connection error (SQLSTATE class 08)');

$local->stop;
done_testing();
