#!/usr/bin/env bash
# PGXN: META.json is valid against the PGXN Meta Spec (test/pgxn_meta.pl)
# and agrees with the tree, and "make dist" writes an archive holding
# exactly what a build needs: unpacked elsewhere, it builds (with -Werror),
# installs the same files as the tree and lists the same tests, and it
# holds nothing else but META.json, the READMEs and the licence.
#
#   bash test/dist.sh        (test/run-all runs it; the checkout stays as it was)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
pass=0
fail=0
check() {
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        pass=$((pass + 1))
        echo "ok - dist: $what"
    else
        fail=$((fail + 1))
        echo "not ok - dist: $what"
    fi
}

. "$here/test/packages"
fk_tools_install_packages $fk_tools_test_packages

work=$(mktemp -d /tmp/fk_tools_dist.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$here"

# ----------------------------------------------------------------------
# META.json
# ----------------------------------------------------------------------
check "META.json is valid against the PGXN Meta Spec 1.0.0" perl test/pgxn_meta.pl META.json
perl test/pgxn_meta.pl META.json | sed 's/^/dist:   /'

# the validator refuses what the spec refuses
mutate() {	# mutate 'perl code on $m' > file: META.json changed
    perl -MJSON::PP -0777 -e '
        my $m = decode_json(do { local $/; open my $f, "<", "META.json" or die; <$f> });
        eval $ARGV[0]; die $@ if $@;
        print JSON::PP->new->canonical->encode($m);' "$1"
}
n=0
while IFS='|' read -r what code; do
    n=$((n + 1))
    mutate "$code" > "$work/bad$n.json"
    check "the validator rejects $what" bash -c "! perl test/pgxn_meta.pl '$work/bad$n.json'"
done <<'CASES'
a META.json without a name|delete $m->{name}
a version that is not semantic|$m->{version} = "1.1"
an unknown licence|$m->{license} = "gpl"
an extension without its file|delete $m->{provides}{fk_tools}{file}
an unknown key|$m->{colour} = "blue"
a tag with a slash|push @{$m->{tags}}, "a/b"
a bad version range|$m->{prereqs}{runtime}{requires}{PostgreSQL} = ">= 15"
a wrong meta-spec version|$m->{"meta-spec"}{version} = "2.0.0"
a maintainer that is not a string|$m->{maintainer} = [1, {}]
CASES

# META.json agrees with the tree
meta() { perl -MJSON::PP -0777 -ne "my \$m = decode_json(\$_); print $1" META.json; }
ext=$(sed -n 's/^EXTENSION *= *//p' Makefile)
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$ext.control")
semver=$(awk -F. '{ printf "%d.%d.%d", $1, $2, $3 }' <<<"$default")
deb=$(sed -n '1s/^[^(]*(\([^)]*\)-[^-)]*).*/\1/p' debian/changelog)
check "META.json names the extension, $ext" test "$(meta '$m->{name}')" = "$ext"
check "it provides $ext $semver (default_version $default)" \
    test "$(meta "\$m->{provides}{$ext}{version}")" = "$semver"
check "the release version is the extension's" test "$(meta '$m->{version}')" = "$semver"
check "debian/changelog's upstream version is the release version" test "$deb" = "$semver"
check "the provided file and docfile exist" \
    test -f "$(meta "\$m->{provides}{$ext}{file}")" -a -f "$(meta "\$m->{provides}{$ext}{docfile}")"
check "the provided file is the newest version's full script" \
    test "$(meta "\$m->{provides}{$ext}{file}")" = "$ext--$default.sql"

# ----------------------------------------------------------------------
# make dist, from a copy of the tree
# ----------------------------------------------------------------------
mkdir "$work/tree" "$work/unpacked"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    before=$(git status --porcelain --untracked-files=all)
    git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$work/tree" -xf -
else
    before=
    cp -a . "$work/tree"
    make -C "$work/tree" -s clean >/dev/null 2>&1 || true
fi
archive=$ext-$semver.zip
check "make dist writes $archive" make -C "$work/tree" -s dist
check "the archive is there" test -f "$work/tree/$archive"
(cd "$work/unpacked" && unzip -q "$work/tree/$archive")
top=$(cd "$work/unpacked" && ls)
check "it unpacks into one directory, $ext-$semver" test "$top" = "$ext-$semver"
dist=$work/unpacked/$top
mapfile -t files < <(cd "$dist" && find . -type f | sed 's|^\./||' | sort)
echo "dist:   ${#files[@]} files in $archive"
extra=$(cd "$work/tree" && for f in "${files[@]}"; do [ -f "$f" ] || echo "$f"; done)
check "every file in it is a file of the tree" test -z "$extra"
check "nothing of the packaging, CI, demo or benchmarks" \
    bash -c "! printf '%s\n' ${files[*]} | grep -Eq '^(debian|\.ci|demo|bench)/|^test/(run-all|packages|package\.sh|dist\.sh)$'"
for f in META.json README.md LICENSE Makefile "$ext.control" "$ext.c"; do
    check "it holds $f" test -f "$dist/$f"
done

# it builds and installs what the tree does
check "make in the unpacked archive (-Werror)" make -C "$dist" -s
check "make in the tree" make -C "$work/tree" -s
check "make install DESTDIR=... from the archive" make -C "$dist" -s install DESTDIR="$work/from-dist"
check "make install DESTDIR=... from the tree" make -C "$work/tree" -s install DESTDIR="$work/from-tree"
check "both install the same files" \
    diff <(cd "$work/from-dist" && find . -type f | sort) <(cd "$work/from-tree" && find . -type f | sort)
sharedir=$("$PG_CONFIG" --sharedir)
check "the same scripts and control file" \
    diff -r "$work/from-dist$sharedir/extension" "$work/from-tree$sharedir/extension"
check "the library is there" test -f "$work/from-dist$("$PG_CONFIG" --pkglibdir)/$ext.so"

# and its make installcheck runs the same tests, with what they read
tests() { make -C "$1" -s --no-print-directory --eval='fk_tools_tests: ; @echo $(REGRESS) / $(ISOLATION) / $(TAP_TESTS)' fk_tools_tests; }
check "make installcheck in it lists the tree's tests: $(tests "$work/tree")" \
    test "$(tests "$dist")" = "$(tests "$work/tree")"
missing=$(cd "$dist" && sed -n 's/^\\i[r]* *//p' sql/*.sql | sort -u | while read -r f; do [ -f "$f" ] || echo "$f"; done)
check "the files the tests include are in it" test -z "$missing"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    check "the checkout is as it was" test "$(git status --porcelain --untracked-files=all)" = "$before"
fi

echo "dist: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
