#!/usr/bin/env bash
# The Debian package, as a DBA gets it: build it with
# "dpkg-buildpackage -us -uc -b" from a copy of the tree (the checkout stays
# as it was), install the .deb with "apt-get install ./...deb" where
# fk_tools was not installed from source, check that the files in use are
# the package's, run CREATE EXTENSION and smoke queries (fresh, updated
# from the oldest version, by a database owner) on a throwaway server, run
# debian/tests as autopkgtest would, then remove the package: no file left.
#
#   bash test/package.sh        (as root; test/run-all runs it)
#
# Installing a package changes the machine, and other copies of fk_tools
# may be installed there from source.  So, where the kernel allows it,
# everything from the install on runs in a private mount namespace whose
# /usr, /etc and /var are copy-on-write layers over the real ones: inside,
# a copy of fk_tools installed from source is removed before the package
# goes in; outside, nothing changes.  Without mount namespaces the test
# runs on the machine itself, and only if no fk_tools file is installed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
pass=0
fail=0

check() {	# check "what" command...: one result line
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        pass=$((pass + 1))
        echo "ok - package: $what"
    else
        fail=$((fail + 1))
        echo "not ok - package: $what"
    fi
}

finish() {	# the summary; with a file, the counts go there for the caller
    if [ -n "${1:-}" ]; then
        echo "$pass $fail" > "$1"
    else
        echo "package: $pass passed, $fail failed"
    fi
    [ "$fail" -eq 0 ]
}

# ----------------------------------------------------------------------
# Inside the sandbox (or on a clean machine): install, use, remove.
# ----------------------------------------------------------------------
if [ "${1:-}" = "--installed" ]; then
    deb=$2 src=$3 sandboxed=$4 counts=$5
    pkg=$(dpkg-deb -f "$deb" Package)
    ext=$("$PG_CONFIG" --sharedir)/extension
    lib=$("$PG_CONFIG" --pkglibdir)
    cd "$src"

    # no fk_tools from source: hidden inside the sandbox, absent otherwise
    if [ "$sandboxed" = yes ]; then
        rm -f "$ext"/fk_tools.control "$ext"/fk_tools--*.sql "$lib"/fk_tools.so
        rm -rf "$lib"/bitcode/fk_tools "$lib"/bitcode/fk_tools.index.bc
    fi
    check "no fk_tools file is installed before the package" \
        bash -c "! ls '$ext'/fk_tools* '$lib'/fk_tools* 2>/dev/null | grep -q ."
    if [ "$fail" -ne 0 ]; then
        echo "package: fk_tools is installed from source here; installing the package would replace it" >&2
        finish "$counts"
        exit
    fi

    export DEBIAN_FRONTEND=noninteractive
    check "apt-get install ./$(basename "$deb")" \
        apt-get install -y -q --no-install-recommends "$deb"
    check "$pkg is installed" \
        bash -c "dpkg-query -W -f='\${db:Status-Status}' $pkg | grep -qx installed"
    mapfile -t files < <(dpkg -L "$pkg" | while read -r f; do [ -f "$f" ] && echo "$f"; done)
    check "the package holds files (${#files[@]})" test "${#files[@]}" -gt 3

    # the files the server uses are the package's, and the tree's scripts
    for f in fk_tools.control fk_tools--*.sql; do
        check "$ext/$f is the package's and the tree's" \
            bash -c "dpkg -S '$ext/$f' | grep -q '^$pkg: ' && cmp -s '$ext/$f' '$f'"
    done
    check "$lib/fk_tools.so is the package's" \
        bash -c "dpkg -S '$lib/fk_tools.so' | grep -q '^$pkg: '"
    check "the package installs no other script than the tree's" \
        bash -c "diff <(cd '$ext' && ls fk_tools*) <(ls fk_tools.control fk_tools--*.sql)"

    # a throwaway server
    data=$(mktemp -d /tmp/fk_tools_pkgdb.XXXXXX)
    chown postgres: "$data"
    port=${FK_PKG_TEST_PORT:-$(( ${FK_TEST_PORT:-54329} + 1 ))}
    bin=$("$PG_CONFIG" --bindir)
    pg() { (cd / && runuser -u postgres -- "$bin/$@"); }
    sql() {	# sql [user] db: psql reading stdin, quiet, unaligned
        local user=postgres
        [ $# -gt 1 ] && { user=$1; shift; }
        (cd / && runuser -u postgres -- "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 \
            -h "$data" -p "$port" -U "$user" -d "$1")
    }
    stop_server() { pg pg_ctl -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"; }
    trap stop_server EXIT
    pg initdb -D "$data/db" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %s\n" \
        "$data" "$port" >> "$data/db/postgresql.conf"
    pg pg_ctl -D "$data/db" -l "$data/server.log" -w start >/dev/null

    newest=$(sed -n "s/^default_version = '\(.*\)'/\1/p" fk_tools.control)
    oldest=$(ls fk_tools--*--*.sql | sed 's/^fk_tools--\([^-]*\)--.*/\1/' | sort -V | head -1)
    out=$(sql postgres <<'SQL' 2>&1
CREATE EXTENSION fk_tools;
SELECT extversion FROM pg_extension WHERE extname = 'fk_tools';
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p int);
INSERT INTO p VALUES (1);
INSERT INTO c VALUES (1), (7);
ALTER TABLE c ADD FOREIGN KEY (p) REFERENCES p DEFERRABLE NOT VALID;
SELECT is_deferrable, validated FROM fk_constraints WHERE table_name = 'c'::regclass;
SELECT orphan_rows, status FROM fk_check('c');
SELECT key FROM fk_orphans('c');
-- the library this backend loaded
SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps')
       LIKE '%' || (SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR') || '/fk_tools.so%';
SQL
    ) || true
    check "CREATE EXTENSION fk_tools installs the newest version, $newest" \
        test "$(sed -n 1p <<<"$out")" = "$newest"
    check "SELECT is_deferrable FROM fk_constraints" test "$(sed -n 2p <<<"$out")" = "t|f"
    check "fk_check finds the orphan" test "$(sed -n 3p <<<"$out")" = "1|orphans"
    check "fk_orphans shows its key" test "$(sed -n 4p <<<"$out")" = '{"p": 7}'
    check "the backend runs the package's fk_tools.so" test "$(sed -n 5p <<<"$out")" = t
    [ "$fail" -eq 0 ] || echo "$out" | head -20

    out=$(sql postgres <<SQL 2>&1
CREATE DATABASE upgraded;
\c upgraded
CREATE EXTENSION fk_tools VERSION '$oldest';
ALTER EXTENSION fk_tools UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'fk_tools';
SELECT count(is_deferrable) >= 0 FROM fk_constraints;
SQL
    ) || true
    check "$oldest updated with ALTER EXTENSION fk_tools UPDATE to $newest" \
        test "$out" = "$(printf '%s\nt' "$newest")"

    out=$(sql postgres <<'SQL' 2>&1 && sql dbowner owned <<'SQL2' 2>&1
CREATE ROLE dbowner LOGIN;
CREATE DATABASE owned OWNER dbowner;
SQL
CREATE EXTENSION fk_tools;
SELECT extowner::regrole FROM pg_extension WHERE extname = 'fk_tools';
SQL2
    ) || true
    check "a database owner who is not a superuser installs it" test "$out" = dbowner

    # debian/tests, as autopkgtest runs them: in the source, package installed
    if (cd "$src" && debian/tests/installcheck) > "$data/autopkgtest.log" 2>&1; then
        check "debian/tests/installcheck" true
    else
        check "debian/tests/installcheck" false
        tail -60 "$data/autopkgtest.log"
    fi
    grep -E '^ *(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "$data/autopkgtest.log" |
        sed 's/^ */package:   debian\/tests: /'

    check "apt-get remove --purge $pkg" apt-get remove --purge -y -q "$pkg"
    check "$pkg is gone" \
        bash -c "! dpkg-query -W -f='\${db:Status-Status}' $pkg 2>/dev/null | grep -qx installed"
    left=0
    for f in "${files[@]}"; do [ -e "$f" ] && { echo "left behind: $f"; left=$((left + 1)); }; done
    check "none of the package's ${#files[@]} files is left" test "$left" -eq 0
    out=$(sql postgres <<<'CREATE DATABASE after_removal' 2>&1 && \
          sql postgres <<<'\c after_removal
CREATE EXTENSION fk_tools' 2>&1) || true
    check "CREATE EXTENSION fk_tools fails once the package is gone" \
        grep -q 'extension control file' <<<"$out"

    finish "$counts"
    exit
fi

# ----------------------------------------------------------------------
# Build from a copy of the tree.
# ----------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    echo "test/package.sh: run it as root (it installs a package)" >&2
    exit 1
fi
. "$here/test/packages"
fk_tools_install_packages $fk_tools_test_packages

work=$(mktemp -d /tmp/fk_tools_pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
if git -C "$here" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    before=$(git -C "$here" status --porcelain --untracked-files=all)
    (cd "$here" && git ls-files -z --cached --others --exclude-standard) |
        (cd "$here" && tar --null -T - -cf -) | tar -C "$work/src" -xf -
else
    before=
    cp -a "$here/." "$work/src"
    make -C "$work/src" -s clean >/dev/null 2>&1 || true
fi

# DEB_BUILD_OPTIONS=nocheck: the suites run below against the installed
# package instead (debian/tests), which is what users get.
start=$(date +%s)
if (cd "$work/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
        > "$work/build.log" 2>&1; then
    check "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start )) s)" true
else
    check "dpkg-buildpackage -us -uc -b" false
    tail -40 "$work/build.log"
    finish
    exit
fi
deb=$(ls "$work"/postgresql-*-fk-tools_*.deb | grep -v dbgsym | head -1)
check "built $(basename "$deb")" test -f "$deb"
if git -C "$here" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    check "the checkout is as it was" \
        test "$(git -C "$here" status --porcelain --untracked-files=all)" = "$before"
fi

# Install and test: in a sandbox if possible.
sandbox() {
    unshare --mount --propagation private bash -c '
        set -e
        top=$1; shift
        mount -t tmpfs fk_tools_pkg "$top"
        for d in usr etc var; do
            mkdir "$top/$d" "$top/$d.work"
            mount -t overlay overlay -o "lowerdir=/$d,upperdir=$top/$d,workdir=$top/$d.work" "/$d"
        done
        exec "$@"' sandbox "$work/layers" "$@"
}
mkdir "$work/layers"
if sandbox true 2>/dev/null; then
    echo "package: installing in a private copy-on-write /usr, /etc and /var"
    sandboxed=yes
else
    echo "package: no mount namespace here: installing on the machine itself"
    sandboxed=no
    sandbox() { "$@"; }
fi
sandbox bash "$here/test/package.sh" --installed "$deb" "$work/src" $sandboxed "$work/counts" || true
if [ -s "$work/counts" ]; then
    read -r p f < "$work/counts"
    pass=$((pass + p))
    fail=$((fail + f))
else
    check "the install test ran to its end" false
fi
finish
