#!/usr/bin/env bash
# How close can any conditional append get to a bare one-event transaction on this machine? pgbench, 16
# clients, interleaved rounds of bare.sql (insert only) and lean.sql (client-hashed advisory locks + check
# and insert in one statement, pipelined: the leanest form of the DCB conditional append) against the
# store's schema with 100,000 events, the settings of run.sh. Not a ctest test.
# usage: bench/store/lean.sh [build dir (default build)] [rounds (default 3)] [seconds per run (default 10)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; rounds="${2:-3}"; secs="${3:-10}"
. tests/store/pg_fixture.sh
pg_fixture_start fsync=on full_page_writes=on synchronous_commit=on shared_buffers=256MB max_wal_size=4GB
"$build/evs" store migrate 2>/dev/null
pg_psql -c "INSERT INTO events (event_id, type, time, tags, data) SELECT gen_random_uuid(), 'ISSUE.ASSIGNED.SUCCESS', now(), jsonb_build_object('issueId', (g % 5000)::text, 'userId', 'u-' || (g % 50)), '{}' FROM generate_series(1, 100000) g"
pg_psql -c "ANALYZE events"
for r in $(seq "$rounds"); do
  for s in bare lean; do
    tps=$("$PG_BIN/pgbench" -n -c 16 -j 2 -T "$secs" -M prepared -f "bench/store/pgbench/$s.sql" "$EVS_DATABASE_URL" 2>&1 \
      | awk '/^tps/ { print int($3) }')
    echo "round $r $s: $tps transactions/s"
  done
done
