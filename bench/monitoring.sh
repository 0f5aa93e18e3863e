#!/usr/bin/env bash
# Benchmark of the monitoring views at 10,000 foreign keys (not run in CI).
#
#   bash bench/monitoring.sh [--own-server] [--runs N] [--days N] [--keep]
#
# Builds 2,000 tables with 5 foreign keys each (10,000 keys, to 5 parent
# tables), checks them all twice with fk_check_snapshot() (so every key has
# a latest result and a previous one), adds --days days of one result per
# key per day to the history (10,000 rows a day, as a nightly rolling check
# would leave), and disables the triggers of a few keys with the audit on.
# Then, alternately in one psql session, --runs times each:
#   (a) SELECT * FROM fk_check_latest
#   (b) the same facts by hand: pg_constraint joined to the state table
#       (no privilege masking, no enforcement, no audit)
#   (c) SELECT * FROM fk_check_coverage
#   (d) the exporter's per-key query (monitoring/queries.yaml)
#   (e) the last hour of fk_check_history (a Grafana time series panel)
#   (f) SELECT * FROM fk_check_runs
#   (g) SELECT * FROM fk_check_progress
# and prints medians and the ratio (a)/(b), plus the time of one full
# fk_check() for contrast (what a dashboard would cost without history).
# Times are psql's \timing: server time plus one round trip, which is what
# a dashboard polling the view sees.
#
# Server: by default the one the PG* environment variables point at (a
# database fk_bench_monitoring is created there and dropped at the end);
# when none answers, or with --own-server, a throwaway server is started
# and removed afterwards (as user postgres when run as root).  The fk_tools
# extension must be installed for that server.
set -euo pipefail

own_server=no
runs=15
days=30
keep=no
while [ $# -gt 0 ]; do
    case "$1" in
        --own-server) own_server=yes ;;
        --runs) runs=$2; shift ;;
        --days) days=$2; shift ;;
        --keep) keep=yes ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
PG_BIN=$("$PG_CONFIG" --bindir)
export PATH="$PG_BIN:$PATH"
db=fk_bench_monitoring
work=$(mktemp -d /tmp/fk_bench.XXXXXX)
started=no

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    if [ "$started" = yes ]; then
        as_server_user pg_ctl -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
    elif [ "$keep" = no ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$own_server" = no ] && ! psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
    echo "no server answers at the PG* settings: starting a throwaway one"
    own_server=yes
fi
if [ "$own_server" = yes ]; then
    [ "$(id -u)" = 0 ] && chown postgres: "$work"
    export PGHOST="$work" PGPORT=${FK_BENCH_PORT:-54349} PGUSER=postgres PGDATABASE=postgres
    [ "$(id -u)" = 0 ] || PGUSER=$(id -un)
    as_server_user initdb -D "$work/db" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$work/db/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
port = $PGPORT
fsync = off
max_locks_per_transaction = 1024
CONF
    as_server_user pg_ctl -D "$work/db" -l "$work/server.log" -w start >/dev/null
    started=yes
fi

run() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
run -c 'CREATE EXTENSION fk_tools' -c 'CREATE SCHEMA mb'

t0=$(date +%s)
run <<'SQL'
DO $$
BEGIN
  FOR p IN 1..5 LOOP
    EXECUTE format('CREATE TABLE mb.p%s (id int PRIMARY KEY)', p);
  END LOOP;
  FOR t IN 1..2000 LOOP
    EXECUTE format('CREATE TABLE mb.t%s (id int PRIMARY KEY,
                      a int REFERENCES mb.p1, b int REFERENCES mb.p2, c int REFERENCES mb.p3,
                      d int REFERENCES mb.p4, e int REFERENCES mb.p5)', t);
    IF t % 200 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
SQL
nfk=$(run -At -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'mb'::regnamespace")
echo "built 2,005 tables in $(( $(date +%s) - t0 )) s: $nfk foreign keys"

t0=$(date +%s)
run -c 'SELECT count(*) FROM fk_check_snapshot()' -c 'SELECT count(*) FROM fk_check_snapshot()' >/dev/null
snap_s=$(( $(date +%s) - t0 ))
run <<SQL >/dev/null
SET fk_tools.history_retention = 0;
INSERT INTO fk_snapshot_results
SELECT 0, s.checked_at - d * interval '1 day', s.duration, s.schema_name, s.relname,
       s.constraint_name, s.referenced_schema, s.referenced_relname, s.constraint_oid,
       s.status, s.orphan_rows, s.missing_keys, s.sample_keys, s.rows_estimated, 'bench'
  FROM fk_snapshot_state s, generate_series(1, $days) d;
ANALYZE fk_snapshot_results, fk_snapshot_state, fk_snapshot_runs;
SELECT fk_audit_enable();
ALTER TABLE mb.t1 DISABLE TRIGGER ALL;
ALTER TABLE mb.t2 DISABLE TRIGGER ALL;
SQL
echo "two full snapshots in $snap_s s; history: $(run -At -c 'SELECT count(*) FROM fk_snapshot_results') rows, audit: $(run -At -c 'SELECT count(*) FROM fk_audit_events') rows"

q_a="SELECT * FROM fk_check_latest"
q_b="SELECT c.oid, c.conname, c.conrelid::regclass, c.confrelid::regclass, s.status, s.orphan_rows,
       s.missing_keys, s.sample_keys, s.checked_at, now() - s.checked_at, s.orphans_since,
       s.orphan_rows - s.previous_orphan_rows
  FROM pg_constraint c
  JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
  LEFT JOIN fk_snapshot_state s ON s.schema_name = n.nspname AND s.relname = r.relname
                               AND s.constraint_name = c.conname
 WHERE c.contype = 'f' AND c.conparentid = 0"
q_c="SELECT * FROM fk_check_coverage"
q_d=$(sed -n '/^fk_tools_key:/,/^  master:/p' "$here/monitoring/queries.yaml" | sed '1,2d;$d')
q_e="SELECT checked_at, relname || ' ' || constraint_name, orphan_rows FROM fk_check_history
 WHERE checked_at > now() - interval '1 hour' ORDER BY 1"
q_f="SELECT * FROM fk_check_runs"
q_g="SELECT * FROM fk_check_progress"

check=$(run -At -c "SELECT (SELECT count(*) FROM ($q_a) a), (SELECT count(*) FROM ($q_b) b),
                            (SELECT count(*) FROM ($q_e) e)")
echo "rows: fk_check_latest / by hand / last hour of history: $check"

{
    echo '\o /dev/null'
    echo '\timing on'
    for q in a b c d e f g; do v="q_$q"; echo "${!v};"; done
    for ((i = 1; i <= runs; i++)); do
        for q in a b c d e f g; do v="q_$q"; echo "\\echo @$q"; echo "${!v};"; done
    done
} > "$work/views.sql"
run -f "$work/views.sql" > "$work/views.out"
times_of() { awk -v tag="@$1" '$0 == tag { want = 1; next } want && /^Time: / { print $2; want = 0 }' "$work/views.out"; }

echo "$nfk foreign keys, medians of $runs runs (ms):"
declare -A med
for q in a b c d e f g; do med[$q]=$(times_of $q | median); done
printf '  (a) fk_check_latest                      %8.2f\n' "${med[a]}"
printf '  (b) the same by hand (state + catalog)   %8.2f   (a)/(b) = %.2f\n' "${med[b]}" \
    "$(awk -v a="${med[a]}" -v b="${med[b]}" 'BEGIN { print a / b }')"
printf '  (c) fk_check_coverage                    %8.2f\n' "${med[c]}"
printf '  (d) exporter per-key query               %8.2f\n' "${med[d]}"
printf '  (e) last hour of fk_check_history        %8.2f\n' "${med[e]}"
printf '  (f) fk_check_runs                        %8.2f\n' "${med[f]}"
printf '  (g) fk_check_progress                    %8.2f\n' "${med[g]}"
buffers=$(run -At -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) $q_a" |
    grep -o '"Shared Hit Blocks": [0-9]*' | head -1 | grep -o '[0-9]*$')
echo "  fk_check_latest shared buffers hit (top node): $buffers"
t0=$(date +%s%N)
run -c 'SELECT count(*) FROM fk_check()' >/dev/null
echo "  one full fk_check() for contrast: $(( ($(date +%s%N) - t0) / 1000000 )) ms (empty tables)"
