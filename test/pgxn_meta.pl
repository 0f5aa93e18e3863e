#!/usr/bin/perl
# Validate a META.json against the PGXN Meta Spec, version 1.0.0
# (https://pgxn.org/spec/): the required keys, the type and form of every
# key the spec defines, and nothing else but x_ custom keys.  Neither
# Debian nor npm ships a PGXN validator, hence this one.
#
#   perl test/pgxn_meta.pl [META.json]      prints "<file>: valid" or the errors
#
# Exit status 0 when valid, 1 when not.  Core Perl only (JSON::PP).
use strict;
use warnings;
use JSON::PP;

my $file = shift // 'META.json';
my @errors;

sub err { push @errors, "$_[0]: $_[1]" }

my %licenses = map { $_ => 1 } qw(
  agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2
  gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1
  openssl perl_5 postgresql qpl_1_0 ssleay sun zlib open_source restricted
  unrestricted unknown);

my $SEMVER = qr/(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)
                (?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?
                (?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?/x;

sub is_string { defined $_[0] && !ref $_[0] }
sub is_object { ref $_[0] eq 'HASH' }
sub is_array  { ref $_[0] eq 'ARRAY' }
sub custom    { $_[0] =~ /^[xX]_./ }

# A Term: at least two characters, no slash, backslash, control or space.
sub term
{
	my ($path, $v) = @_;
	return err($path, 'must be a string') unless is_string($v);
	err($path, "\"$v\" is not a term (two or more characters, no /, \\, space or control)")
	  unless $v =~ /^[^\/\\\s\p{Cc}]{2,}$/;
}

# A Tag: one to 255 characters, no slash, backslash or control.
sub tag
{
	my ($path, $v) = @_;
	return err($path, 'must be a string') unless is_string($v);
	err($path, "\"$v\" is not a tag (1 to 255 characters, no /, \\ or control)")
	  unless length($v) >= 1 && length($v) <= 255 && $v !~ /[\/\\\p{Cc}]/;
}

sub semver
{
	my ($path, $v) = @_;
	return err($path, 'must be a string') unless is_string($v);
	err($path, "\"$v\" is not a semantic version (major.minor.patch)") unless $v =~ /^$SEMVER$/;
}

# A Version Range: 0, a version, or comma-separated [op] version clauses.
sub version_range
{
	my ($path, $v) = @_;
	return if defined $v && !ref $v && $v eq '0';
	return err($path, 'must be a string or 0') unless is_string($v);
	foreach my $clause (split /\s*,\s*/, $v, -1)
	{
		err($path, "\"$clause\" is not a version clause ([==|!=|<|<=|>|>=] version)")
		  unless $clause =~ /^(?:(?:==|!=|<=?|>=?)\s*)?(?:$SEMVER|0)$/;
	}
}

sub uri
{
	my ($path, $v) = @_;
	return err($path, 'must be a string') unless is_string($v);
	err($path, "\"$v\" is not a URI") unless $v =~ /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
}

# A relative path inside the distribution, with / separators.
sub path
{
	my ($path, $v) = @_;
	return err($path, 'must be a string') unless is_string($v);
	err($path, "\"$v\" is not a relative path") if $v eq '' || $v =~ m{^/|\\|(?:^|/)\.\.(?:/|$)};
}

sub nonempty_string
{
	my ($path, $v) = @_;
	err($path, 'must be a non-empty string') unless is_string($v) && $v =~ /\S/;
}

# An object whose keys are all known (or x_ custom); $keys maps key => check.
sub object
{
	my ($path, $v, $keys, @required) = @_;
	return err($path, 'must be an object') unless is_object($v);
	foreach my $k (@required)
	{
		err($path, "missing required key \"$k\"") unless exists $v->{$k};
	}
	foreach my $k (sort keys %$v)
	{
		next if custom($k);
		if ($keys->{$k}) { $keys->{$k}->("$path.$k", $v->{$k}) }
		else { err($path, "unknown key \"$k\"") }
	}
}

my $text = do { local (@ARGV, $/) = ($file); <> };
my $meta = eval { JSON::PP->new->utf8->decode($text) };
if (!defined $meta)
{
	print "$file: not JSON: $@";
	exit 1;
}

object('META', $meta, {
	name => \&term,
	abstract => \&nonempty_string,
	description => \&nonempty_string,
	version => \&semver,
	generated_by => \&nonempty_string,
	maintainer => sub {
		my ($p, $v) = @_;
		if (is_array($v))
		{
			err($p, 'must not be empty') unless @$v;
			nonempty_string("$p\[$_]", $v->[$_]) for 0 .. $#$v;
		}
		else { nonempty_string($p, $v) }
	},
	license => sub {
		my ($p, $v) = @_;
		if (is_object($v))
		{
			err($p, 'must not be empty') unless %$v;
			uri("$p.$_", $v->{$_}) for sort keys %$v;
		}
		elsif (is_array($v))
		{
			err($p, 'must not be empty') unless @$v;
			for my $i (0 .. $#$v)
			{
				err("$p\[$i]", 'is not a license name of the spec')
				  unless is_string($v->[$i]) && $licenses{ $v->[$i] };
			}
		}
		else
		{
			err($p, 'is not a license name of the spec') unless is_string($v) && $licenses{$v};
		}
	},
	provides => sub {
		my ($p, $v) = @_;
		return err($p, 'must be an object') unless is_object($v);
		err($p, 'must name at least one extension') unless %$v;
		foreach my $ext (sort keys %$v)
		{
			term("$p key", $ext);
			object("$p.$ext", $v->{$ext}, {
				file => \&path,
				version => \&semver,
				abstract => \&nonempty_string,
				docfile => \&path,
			}, 'file', 'version');
		}
	},
	'meta-spec' => sub {
		my ($p, $v) = @_;
		object($p, $v, {
			version => sub { err($_[0], 'must be "1.0.0"') unless is_string($_[1]) && $_[1] eq '1.0.0' },
			url => \&uri,
		}, 'version');
	},
	tags => sub {
		my ($p, $v) = @_;
		return err($p, 'must be an array') unless is_array($v);
		err($p, 'must not be empty') unless @$v;
		tag("$p\[$_]", $v->[$_]) for 0 .. $#$v;
	},
	no_index => sub {
		my ($p, $v) = @_;
		my $list = sub {
			my ($q, $w) = @_;
			return err($q, 'must be an array') unless is_array($w);
			nonempty_string("$q\[$_]", $w->[$_]) for 0 .. $#$w;
		};
		object($p, $v, { file => $list, directory => $list });
	},
	prereqs => sub {
		my ($p, $v) = @_;
		my $relation = sub {
			my ($q, $w) = @_;
			return err($q, 'must be an object') unless is_object($w);
			foreach my $name (sort keys %$w)
			{
				term("$q key", $name);
				version_range("$q.$name", $w->{$name});
			}
		};
		my $phase = sub {
			my ($q, $w) = @_;
			object($q, $w, { map { $_ => $relation } qw(requires recommends suggests conflicts) });
		};
		object($p, $v, { map { $_ => $phase } qw(configure build test runtime develop) });
	},
	release_status => sub {
		err($_[0], 'must be stable, testing or unstable')
		  unless is_string($_[1]) && $_[1] =~ /^(?:stable|testing|unstable)$/;
	},
	resources => sub {
		my ($p, $v) = @_;
		object($p, $v, {
			homepage => \&uri,
			bugtracker => sub { object($_[0], $_[1], { web => \&uri, mailto => \&nonempty_string }) },
			repository => sub {
				object($_[0], $_[1], { url => \&uri, web => \&uri, type => \&nonempty_string });
			},
		});
	},
}, qw(name abstract version maintainer license provides meta-spec));

if (@errors)
{
	print "$file: invalid\n";
	print "  $_\n" foreach @errors;
	exit 1;
}
print "$file: valid\n";
exit 0;
