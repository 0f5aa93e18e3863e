# fk_tools is trusted: the owner of a database, not a superuser, installs,
# updates and uses it.  A trusted extension's scripts run as the bootstrap
# superuser, so they must not be open to trojans (CVE-2018-1058): here a
# hostile role that may create objects in public and in the extension's
# schema plants functions, operators and domains named like everything the
# install and update scripts and the functions' generated SQL use, and
# none of them ever runs.  What still needs a superuser says so.
#
# The names come from the scripts and sources of the tree, so a new
# function or operator used there is planted without changing this file.
# The scripts are also read for the rules of PostgreSQL's documentation
# on secure extension scripts: objects qualified with @extschema@, every
# function call and operator schema-qualified, no CREATE OR REPLACE and
# no IF [NOT] EXISTS.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ext = 'fk_tools';

like(slurp_file("$ext.control"), qr/^\s*trusted\s*=\s*true\s*$/m,
	"$ext.control says trusted = true");

# ----------------------------------------------------------------------
# What the scripts and the generated SQL use.
# ----------------------------------------------------------------------

# SQL without comments, string literals and the psql guard line (in one
# pass, so that "--" in a string or a quote in a comment is no trouble;
# newlines stay, so line numbers do).
sub sql_code
{
	my ($sql) = @_;
	$sql =~ s/^\\echo.*$//mg;
	$sql =~ s{/\*.*?\*/|--[^\n]*|\$(\w*)\$.*?\$\1\$|'(?:[^']|'')*'}{
		my $m = $&;
		($m =~ /^['\$]/ ? " '' " : ' ') . ("\n" x ($m =~ tr/\n//))
	}gse;
	return $sql;
}

my @scripts = sort glob("$ext--*.sql");
ok(@scripts >= 2, 'install and update scripts: ' . join(', ', @scripts));

# Words that open a parenthesis without being a function resolved through
# search_path: syntax, type modifiers, column lists.
my %syntax = map { $_ => 1 } qw(
  table values in exists any all some array row cast coalesce nullif operator
  greatest least extract overlay position substring trim treat using
  check references key unique primary default as on over filter within
  group grouping include with varchar numeric decimal char character
  bit varbit time timestamp interval float
);

my (%words, %called, %ops);

# What breaks those rules in a script's code (and, unless $probe, the
# names it uses, recorded in %called, %ops and %words).
sub broken_rules
{
	my ($code, $probe) = @_;
	my (%w, %c, %o);
	my @lines = split /\n/, $code;
	my @broken;
	for my $n (0 .. $#lines)
	{
		my $line = $lines[$n];
		my $where = "line " . ($n + 1);

		# function calls: qualified, or syntax
		while ($line =~ /((?:@?\w+@?\s*\.\s*)?)"?(\w+)"?\s*\(/g)
		{
			my ($qual, $name) = ($1, lc $2);
			$c{$name} = 1;
			push @broken, "$where: $name(...) is not schema-qualified"
			  unless $syntax{$name} || $qual =~ /^(\@extschema\@|pg_catalog)\s*\.\s*$/;
		}

		# operators: only as OPERATOR(pg_catalog.op)
		(my $rest = $line) =~ s/OPERATOR\s*\(\s*pg_catalog\s*\.\s*([^\s)]+)\s*\)/$o{$1} = 1; ' '/ge;
		$rest =~ s/::/ /g;                    # casts
		$rest =~ s/(?:SELECT|\.)\s*\*/ /gi;   # SELECT *, r.*
		$rest =~ s/\@extschema\@/ /g;
		while ($rest =~ /([-+*\/<>=~!\@#%^&|`?]+)/g)
		{
			$o{$1} = 1;
			push @broken, "$where: operator $1 is not written OPERATOR(pg_catalog.$1)";
		}

		push @broken, "$where: CREATE OR REPLACE" if $line =~ /\bOR\s+REPLACE\b/i;
		push @broken, "$where: IF [NOT] EXISTS" if $line =~ /\bIF\s+(NOT\s+)?EXISTS\b/i;
		$w{ lc $1 } = 1 while $line =~ /\b([A-Za-z_]\w*)\b/g;
	}

	# every object a script creates, alters, drops, comments or grants on
	# is named with @extschema@
	my $objects = 0;
	while ($code =~ /\b(?:CREATE|ALTER|DROP|COMMENT\s+ON|GRANT\s+\w+(?:\s*,\s*\w+)*\s+ON|REVOKE\s+\w+(?:\s*,\s*\w+)*\s+ON)\s+
			(?:FUNCTION|PROCEDURE|AGGREGATE|VIEW|MATERIALIZED\s+VIEW|TABLE|TYPE|DOMAIN|OPERATOR|SEQUENCE|INDEX|CAST|SCHEMA|COLUMN)?\s*
			(\S+)/gx)
	{
		my $name = $1;
		next if $name =~ /^(?:EXTENSION|TRIGGER|POLICY|RULE|CONSTRAINT|\()/i;
		$objects++;
		push @broken, "$name is not named with \@extschema\@" unless $name =~ /^\@extschema\@\./;
	}
	push @broken, 'no statement on an object' unless $objects;
	unless ($probe)
	{
		@called{ keys %c } = values %c;
		@ops{ keys %o } = values %o;
		@words{ keys %w } = values %w;
	}
	return @broken;
}

foreach my $script (@scripts)
{
	is(join("\n", broken_rules(sql_code(slurp_file($script)))), '',
		"$script follows the rules for secure extension scripts");
}

# The rules see what they are about.
is( join("\n", broken_rules(sql_code(q{CREATE OR REPLACE FUNCTION fk_x() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW IF NOT EXISTS @extschema@.v AS SELECT lower(a) = 'x' FROM @extschema@.t();
}), 1)),
	join("\n",
		'line 1: fk_x(...) is not schema-qualified',
		'line 1: CREATE OR REPLACE',
		'line 2: lower(...) is not schema-qualified',
		'line 2: operator = is not written OPERATOR(pg_catalog.=)',
		'line 2: IF [NOT] EXISTS',
		'OR is not named with @extschema@',
		'IF is not named with @extschema@'),
	'the rules catch an unqualified call, operator and name, OR REPLACE, IF NOT EXISTS');
delete $words{extschema};

# The generated SQL of the C code: pg_catalog.<name> and OPERATOR(pg_catalog.<op>).
foreach my $source (sort(glob('src/*.c')), glob('*.c'))
{
	my $c = slurp_file($source);
	$called{ lc $1 } = 1 while $c =~ /pg_catalog\.(\w+)/g;
	$ops{$1} = 1 while $c =~ /OPERATOR\(pg_catalog\.([^)\s"]+)\)/g;
}
ok(keys(%called) > 10, 'names of called functions and types: ' . join(' ', sort keys %called));
ok(keys(%ops) > 2, 'operators: ' . join(' ', sort keys %ops));

# ----------------------------------------------------------------------
# The cluster: a database owner, a hostile role, and the trojans.
# ----------------------------------------------------------------------

my $node = PostgreSQL::Test::Cluster->new('trusted');
$node->init;
$node->start;

my $super = $node->safe_psql('postgres', 'SELECT current_user');
$node->safe_psql('postgres', q{
	CREATE ROLE dbo LOGIN;
	CREATE ROLE mallory LOGIN;
	CREATE DATABASE app OWNER dbo;
});

# psql as role; ($rc, $stdout, $stderr)
sub as
{
	my ($role, $sql, $db) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql($db // 'app', $sql,
		stdout => \$out, stderr => \$err,
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

sub ok_as
{
	my ($role, $sql, $what, $db) = @_;
	my ($rc, $out, $err) = as($role, $sql, $db);
	is($rc, 0, $what) or diag($err);
	return $out;
}

is(ok_as('dbo', 'SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user',
		'dbo connects'), 'f', 'dbo is not a superuser');

# The signatures of the extension's own functions, in every version: the
# hostile role plants namesakes with other signatures (same ones would
# only make CREATE EXTENSION fail, which is no escalation).
my @versions = sort keys %{ { map { /^\Q$ext\E--([^-]+)\.sql$/ ? ($1 => 1) : () } @scripts } };
my %own;
foreach my $v (@versions)
{
	$node->safe_psql('postgres', "CREATE DATABASE scratch");
	$own{$_} = 1 foreach split /\n/, $node->safe_psql('scratch', qq{
		CREATE EXTENSION $ext VERSION '$v';
		SELECT p.proname || '(' || pg_catalog.array_to_string(p.proargtypes::pg_catalog.oid[]::pg_catalog.regtype[], ',') || ')'
		  FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = 'public'::pg_catalog.regnamespace
		UNION ALL
		SELECT 'relation ' || c.relname FROM pg_catalog.pg_class c
		 WHERE c.relnamespace = 'public'::pg_catalog.regnamespace});
	$node->safe_psql('postgres', 'DROP DATABASE scratch');
}
my %own_names = map { /^(\w+)\(/ ? ($1 => 1) : () } keys %own;
ok(keys(%own_names) >= 10, 'the extension\'s function names: ' . join(' ', sort keys %own_names));
$called{$_} = 1 foreach keys %own_names;

# dbo's data; public and schema tools are open to mallory.
ok_as('dbo', q{
	GRANT CREATE ON SCHEMA public TO mallory;
	CREATE SCHEMA tools;
	GRANT USAGE, CREATE ON SCHEMA tools TO mallory;
	CREATE SCHEMA app;
	CREATE TABLE app.customers (id int PRIMARY KEY, name text NOT NULL, boss int REFERENCES app.customers);
	CREATE TABLE app.orders (id bigint PRIMARY KEY, customer_id int REFERENCES app.customers ON DELETE CASCADE,
	                         code text, note text);
	CREATE TABLE app.lines (order_id bigint REFERENCES app.orders ON DELETE SET NULL, qty int);
	CREATE TABLE app.pay (order_id bigint, code text);
	INSERT INTO app.customers VALUES (1, 'a', NULL), (2, 'b', 1), (3, 'c', 2);
	INSERT INTO app.orders VALUES (10, 1, 'x', 'n'), (11, 2, 'y', 'm'), (12, 3, 'z', NULL);
	INSERT INTO app.lines VALUES (10, 1), (11, 2), (NULL, 3);
	INSERT INTO app.pay VALUES (10, 'p'), (99, 'q');
	ALTER TABLE app.pay ADD FOREIGN KEY (order_id) REFERENCES app.orders NOT VALID;
}, 'dbo sets up its schemas and tables');

# Every trojan counts its calls in a sequence (which a rollback does not
# undo, so a call caught by an exception handler still counts), then fails.
ok_as('mallory', q{
	CREATE SEQUENCE public.trojan_calls;
	GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.trojan_calls TO PUBLIC;
	CREATE FUNCTION public.trojan_check(int) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_catalog.nextval('public.trojan_calls'); RAISE EXCEPTION 'trojan domain check ran as %', current_user; END $$;
}, 'mallory creates its trojan counter');

sub calls
{
	return $node->safe_psql('app',
		'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.trojan_calls');
}

my @types = qw(text name "char" integer bigint smallint numeric oid tid regclass regtype regproc
  regnamespace regoperator jsonb json boolean anyelement anyarray anycompatible
  text[] name[] oid[] tid[] integer[] bigint[] jsonb[]);
sub pg_array { return '{' . join(',', map { my $s = $_; $s =~ s/(["\\])/\\$1/g; "\"$s\"" } @_) . '}' }

my $plant = <<'SQL';
DO $plant$
DECLARE
  schemas text[] := :'schemas';
  called text[] := :'called';
  words text[] := :'words';
  ops text[] := :'ops';
  types text[] := :'types';
  own text[] := :'own';
  s text; f text; t text; u text; sig text[]; sigs text[][]; n int := 0; nops int := 0; ndom int := 0;
BEGIN
  FOREACH s IN ARRAY schemas LOOP
    FOREACH f IN ARRAY called || words LOOP
      sigs := ARRAY[ARRAY['', '', '']];
      FOREACH t IN ARRAY types LOOP
        sigs := sigs || ARRAY[ARRAY[t, '', '']];
        IF f = ANY (called) THEN
          sigs := sigs || ARRAY[ARRAY[t, t, ''], ARRAY['regclass', t, ''], ARRAY['text', t, ''],
                                ARRAY[t, 'text', ''], ARRAY['regclass', t, 'jsonb']];
        END IF;
      END LOOP;
      IF f = ANY (called) THEN
        sigs := sigs || ARRAY[ARRAY['VARIADIC text[]', '', ''], ARRAY['VARIADIC anycompatiblearray', '', '']];
      END IF;
      FOR i IN 1 .. pg_catalog.array_length(sigs, 1) LOOP
        sig := pg_catalog.array_remove(ARRAY[sigs[i][1], sigs[i][2], sigs[i][3]], '');
        -- the extension's own signature would only make its install fail
        CONTINUE WHEN pg_catalog.format('%s(%s)', f,
             (SELECT pg_catalog.string_agg(pg_catalog.regexp_replace(a, '^VARIADIC ', '')::pg_catalog.regtype::text, ',')
                FROM pg_catalog.unnest(sig) a)) = ANY (own);
        BEGIN
          EXECUTE pg_catalog.format(
            'CREATE FUNCTION %I.%I(%s) RETURNS boolean LANGUAGE plpgsql AS %L', s, f,
            pg_catalog.array_to_string(sig, ', '),
            pg_catalog.format('BEGIN PERFORM pg_catalog.nextval(''public.trojan_calls''); '
                              'RAISE EXCEPTION ''trojan %s.%s(%s) ran as %%'', current_user; END',
                              s, f, pg_catalog.replace(pg_catalog.array_to_string(sig, ', '), '''', '''''')));
          n := n + 1;
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
      END LOOP;
    END LOOP;
    FOREACH f IN ARRAY ops LOOP
      FOREACH t IN ARRAY types LOOP
        FOREACH u IN ARRAY ARRAY[t, 'NONE'] LOOP
          BEGIN
            EXECUTE pg_catalog.format(
              'CREATE FUNCTION %I.%I(%s) RETURNS boolean LANGUAGE plpgsql AS %L', s,
              'trojan_op_' || n || '_' || nops, CASE WHEN u = 'NONE' THEN t ELSE t || ', ' || t END,
              'BEGIN PERFORM pg_catalog.nextval(''public.trojan_calls''); RAISE EXCEPTION ''trojan operator ran as %'', current_user; END');
            EXECUTE pg_catalog.format('CREATE OPERATOR %I.%s (%s RIGHTARG = %s, FUNCTION = %I.%I)',
              s, f, CASE WHEN u = 'NONE' THEN '' ELSE 'LEFTARG = ' || t || ',' END, t,
              s, 'trojan_op_' || n || '_' || nops);
            nops := nops + 1;
          EXCEPTION WHEN OTHERS THEN NULL;
          END;
        END LOOP;
      END LOOP;
    END LOOP;
    -- domains named like types, whose check is a trojan
    FOREACH f IN ARRAY called || words LOOP
      -- (not over the row type of one of the extension's views)
      CONTINUE WHEN 'relation ' || f = ANY (own);
      BEGIN
        EXECUTE pg_catalog.format('CREATE DOMAIN %I.%I AS pg_catalog.int4 CHECK (public.trojan_check(VALUE))', s, f);
        ndom := ndom + 1;
      EXCEPTION WHEN OTHERS THEN NULL;
      END;
    END LOOP;
  END LOOP;
  RAISE NOTICE 'planted % functions, % operators, % domains', n, nops, ndom;
END
$plant$;
SQL

sub plant
{
	my ($schemas) = @_;
	my $sql = $plant;
	my %vars = (
		schemas => pg_array(@$schemas),
		called => pg_array(sort keys %called),
		words => pg_array(grep { !$called{$_} } sort keys %words),
		ops => pg_array(sort keys %ops),
		types => pg_array(@types),
		own => pg_array(sort keys %own));
	$sql =~ s/:'(\w+)'/my $v = $vars{$1}; $v =~ s!'!''!g; "'$v'"/ge;
	my ($rc, $out, $err) = as('mallory', $sql);
	is($rc, 0, 'mallory plants trojans in ' . join(', ', @$schemas)) or diag($err);
	my ($n, $nops, $ndom) = $err =~ /planted (\d+) functions, (\d+) operators, (\d+) domains/;
	ok(($n // 0) > 1000 && ($nops // 0) > 50 && ($ndom // 0) > 10,
		"trojans planted: $n functions, $nops operators, $ndom domains");
}

plant([ 'public', 'tools' ]);
is(calls(), 0, 'no trojan has run yet');

# ----------------------------------------------------------------------
# Install and update, as dbo, into tools and into public.
# ----------------------------------------------------------------------

my (@steps);
foreach my $script (@scripts)
{
	push @steps, [ $1, $2 ] if $script =~ /^\Q$ext\E--([^-]+)--([^-]+)\.sql$/;
}
ok(@steps > 0, 'update steps: ' . join(', ', map { "$_->[0] -> $_->[1]" } @steps));

foreach my $schema ('public', 'tools')
{
	foreach my $step (@steps)
	{
		my ($from, $to) = @$step;
		my ($rc, $out, $err) = as('dbo', "CREATE EXTENSION $ext SCHEMA $schema VERSION '$from'");
		is($rc, 0, "dbo: CREATE EXTENSION $ext SCHEMA $schema VERSION '$from'") or diag($err);
		is(calls(), 0, "no trojan ran during the install of $from into $schema");
		($rc, $out, $err) = as('dbo', "ALTER EXTENSION $ext UPDATE TO '$to'");
		is($rc, 0, "dbo: ALTER EXTENSION $ext UPDATE TO '$to'") or diag($err);
		is(calls(), 0, "no trojan ran during the update from $from to $to in $schema");
		ok_as('dbo', "DROP EXTENSION $ext", 'dbo drops the extension');
	}
	my ($rc, $out, $err) = as('dbo', "CREATE EXTENSION $ext SCHEMA $schema");
	is($rc, 0, "dbo: CREATE EXTENSION $ext SCHEMA $schema (the newest version)") or diag($err);
	is(calls(), 0, "no trojan ran during the install of the newest version into $schema");
	ok_as('dbo', "DROP EXTENSION $ext", 'dbo drops the extension') if $schema ne 'tools';
}

# The extension is dbo's; its objects are the bootstrap superuser's.
is( ok_as('dbo', qq{
		SELECT e.extowner::pg_catalog.regrole::text, e.extnamespace::pg_catalog.regnamespace::text,
		       (SELECT pg_catalog.string_agg(DISTINCT p.proowner::pg_catalog.regrole::text, ',')
		          FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		         WHERE d.refobjid = e.oid AND d.deptype = 'e')
		  FROM pg_catalog.pg_extension e WHERE e.extname = '$ext'},
		'the extension as installed'),
	"dbo|tools|$super",
	'the extension belongs to dbo, its functions to the bootstrap superuser');

# Others may not install, update or drop it.
{
	my ($rc, $out, $err) = as('mallory', "ALTER EXTENSION $ext UPDATE");
	like($err, qr/must be owner of extension $ext/, 'mallory may not update dbo\'s extension');
	($rc, $out, $err) = as('mallory', "DROP EXTENSION $ext");
	like($err, qr/must be owner of extension $ext/, 'mallory may not drop it');
	$node->safe_psql('postgres', 'CREATE DATABASE other OWNER dbo');
	($rc, $out, $err) = as('mallory', "CREATE EXTENSION $ext", 'other');
	like($err, qr/permission denied to create extension "$ext"/,
		'mallory, without CREATE on a database, may not install it there');
}

# ----------------------------------------------------------------------
# Every function, as dbo, with public first in search_path and trojans
# in public and in tools (but for namesakes of the extension's functions
# in tools, which would capture dbo's own calls: see the next part).
# ----------------------------------------------------------------------

ok_as('mallory', q{
	DO $$
	DECLARE f pg_catalog.regprocedure;
	BEGIN
	  FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
	            WHERE p.pronamespace = 'tools'::pg_catalog.regnamespace
	              AND p.proowner = 'mallory'::pg_catalog.regrole
	              AND pg_catalog.starts_with(p.proname, 'fk_') LOOP
	    EXECUTE pg_catalog.format('DROP FUNCTION %s', f);
	  END LOOP;
	END $$}, 'mallory takes back its namesakes of the extension\'s functions in tools');

my @calls = (
	q{SELECT pg_catalog.count(*) FROM tools.fk_constraints WHERE pg_catalog.starts_with(table_name::pg_catalog.text, 'app.')},
	q{SELECT is_deferrable, initially_deferred FROM tools.fk_constraints WHERE table_name OPERATOR(pg_catalog.=) 'app.pay'::pg_catalog.regclass},
	q{SELECT issue, table_name, constraint_name, fix_sql FROM tools.fk_issues WHERE pg_catalog.starts_with(table_name::pg_catalog.text, 'app.') ORDER BY 1, 2, 3},
	q{SELECT depth, table_name, constraint_name FROM tools.fk_referencing_tables('app.customers'::pg_catalog.regclass, true) ORDER BY 1, 2, 3},
	q{SELECT depth, table_name, constraint_name FROM tools.fk_referenced_tables('app.lines'::pg_catalog.regclass, true) ORDER BY 1, 2, 3},
	q{SELECT load_position, table_name, cycle_group, break_constraints FROM tools.fk_load_order('{app}'::pg_catalog.name[]) ORDER BY 1},
	q{SELECT * FROM tools.fk_orphans('app.pay'::pg_catalog.regclass)},
	q{SELECT * FROM tools.fk_missing_parents('app.pay'::pg_catalog.regclass)},
	q{SELECT table_name, constraint_name, orphan_rows, missing_keys, sample_keys, status FROM tools.fk_check('app.pay'::pg_catalog.regclass)},
	q{SELECT table_name, constraint_name, orphan_rows, status FROM tools.fk_check(NULL::pg_catalog.regclass) ORDER BY 1, 2},
	q{SELECT * FROM tools.fk_cascade_preview('app.customers'::pg_catalog.regclass, 1) ORDER BY 1, 2, 3, 5},
	q{SELECT * FROM tools.fk_cascade_preview('app.customers'::pg_catalog.regclass, '{"name": "b"}'::pg_catalog.jsonb) ORDER BY 1, 2, 3, 5},
	q{SELECT * FROM tools.fk_cascade_preview('app.orders'::pg_catalog.regclass, ARRAY[10, 11]::pg_catalog.int8[]) ORDER BY 1, 2, 3, 5},
	q{SELECT depth, table_name, action, affected_row FROM tools.fk_cascade_rows('app.customers'::pg_catalog.regclass, 2) ORDER BY 1, 2, 3, 4::pg_catalog.text},
	q{SELECT * FROM tools.fk_update_preview('app.orders'::pg_catalog.regclass, 10::pg_catalog.int8, '{"id": 20}'::pg_catalog.jsonb) ORDER BY 1, 2, 3, 5},
	q{SELECT step, finding, suggestion, sql FROM tools.fk_explain(E'ERROR:  insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"\nDETAIL:  Key (customer_id)=(7) is not present in table "customers".'::pg_catalog.text) ORDER BY 1},
	q{SELECT step, finding, suggestion, sql FROM tools.fk_explain(E'ERROR:  update or delete on table "customers" violates foreign key constraint "customers_boss_fkey" on table "customers"\nDETAIL:  Key (id)=(1) is still referenced from table "customers".'::pg_catalog.text) ORDER BY 1},
	q{SELECT step, finding FROM tools.fk_explain('pay_order_id_fkey'::pg_catalog.name, 'app.pay'::pg_catalog.regclass) ORDER BY 1},
	q{SELECT table_name, constraint_name, orphan_rows, outcome FROM tools.fk_validate('app.pay'::pg_catalog.regclass, true)},
	q{SELECT constraint_name, table_name, operation, rows_affected FROM tools.fk_repair_orphans('app.pay'::pg_catalog.regclass, NULL::pg_catalog.name, 'delete'::pg_catalog.text, true) ORDER BY 1, 2, 3},
);
foreach my $sql (@calls)
{
	my ($name) = $sql =~ /tools\.(fk_\w+)/;
	my $before = calls();
	my $path = 'SET search_path = public, tools, pg_catalog;';
	my $mine = ok_as('dbo', "$path $sql", "dbo: $name");
	is(calls(), $before, "dbo: $name ran no trojan");
	isnt($mine, '', "dbo: $name answers");
	is($mine, $node->safe_psql('app', "$path $sql"), "dbo: $name answers as a superuser does");
}

# The writing functions, on dbo's own tables, in a transaction.
is( ok_as('dbo', q{
		SET search_path = public, tools, pg_catalog;
		BEGIN;
		SELECT pg_catalog.sum(rows_affected) FROM tools.fk_repair_orphans('app.pay'::pg_catalog.regclass, NULL::pg_catalog.name, 'delete'::pg_catalog.text, false);
		SELECT outcome FROM tools.fk_validate('app.pay'::pg_catalog.regclass, false);
		ROLLBACK}, 'dbo repairs and validates its key'),
	"1\nvalidated", 'dbo: fk_repair_orphans deletes the orphan, fk_validate validates the key');
is(calls(), 0, 'no trojan has run in any function');

# ----------------------------------------------------------------------
# Namesakes of the extension's functions in its schema, better matches
# than the real ones for the calls fk_explain and fk_repair_orphans would
# make through SQL: they make none (the cascade engine is called in C), so
# the namesakes never run and the answers do not change.
# ----------------------------------------------------------------------

my @through = @calls[15, 16, 17, 19];
my %before = map { $_ => ok_as('dbo', $_, 'before the namesakes') } @through;
ok_as('mallory', q{
	CREATE FUNCTION tools.fk_cascade_preview(regclass, jsonb) RETURNS TABLE(depth int, table_name regclass, action text,
	    row_count bigint, via_constraint name, referenced_table regclass, detail text)
	LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.nextval('public.trojan_calls'); RETURN; END $$;
	CREATE FUNCTION tools.fk_cascade_preview(regclass, text[]) RETURNS TABLE(depth int, table_name regclass, action text,
	    row_count bigint, via_constraint name, referenced_table regclass, detail text)
	LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.nextval('public.trojan_calls'); RETURN; END $$;
	CREATE FUNCTION tools.fk_cascade_rows(regclass, jsonb) RETURNS TABLE(depth int, table_name regclass, action text,
	    via_constraint name, affected_row jsonb)
	LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.nextval('public.trojan_calls'); RETURN; END $$;
	CREATE FUNCTION tools.fk_update_preview(regclass, jsonb, jsonb) RETURNS TABLE(depth int, table_name regclass, action text,
	    row_count bigint, via_constraint name, referenced_table regclass, detail text)
	LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.nextval('public.trojan_calls'); RETURN; END $$;
}, 'mallory adds better matches for calls to the cascade previews');
foreach my $sql (@through)
{
	my ($name) = $sql =~ /tools\.(fk_\w+)/;
	foreach my $role ('dbo', $super)
	{
		is(ok_as($role, $sql, "$role: $name with the namesakes there"), $before{$sql},
			"$role: $name answers as before");
	}
}
is(calls(), 0, 'the namesakes never ran');
ok_as('mallory', 'DROP FUNCTION tools.fk_cascade_preview(regclass, jsonb), tools.fk_cascade_preview(regclass, text[]),
	tools.fk_cascade_rows(regclass, jsonb), tools.fk_update_preview(regclass, jsonb, jsonb)',
	'mallory drops them');

# ----------------------------------------------------------------------
# What needs a superuser: only a superuser can disable a key's RI
# triggers, and only a superuser can enable them again; fk_issues says so.
# ----------------------------------------------------------------------

{
	my ($rc, $out, $err) = as('dbo', 'ALTER TABLE app.lines DISABLE TRIGGER ALL');
	like($err, qr/permission denied: "RI_ConstraintTrigger_\w+" is a system trigger/,
		'dbo cannot disable the RI triggers of its own table');
	$node->safe_psql('app', 'ALTER TABLE app.lines DISABLE TRIGGER ALL');
	my $issue = ok_as('dbo', q{
		SELECT detail, fix_sql FROM tools.fk_issues
		 WHERE issue OPERATOR(pg_catalog.=) 'not_enforced'
		   AND table_name OPERATOR(pg_catalog.=) 'app.lines'::pg_catalog.regclass},
		'dbo reads fk_issues');
	my ($detail, $fix) = split /\|/, $issue;
	like($detail, qr/needs superuser/, 'the not_enforced detail says that the fix needs a superuser');
	($rc, $out, $err) = as('dbo', $fix);
	like($err, qr/ERROR:  permission denied: "RI_ConstraintTrigger_\w+" is a system trigger/,
		'dbo running the fix is refused by the server');
	$node->safe_psql('app', $fix);
	is( ok_as('dbo', q{SELECT pg_catalog.count(*) FROM tools.fk_issues
		 WHERE issue OPERATOR(pg_catalog.=) 'not_enforced'
		   AND table_name OPERATOR(pg_catalog.=) 'app.lines'::pg_catalog.regclass}, 'fk_issues after the fix'),
		'0', 'a superuser running the fix makes the issue disappear');
}

is(calls(), 0, 'no trojan ran at all');

$node->stop;
done_testing();
