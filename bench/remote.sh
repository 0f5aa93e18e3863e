#!/usr/bin/env bash
# Benchmark of fk_check on declared-only references across servers against
# the naive NOT EXISTS over the foreign table (not run in CI).
#
#   bash bench/remote.sh            # the server named by PGHOST/PGPORT/...
#   bash bench/remote.sh --temp     # a throwaway server
#
# The extension must be installed (make install) and postgres_fdw
# available.  The "remote" side is a second database of the same server,
# reached through postgres_fdw over a Unix socket (every row still goes
# through libpq, as it would across machines, minus the network).
# Databases fk_bench_local and fk_bench_remote are created and dropped.
# For each case, medians of RUNS runs (default 5) after a warm-up:
#   rows fetched  rows the foreign scans hand to the local server: for the
#                 naive query the actual rows of its Foreign Scan nodes
#                 (EXPLAIN ANALYZE), for fk_check the distinct keys read
#                 plus the referenced rows its probes returned (DEBUG1);
#   time          the statement's duration (psql \timing).
# Cases (PARENT_ROWS parents, CHILD_ROWS children over KEYS distinct keys,
# 1% of the keys missing):
#   1. child local, parent remote       (naive: the whole parent fetched)
#   2. child remote, parent local       (naive: every child row fetched)
#   3. both remote, one server          (PostgreSQL 15 ships no anti-join)
#   4. child local, parent remote, the child referencing every parent
#      (KEYS = PARENT_ROWS: the referenced keys are read once, not probed)
# Ratios are fk_check / naive: below 1.00 is fewer rows, or faster.
set -euo pipefail

RUNS=${RUNS:-5}
PARENT_ROWS=${PARENT_ROWS:-500000}
CHILD_ROWS=${CHILD_ROWS:-500000}
KEYS=${KEYS:-5000}

. "$(dirname "$0")/temp_server.sh"
if [ "${1:-}" = "--temp" ]; then
    bench_temp_server 54349
else
    PSQL=(psql)
fi

psql_db() { local db=$1; shift; "${PSQL[@]}" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

echo "== setup: $PARENT_ROWS parents, $CHILD_ROWS children over $KEYS keys (1% missing)"
psql_db postgres -c "DROP DATABASE IF EXISTS fk_bench_local" -c "DROP DATABASE IF EXISTS fk_bench_remote" \
    -c "CREATE DATABASE fk_bench_local" -c "CREATE DATABASE fk_bench_remote"
trap_drop() { psql_db postgres -c "DROP DATABASE IF EXISTS fk_bench_local" -c "DROP DATABASE IF EXISTS fk_bench_remote" >/dev/null 2>&1 || true; }

# children: KEYS distinct keys, 1% of them above the parents' range
children="SELECT g, CASE WHEN g % $KEYS < $KEYS / 100 THEN $PARENT_ROWS + g % $KEYS + 1
                       ELSE (g % $KEYS) * ($PARENT_ROWS / $KEYS) + 1 END
            FROM generate_series(1, $CHILD_ROWS) g"
everyone="SELECT g, CASE WHEN g % 100 = 0 THEN -g ELSE g END FROM generate_series(1, $PARENT_ROWS) g"
for db in fk_bench_local fk_bench_remote; do
    psql_db $db <<SQL
CREATE TABLE p (id int8 PRIMARY KEY, payload text);
INSERT INTO p SELECT g, repeat('x', 40) FROM generate_series(1, $PARENT_ROWS) g;
CREATE TABLE c (id int PRIMARY KEY, pid int4);
INSERT INTO c $children;
CREATE TABLE call (id int PRIMARY KEY, pid int4);
INSERT INTO call $everyone;
VACUUM ANALYZE;
SQL
done
psql_db fk_bench_local <<SQL
CREATE EXTENSION fk_tools;
CREATE EXTENSION postgres_fdw;
CREATE SERVER r FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (dbname 'fk_bench_remote', host '$PGHOST', port '$PGPORT', fetch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER r;
CREATE FOREIGN TABLE fp (id int8, payload text) SERVER r OPTIONS (table_name 'p');
CREATE FOREIGN TABLE fc (id int, pid int4) SERVER r OPTIONS (table_name 'c');
SELECT fk_declare('c_fp', 'c', '{pid}', 'fp', '{id}');
SELECT fk_declare('fc_p', 'fc', '{pid}', 'p', '{id}');
SELECT fk_declare('fc_fp', 'fc', '{pid}', 'fp', '{id}');
SELECT fk_declare('call_fp', 'call', '{pid}', 'fp', '{id}');
ANALYZE fp, fc;
SQL

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# one case: reference, its child, the naive query
bench_case() {
    local label=$1 ref=$2 child=$3 naive=$4
    local ours_t=() naive_t=() ours_rows naive_rows ours_n naive_n
    for i in $(seq 0 "$RUNS"); do
        t=$(psql_db fk_bench_local -At <<SQL | awk '/^Time:/ {print $2}'
\\timing on
SELECT orphan_rows FROM fk_check('$child') WHERE constraint_name = '$ref';
SQL
)
        [ "$i" -gt 0 ] && ours_t+=("$t")
        t=$(psql_db fk_bench_local -At <<SQL | awk '/^Time:/ {print $2}'
\\timing on
$naive;
SQL
)
        [ "$i" -gt 0 ] && naive_t+=("$t")
    done
    ours_n=$(psql_db fk_bench_local -At -c "SELECT orphan_rows FROM fk_check('$child') WHERE constraint_name = '$ref'")
    naive_n=$(psql_db fk_bench_local -At -c "$naive")
    ours_rows=$(psql_db fk_bench_local -At -c "SET client_min_messages = debug1" \
        -c "SELECT orphan_rows FROM fk_check('$child') WHERE constraint_name = '$ref'" 2>&1 |
        sed -n 's/.*reference "'"$ref"'": \([0-9]*\) distinct keys read, \([0-9]*\) probes returned \([0-9]*\) referenced rows.*/\1 \2 \3/p')
    read -r keys probes prows <<<"$ours_rows"
    case $label in
        *"child local"*) fetched=$prows ;;
        *"both remote"*) fetched=$((keys + prows)) ;;
        *) fetched=$keys ;;
    esac
    naive_rows=$(psql_db fk_bench_local -At -c "EXPLAIN (ANALYZE, FORMAT JSON) $naive" |
        perl -MJSON::PP -0777 -ne 'my $s = 0; my $w; $w = sub { my $n = shift;
            $s += $n->{"Actual Rows"} * $n->{"Actual Loops"} if $n->{"Node Type"} eq "Foreign Scan";
            $w->($_) for @{$n->{Plans} || []} }; $w->(decode_json($_)->[0]{Plan}); print $s')
    local to tn
    to=$(printf '%s\n' "${ours_t[@]}" | median)
    tn=$(printf '%s\n' "${naive_t[@]}" | median)
    printf '%-40s orphans %s/%s  rows fetched %9s vs %9s (ratio %.4f)  time %9.1f ms vs %9.1f ms (ratio %.2f)  probes %s\n' \
        "$label" "$ours_n" "$naive_n" "$fetched" "$naive_rows" "$(echo "$fetched / $naive_rows" | bc -l)" \
        "$to" "$tn" "$(echo "$to / $tn" | bc -l)" "$probes"
}

echo "== fk_check vs naive NOT EXISTS (medians of $RUNS, batch size 1000)"
bench_case "1. child local, parent remote" c_fp c \
    "SELECT count(*) FROM c WHERE pid IS NOT NULL AND NOT EXISTS (SELECT FROM fp WHERE fp.id = c.pid)"
bench_case "2. child remote, parent local" fc_p fc \
    "SELECT count(*) FROM fc WHERE pid IS NOT NULL AND NOT EXISTS (SELECT FROM p WHERE p.id = fc.pid)"
bench_case "3. both remote, one server" fc_fp fc \
    "SELECT count(*) FROM fc WHERE pid IS NOT NULL AND NOT EXISTS (SELECT FROM fp WHERE fp.id = fc.pid)"
bench_case "4. child local, parent remote, all keys" call_fp call \
    "SELECT count(*) FROM call WHERE pid IS NOT NULL AND NOT EXISTS (SELECT FROM fp WHERE fp.id = call.pid)"
trap_drop
