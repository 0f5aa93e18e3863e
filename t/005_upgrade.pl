# Every update path ends exactly where a fresh install starts.
#
# The steps come from the update scripts in the tree (fk_tools--A--B.sql),
# so a new version is tested as soon as its script exists.  For each step
# A to B, and for each A on its way to the newest version, the test
# installs A, runs ALTER EXTENSION fk_tools UPDATE and compares every
# object of the extension with a fresh install of the target: functions
# (full signature with defaults, result, volatility, strictness, parallel
# safety, security definer, language and symbol, settings, owner, grants,
# comment), views and tables (columns, definition, constraints, indexes,
# triggers, grants, comments), types, operators, the extension's members
# and their dependencies, and the initial privileges pg_dump relies on.
# Nothing extra, nothing missing, nothing different.
#
# An object added to the newest full script but not to its update script,
# a comment or a grant forgotten on a re-created object, a volatility
# changed in one script only: each shows here as a difference.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ext = 'fk_tools';

# The versions and steps, from the files of the tree.
my ($default) = slurp_file("$ext.control") =~ /^\s*default_version\s*=\s*'([^']+)'/m;
ok(defined $default, "default_version of $ext.control: $default");
my (@steps, %full);
foreach my $file (sort glob("$ext--*.sql"))
{
	if ($file =~ /^\Q$ext\E--([^-]+)--([^-]+)\.sql$/)
	{
		push @steps, [ $1, $2 ];
	}
	elsif ($file =~ /^\Q$ext\E--([^-]+)\.sql$/)
	{
		$full{$1} = 1;
	}
}
ok(@steps > 0, 'the tree has update scripts: '
	  . join(', ', map { "$_->[0] -> $_->[1]" } @steps));
ok($full{$default}, "the newest version $default has a full install script");

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# The server must see exactly these scripts: an install older than the tree
# would make every comparison below meaningless.
my $sharedir = $node->config_data('--sharedir');
foreach my $file (sort glob("$ext--*.sql"), "$ext.control")
{
	my $installed = "$sharedir/extension/$file";
	ok(-f $installed && slurp_file($installed) eq slurp_file($file),
		"installed $file is the tree's");
}
foreach my $step (@steps)
{
	my ($from, $to) = @$step;
	is( $node->safe_psql(
			'postgres',
			"SELECT path FROM pg_catalog.pg_extension_update_paths('$ext')
			  WHERE source = '$from' AND target = '$to'"),
		"$from--$to",
		"the server updates $from to $to with its own script");
}

# One line per fact about the extension and each of its objects, sorted.
# Object names come from pg_identify_object, so no OID appears.
my $describe = <<'SQL';
WITH e AS (SELECT * FROM pg_catalog.pg_extension WHERE extname = 'fk_tools'),
m AS (
  SELECT d.classid, d.objid, d.objsubid, i.type, i.identity,
         i.type || ' ' || i.identity AS obj
    FROM pg_catalog.pg_depend d, e,
         LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) i
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.refobjid = e.oid AND d.deptype::text = 'e'),
lines AS (
  SELECT 'extension: version ' || e.extversion
         || ', schema ' || e.extnamespace::pg_catalog.regnamespace::text
         || ', relocatable ' || e.extrelocatable
         || ', owner ' || e.extowner::pg_catalog.regrole::text
         || ', config tables ' || COALESCE(e.extconfig::pg_catalog.regclass[]::text, '-')
         || ', conditions ' || COALESCE(e.extcondition::text, '-') AS line
    FROM e
  UNION ALL
  SELECT 'member ' || m.obj FROM m
  UNION ALL
  SELECT m.obj || ': comment ' || COALESCE(pg_catalog.quote_literal(ds.description), '-')
    FROM m LEFT JOIN pg_catalog.pg_description ds
           ON ds.classoid = m.classid AND ds.objoid = m.objid AND ds.objsubid = 0
  UNION ALL
  SELECT m.obj || ': initial privileges ' || ip.objsubid || ' ' || ip.privtype::text
         || ' ' || ip.initprivs::text
    FROM m JOIN pg_catalog.pg_init_privs ip
           ON ip.classoid = m.classid AND ip.objoid = m.objid
  UNION ALL
  -- functions and procedures
  SELECT m.obj || ': kind ' || p.prokind::text
         || ', arguments (' || pg_catalog.pg_get_function_arguments(p.oid)
         || '), identity (' || pg_catalog.pg_get_function_identity_arguments(p.oid)
         || '), result ' || COALESCE(pg_catalog.pg_get_function_result(p.oid), '-')
         || ', returns set ' || p.proretset
         || ', volatility ' || p.provolatile::text
         || ', strict ' || p.proisstrict
         || ', parallel ' || p.proparallel::text
         || ', security definer ' || p.prosecdef
         || ', leakproof ' || p.proleakproof
         || ', cost ' || p.procost || ', rows ' || p.prorows
         || ', support ' || p.prosupport::pg_catalog.regproc::text
         || ', language ' || l.lanname
         || ', source ' || pg_catalog.quote_literal(p.prosrc)
         || ', library ' || COALESCE(p.probin, '-')
         || ', settings ' || COALESCE(p.proconfig::text, '-')
         || ', owner ' || p.proowner::pg_catalog.regrole::text
         || ', grants ' || COALESCE(p.proacl::text, 'default')
    FROM m JOIN pg_catalog.pg_proc p
           ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = m.objid
           JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  UNION ALL
  -- views, tables, sequences, ...
  SELECT m.obj || ': relkind ' || c.relkind::text
         || ', persistence ' || c.relpersistence::text
         || ', options ' || COALESCE(c.reloptions::text, '-')
         || ', row security ' || c.relrowsecurity || '/' || c.relforcerowsecurity
         || ', owner ' || c.relowner::pg_catalog.regrole::text
         || ', grants ' || COALESCE(c.relacl::text, 'default')
         || ', definition ' || COALESCE(CASE WHEN c.relkind IN ('v', 'm')
                                        THEN pg_catalog.pg_get_viewdef(c.oid) END, '-')
    FROM m JOIN pg_catalog.pg_class c
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
  UNION ALL
  SELECT m.obj || ': column ' || a.attnum || ' ' || pg_catalog.quote_ident(a.attname)
         || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
         || ', not null ' || a.attnotnull
         || ', default ' || COALESCE(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '-')
         || ', identity ' || a.attidentity::text || ', generated ' || a.attgenerated::text
         || ', collation ' || COALESCE(a.attcollation::pg_catalog.regcollation::text, '-')
         || ', grants ' || COALESCE(a.attacl::text, 'default')
         || ', comment ' || COALESCE(pg_catalog.quote_literal(pg_catalog.col_description(c.oid, a.attnum)), '-')
    FROM m JOIN pg_catalog.pg_class c
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
           JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  UNION ALL
  SELECT m.obj || ': constraint ' || pg_catalog.quote_ident(k.conname)
         || ' ' || pg_catalog.pg_get_constraintdef(k.oid)
    FROM m JOIN pg_catalog.pg_constraint k
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND k.conrelid = m.objid
  UNION ALL
  SELECT m.obj || ': index ' || pg_catalog.pg_get_indexdef(x.indexrelid)
    FROM m JOIN pg_catalog.pg_index x
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND x.indrelid = m.objid
  UNION ALL
  SELECT m.obj || ': trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
    FROM m JOIN pg_catalog.pg_trigger t
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND t.tgrelid = m.objid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT m.obj || ': policy ' || pg_catalog.quote_ident(po.polname) || ' ' || po.polcmd::text
         || ' ' || po.polpermissive || ' ' || po.polroles::pg_catalog.regrole[]::text
         || ' ' || COALESCE(pg_catalog.pg_get_expr(po.polqual, po.polrelid), '-')
         || ' ' || COALESCE(pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid), '-')
    FROM m JOIN pg_catalog.pg_policy po
           ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND po.polrelid = m.objid
  UNION ALL
  -- types, domains, enums, composite types
  SELECT m.obj || ': type ' || t.typtype::text || ', length ' || t.typlen || ', by value ' || t.typbyval
         || ', category ' || t.typcategory::text || ', preferred ' || t.typispreferred
         || ', input ' || t.typinput::text || ', output ' || t.typoutput::text
         || ', receive ' || t.typreceive::text || ', send ' || t.typsend::text
         || ', typmod ' || t.typmodin::text || '/' || t.typmodout::text
         || ', analyze ' || t.typanalyze::text || ', subscript ' || t.typsubscript::text
         || ', align ' || t.typalign::text || ', storage ' || t.typstorage::text
         || ', base ' || CASE WHEN t.typbasetype = 0 THEN '-'
                              ELSE pg_catalog.format_type(t.typbasetype, t.typtypmod) END
         || ', not null ' || t.typnotnull
         || ', default ' || COALESCE(t.typdefault, '-')
         || ', collation ' || COALESCE(t.typcollation::pg_catalog.regcollation::text, '-')
         || ', owner ' || t.typowner::pg_catalog.regrole::text
         || ', grants ' || COALESCE(t.typacl::text, 'default')
         || ', labels ' || COALESCE((SELECT pg_catalog.string_agg(en.enumlabel, ',' ORDER BY en.enumsortorder)
                                       FROM pg_catalog.pg_enum en WHERE en.enumtypid = t.oid), '-')
         || ', attributes ' || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname)
                                                || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', '
                                                ORDER BY a.attnum)
                                           FROM pg_catalog.pg_attribute a
                                          WHERE a.attrelid = t.typrelid AND a.attnum > 0
                                            AND NOT a.attisdropped), '-')
         || ', checks ' || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(k.conname) || ' '
                                              || pg_catalog.pg_get_constraintdef(k.oid), '; ' ORDER BY k.conname)
                                       FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid), '-')
    FROM m JOIN pg_catalog.pg_type t
           ON m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = m.objid
  UNION ALL
  SELECT m.obj || ': operator ' || o.oprkind::text
         || ', left ' || o.oprleft::pg_catalog.regtype::text
         || ', right ' || o.oprright::pg_catalog.regtype::text
         || ', result ' || o.oprresult::pg_catalog.regtype::text
         || ', function ' || o.oprcode::text
         || ', commutator ' || o.oprcom::pg_catalog.regoperator::text
         || ', negator ' || o.oprnegate::pg_catalog.regoperator::text
         || ', estimators ' || o.oprrest::text || '/' || o.oprjoin::text
         || ', merges ' || o.oprcanmerge || ', hashes ' || o.oprcanhash
         || ', owner ' || o.oprowner::pg_catalog.regrole::text
    FROM m JOIN pg_catalog.pg_operator o
           ON m.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = m.objid
  UNION ALL
  -- what members depend on among themselves (a view on its rewrite rule)
  SELECT 'dependency ' || pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
         || ' -> ' || pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
         || ' (' || d.deptype::text || ')'
    FROM pg_catalog.pg_depend d
    JOIN m r ON r.classid = d.refclassid AND r.objid = d.refobjid
   WHERE d.deptype <> 'e'
     AND (EXISTS (SELECT FROM m WHERE m.classid = d.classid AND m.objid = d.objid)
          OR EXISTS (SELECT FROM pg_catalog.pg_rewrite rw JOIN m ON m.objid = rw.ev_class
                      WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                        AND rw.oid = d.objid
                        AND m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)))
-- one line per fact, whatever the text holds
SELECT pg_catalog.replace(line, E'\n', '\n') AS line FROM lines ORDER BY line COLLATE "C";
SQL

sub describe
{
	my ($db) = @_;
	return [ split /\n/, $node->safe_psql($db, $describe) ];
}

# Lines of @$want missing from @$got ("-") and extra in it ("+").
sub differences
{
	my ($want, $got) = @_;
	my (%w, %g);
	$w{$_}++ foreach @$want;
	$g{$_}++ foreach @$got;
	my @diff;
	foreach my $l (sort keys %{ { %w, %g } })
	{
		my $n = ($w{$l} // 0) - ($g{$l} // 0);
		push @diff, ($n > 0 ? '- ' : '+ ') . $l for 1 .. abs $n;
	}
	return join("\n", @diff);
}

my $db_serial = 0;

# A new database with the extension in schema, as psql commands $sql.
sub database_with
{
	my ($schema, $sql) = @_;
	my $db = 'upg' . ++$db_serial;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, ($schema eq q{public} ? q{} : "CREATE SCHEMA $schema; ") . $sql);
	return $db;
}

sub fresh
{
	my ($schema, $version) = @_;
	return describe(database_with($schema,
		"CREATE EXTENSION $ext SCHEMA $schema VERSION '$version'"));
}

my %fresh;
foreach my $schema ('public', '"Fk Ext"')
{
	my @targets = (map({ $_->[1] } @steps), $default);
	foreach my $version (@targets)
	{
		$fresh{$schema}{$version} //= fresh($schema, $version);
	}
	my $newest = $fresh{$schema}{$default};
	ok(scalar(grep { /^member function / } @$newest) >= 10,
		"$schema: a fresh install of $default has its functions");
	ok(scalar(grep { /^member view / } @$newest) >= 2,
		"$schema: and its views");

	foreach my $step (@steps)
	{
		my ($from, $to) = @$step;
		my %targets = ($to => 1, $default => 1);
		foreach my $target (sort keys %targets)
		{
			my $db = database_with($schema,
				"CREATE EXTENSION $ext SCHEMA $schema VERSION '$from';
				 ALTER EXTENSION $ext UPDATE TO '$target'");
			is($node->safe_psql($db,
					"SELECT extversion FROM pg_catalog.pg_extension WHERE extname = '$ext'"),
				$target, "$schema: $from updated to $target");
			is(differences($fresh{$schema}{$target}, describe($db)), '',
				"$schema: $from updated to $target equals a fresh install of $target");
		}
	}
}

# The comparison sees what a forgotten update would leave behind: a
# member added, a volatility, a comment or a grant changed.
{
	my $base = $fresh{public}{$default};
	my %changes = (
		'an extra member' => q{
			CREATE FUNCTION public.fk_extra() RETURNS int LANGUAGE sql AS 'SELECT 1';
			ALTER EXTENSION fk_tools ADD FUNCTION public.fk_extra()},
		'a volatility' => 'ALTER FUNCTION public.fk_orphans(regclass, name) VOLATILE',
		'a comment' => "COMMENT ON VIEW public.fk_issues IS 'something else'",
		'a grant' => 'REVOKE SELECT ON public.fk_constraints FROM PUBLIC');
	foreach my $what (sort keys %changes)
	{
		my $db = database_with('public', "CREATE EXTENSION $ext");
		$node->safe_psql($db, $changes{$what});
		isnt(differences($base, describe($db)), '', "the comparison sees $what");
	}
}

# The renamed columns read without quotes after a fresh install and after
# the update from every version.
foreach my $from (sort { $a cmp $b } keys %{ { map { $_->[0] => 1 } @steps } })
{
	foreach my $how ('fresh', "updated from $from")
	{
		my $setup = $how eq 'fresh'
		  ? "CREATE EXTENSION $ext"
		  : "CREATE EXTENSION $ext VERSION '$from'; ALTER EXTENSION $ext UPDATE";
		my $db = database_with('public', $setup);
		$node->safe_psql($db, q{
			CREATE TABLE p (id int PRIMARY KEY);
			CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED)});
		is( $node->safe_psql($db,
				'SELECT is_deferrable, initially_deferred FROM fk_constraints'),
			't|t', "$how: SELECT is_deferrable FROM fk_constraints");
		is( $node->safe_psql($db,
				'SELECT string_agg(table_name::text, \',\' ORDER BY load_position) FROM fk_load_order()'),
			'p,c', "$how: fk_load_order() ORDER BY load_position");
	}
}

$node->stop;
done_testing();
