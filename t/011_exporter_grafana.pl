# The real postgres_exporter with monitoring/queries.yaml, against a
# throwaway server: /metrics carries one series per key, issue and
# coverage figure, with the values the views give the exporter's role.
# The Grafana dashboards: their structure (a datasource variable, no
# import inputs), every SQL panel runs against the server, every PromQL
# query names only metrics the exporter exposes, and every legend only
# labels those metrics carry.

use strict;
use warnings;

use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $exporter = '/usr/bin/prometheus-postgres-exporter';
plan skip_all => "$exporter is not installed (test/packages installs it)"
  unless -x $exporter;

my $node = PostgreSQL::Test::Cluster->new('exporter');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION fk_tools;
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int
    CONSTRAINT orders_customer_fk REFERENCES shop.customers);
CREATE TABLE shop."Order Notes" (id int, order_id int
    CONSTRAINT "notes → orders" REFERENCES shop.orders);
CREATE TABLE shop.payments (id int, order_id bigint
    CONSTRAINT payments_order_fk REFERENCES shop.orders);
INSERT INTO shop.customers SELECT generate_series(1, 10);
INSERT INTO shop.orders SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE shop.orders DISABLE TRIGGER ALL;
INSERT INTO shop.orders VALUES (11, 98), (12, 99), (13, 99);
ALTER TABLE shop.orders ENABLE TRIGGER ALL;
INSERT INTO shop."Order Notes" VALUES (1, 1);
ALTER TABLE shop."Order Notes" DISABLE TRIGGER ALL;
SELECT count(*) FROM fk_check_snapshot();
CREATE TABLE shop.refunds (id int, payment_id int, order_id int);
ALTER TABLE shop.refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id)
    REFERENCES shop.orders NOT VALID;
CREATE ROLE fkmon LOGIN IN ROLE pg_monitor;
});

# A free port on the loopback address for the exporter.
my $sock = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Proto => 'tcp',
	Listen => 1) or die "no free port: $!";
my $http_port = $sock->sockport;
close $sock;

my $queries = "$ENV{TESTDIR}/monitoring/queries.yaml";
ok(-f $queries, 'monitoring/queries.yaml is there');
# each query runs once per server (master) and is cached between scrapes
my @query_names = slurp_file($queries) =~ /^([a-z_]+):\s*$/mg;
foreach my $q (@query_names)
{
	my ($body) = slurp_file($queries) =~ /^\Q$q\E:\s*\n((?:[ #].*\n|\n)*)/m;
	like($body, qr/^  master: true$/m, "$q: master: true");
	like($body, qr/^  cache_seconds: \d+$/m, "$q: cache_seconds");
}
is(scalar @query_names, 4, 'four queries');
my ($out, $err) = ('', '');
local $ENV{DATA_SOURCE_NAME} = sprintf('host=%s port=%d user=fkmon dbname=postgres sslmode=disable',
	$node->host, $node->port);
my $h = IPC::Run::start(
	[
		$exporter, "--extend.query-path=$queries",
		"--web.listen-address=127.0.0.1:$http_port", '--log.level=warn'
	],
	'>', \$out, '2>', \$err);

# The exporter queries the server at each scrape: wait until it answers
# with fk_tools' metrics.
my $http = HTTP::Tiny->new(timeout => 10);
my $metrics = '';
foreach my $try (1 .. 60)
{
	my $res = $http->get("http://127.0.0.1:$http_port/metrics");
	$metrics = $res->{content} if $res->{success};
	last if $metrics =~ /^fk_tools_coverage_keys[ {]/m;
	sleep 1;
}
like($metrics, qr/^fk_tools_coverage_keys[ {]/m, 'the exporter serves fk_tools metrics')
  or diag("exporter stderr: $err");

# name{labels} value, for every sample line
my %sample;
my %labels_of;
foreach my $line (split /\n/, $metrics)
{
	next if $line =~ /^#/ || $line !~ /\S/;
	my ($name, $labels, $value) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
	  or next;
	my %l;
	$labels //= '';
	while ($labels =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)
	{
		my ($k, $v) = ($1, $2);
		$v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
		$l{$k} = $v;
	}
	$labels_of{$name}{$_} = 1 foreach keys %l;
	my $key = join(',', map { "$_=$l{$_}" } sort grep { $_ ne 'server' } keys %l);
	$sample{$name}{$key} = $value;
}

sub num
{
	my ($v) = @_;
	return 'NaN' if !defined $v || $v eq '' || $v eq 'NaN';
	return 0 + $v;
}

# Per key: the values fk_check_latest gives the exporter's role.
my $rows = $node->safe_psql(
	'postgres', q{
SET ROLE fkmon;
SELECT n.nspname, c.relname, l.constraint_name, l.referenced_table::text,
       l.orphan_rows, l.missing_keys, l.enforced::int, l.validated::int,
       (l.status LIKE 'error%')::int
  FROM fk_check_latest l JOIN pg_class c ON c.oid = l.table_name
  JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1, 2, 3});
my $nkeys = 0;
foreach my $row (split /\n/, $rows)
{
	my ($schema, $table, $con, $ref, $orphans, $missing, $enforced, $validated, $failed) =
	  split /\|/, $row, -1;
	my $key = "constraint_name=$con,referenced_table=$ref,schema_name=$schema,table_name=$table";
	$nkeys++;
	is(num($sample{fk_tools_key_orphan_rows}{$key}), num($orphans), "orphan_rows of $con");
	is(num($sample{fk_tools_key_missing_keys}{$key}), num($missing), "missing_keys of $con");
	is(num($sample{fk_tools_key_enforced}{$key}), num($enforced), "enforced of $con");
	is(num($sample{fk_tools_key_validated}{$key}), num($validated), "validated of $con");
	is(num($sample{fk_tools_key_check_failed}{$key}), num($failed), "check_failed of $con");
	my $age = $sample{fk_tools_key_seconds_since_check}{$key};
	ok(defined $age && ($orphans eq '' ? $age eq 'NaN' : $age >= 0),
		"seconds_since_check of $con");
}
is($nkeys, 4, 'four keys');
is(scalar(keys %{ $sample{fk_tools_key_orphan_rows} }), $nkeys, 'one series per key');
is( num($sample{fk_tools_key_orphan_rows}{'constraint_name=orders_customer_fk,referenced_table=shop.customers,schema_name=shop,table_name=orders'}),
	3, 'the orphans of orders, counted by the server');

# Issues by kind and severity: every kind, with fk_issues' counts.
my %issues = map { my ($i, $s, $n) = split /\|/; ("issue=$i,severity=$s" => $n) }
  split /\n/, $node->safe_psql('postgres', q{
SET ROLE fkmon;
SELECT k.issue, k.severity, count(i.issue)
  FROM (VALUES ('not_enforced', 'error'), ('not_validated', 'warning'),
               ('type_mismatch', 'warning'), ('invalid_index', 'warning'),
               ('unindexed', 'warning'),
               ('duplicate', 'info')) AS k(issue, severity)
  LEFT JOIN fk_issues i USING (issue, severity) GROUP BY 1, 2});
is_deeply(
	{ map { $_ => num($sample{fk_tools_issues_count}{$_}) } keys %{ $sample{fk_tools_issues_count} } },
	{ map { $_ => num($issues{$_}) } keys %issues },
	'issue counts by kind and severity');
ok($issues{'issue=not_enforced,severity=error'} >= 1 && $issues{'issue=not_validated,severity=warning'} >= 1,
	'the schema has issues of several kinds');

# Coverage and runs.
my ($keys, $checked, $never, $with_orphans, $not_enforced) = split /\|/,
  $node->safe_psql('postgres', q{SET ROLE fkmon;
SELECT keys, checked_keys, never_checked, keys_with_orphans, keys_not_enforced FROM fk_check_coverage});
is(num($sample{fk_tools_coverage_keys}{''}), $keys, 'coverage: keys');
is(num($sample{fk_tools_coverage_checked_keys}{''}), $checked, 'coverage: checked keys');
is(num($sample{fk_tools_coverage_never_checked}{''}), $never, 'coverage: never checked');
is(num($sample{fk_tools_coverage_keys_with_orphans}{''}), $with_orphans, 'coverage: keys with orphans');
is(num($sample{fk_tools_coverage_keys_not_enforced}{''}), $not_enforced, 'coverage: keys not enforced');
is(num($sample{fk_tools_coverage_covered_within_seconds}{''}), 'NaN',
	'not covered while a key was never checked');
is(num($sample{fk_tools_runs_last_keys_checked}{''}), 3, 'runs: the last run checked 3 keys');
is(num($sample{fk_tools_runs_running}{''}), 0, 'runs: none running');

# ---- Grafana ----

my @dashboards = sort glob("$ENV{TESTDIR}/monitoring/grafana/*.json");
is(scalar @dashboards, 2, 'two dashboards');
my %metric_names = map { $_ => 1 } keys %sample;
foreach my $file (@dashboards)
{
	my $text = slurp_file($file);
	my $d = JSON::PP->new->decode($text);
	my $name = $file =~ s{.*/}{}r;
	ok($d->{uid} && $d->{title} && $d->{schemaVersion}, "$name: uid, title, schemaVersion");
	ok(!exists $d->{__inputs} && $text !~ /\$\{DS_/, "$name: no import inputs");
	my @vars = grep { $_->{type} eq 'datasource' } @{ $d->{templating}{list} };
	is(scalar @vars, 1, "$name: one datasource variable");
	my $ds_type = $vars[0]{query};
	my $var = $vars[0]{name};
	ok(@{ $d->{panels} } >= 5, "$name: panels");
	my %ids;
	foreach my $p (@{ $d->{panels} })
	{
		my $title = "$name: panel '$p->{title}'";
		ok(!$ids{ $p->{id} }++, "$title: unique id");
		ok($p->{gridPos} && defined $p->{gridPos}{w}, "$title: has a position");
		is_deeply($p->{datasource}, { type => $ds_type, uid => "\${$var}" },
			"$title: its datasource is the variable");
		ok(@{ $p->{targets} } > 0, "$title: has queries");
		foreach my $t (@{ $p->{targets} })
		{
			is_deeply($t->{datasource}, $p->{datasource}, "$title $t->{refId}: same datasource");
			if ($ds_type eq 'prometheus')
			{
				my $expr = $t->{expr};
				my @names = $expr =~ /\b((?:fk_tools|pg)_[a-zA-Z0-9_]+)\b/g;
				ok(@names > 0, "$title $t->{refId}: names a metric");
				foreach my $m (@names)
				{
					ok($metric_names{$m}, "$title $t->{refId}: $m is exposed");
				}
				my @used = ($t->{legendFormat} // '') =~ /\{\{\s*(\w+)\s*\}\}/g;
				push @used, $expr =~ /\bby \(([^)]*)\)/ ? split(/\s*,\s*/, $1) : ();
				foreach my $l (@used)
				{
					ok((grep { $labels_of{$_}{$l} } @names), "$title $t->{refId}: label $l exists");
				}
			}
			else
			{
				my $sql = $t->{rawSql};
				ok($t->{rawQuery} && $sql, "$title $t->{refId}: raw SQL");
				# Grafana's macros, as Grafana expands them
				$sql =~ s/\$__timeFilter\(([^)]+)\)/$1 BETWEEN now() - interval '7 days' AND now()/g;
				unlike($sql, qr/\$/, "$title $t->{refId}: no macro left");
				my ($ret, $stdout, $stderr) = $node->psql('postgres', "SET ROLE fkmon; $sql",
					on_error_stop => 1);
				is($ret, 0, "$title $t->{refId}: runs as the monitoring role")
				  or diag($stderr);
			}
		}
	}
}

$h->kill_kill;
$node->stop;
done_testing();
