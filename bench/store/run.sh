#!/usr/bin/env bash
# Event store benchmark against a throw-away PostgreSQL cluster (tests/store/pg_fixture.sh) with durable
# settings stated: fsync=on, synchronous_commit=on (unless SYNC=off), full_page_writes=on, shared_buffers
# 256MB; the seed's full index set (migration 1). Not a ctest test: timings on a shared machine are noisy.
# Results go to docs/performance.md by hand.
# usage: bench/store/run.sh [build dir (default build)] [rows for the query case (default 1000000)]
# Prints each case, then the ratios of the store to the naive client and to the server's ceilings.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; rows="${2:-1000000}"; sync="${SYNC:-on}"
work="$build/bench_store"; mkdir -p "$work"
[ -f "$build/libevs.a" ] || cmake --build "$build" --target evs_static evs_wkt evs
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -I"$build/gen" -Igen bench/store/bench_store.c \
  "$build/libevs.a" "$build/libevs-wkt.a" $(pkg-config --cflags --libs libprotobuf-c uuid rdkafka libpcre2-8 libpq) \
  -lpthread -o "$work/bench_store"
. tests/store/pg_fixture.sh
pg_fixture_start fsync=on full_page_writes=on "synchronous_commit=$sync" shared_buffers=256MB max_wal_size=4GB
"$build/evs" store migrate 2>/dev/null
echo "PostgreSQL $(pg_psql -c 'SHOW server_version'), fsync=$(pg_psql -c 'SHOW fsync'), synchronous_commit=$(pg_psql -c 'SHOW synchronous_commit'); indexes: $(pg_psql -c "SELECT string_agg(indexname, ' ') FROM pg_indexes WHERE tablename = 'events'")"
b="$work/bench_store"
log="$work/run.log"
cases() {
"$b" naive 5000
"$b" ceiling 100000
# the server alone on both cores: the ceiling of bulk appends side by side
"$b" ceiling 100000 2
"$b" batch 100000 1000
"$b" batch 100000 10000
# two writers at once: bulk appends side by side (one backend is one core)
"$b" pbatch 100000 1000 2
# the server alone on the same rows: the last 100,000 taken out and COPYed straight back
"$b" copyceiling 100000
"$b" sink 20000
# the planner needs statistics after 200,000 rows (autovacuum would take them within a minute)
pg_psql -c "ANALYZE events"
# one-event transactions with nothing else (no lock, no condition): the ceiling of conditional appends
"$b" insert 16 1000
"$b" cond 16 1000 disjoint
"$b" cond 16 100 overlap
pg_psql -c "TRUNCATE events"
"$b" load "$rows"
"$b" query 2000
echo "events: $(pg_psql -c 'SELECT count(*) FROM events'), table + indexes $(pg_psql -c "SELECT pg_size_pretty(pg_total_relation_size('events'))")"
}
cases | tee "$log"
# the ratios, from the figures above: the store against the naive client and against the server's ceilings
awk '
  # the first "N events/s" (or "N rows/s", "N appends/s", "N/s") of a line
  function rate(line,   i) {
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^[0-9.]+\/s[;,]?$/) return $i + 0
      if (i < NF && $(i + 1) ~ /^(events|rows|appends)\/s[;,]?$/) return $i + 0
    }
    return 0
  }
  /^naive client/ { naive = rate($0) }
  /^server ceiling: INSERT .* 1 session/ { ins1 = rate($0) }
  /^server ceiling: INSERT .* 2 sessions/ { ins2 = rate($0) }
  /^server ceiling: COPY/ { copy = rate($0) }
  /^batch append: .* batches of 1000:/ { batch = rate($0) }
  /^parallel batch append: 2 writers/ { pbatch = rate($0) }
  /^one-event transactions/ { one = rate($0) }
  /^conditional appends, 16 writers, disjoint/ { cond = rate($0) }
  END {
    printf "ratios: batch append %.1fx the naive client, %.2f of the COPY ceiling, %.2f of INSERT ... SELECT (1 session); ", batch / naive, batch / copy, batch / ins1
    printf "2 writers %.2f of INSERT ... SELECT (2 sessions); ", pbatch / ins2
    printf "conditional appends (disjoint) %.1fx the naive client, %.2f of one-event transactions\n", cond / naive, cond / one
  }' "$log"
