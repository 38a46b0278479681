#!/usr/bin/env bash
# The README's demo command: installs what evs needs, builds it, shows the event catalog, then starts an
# embedded Kafka cluster (librdkafka's mock cluster on 127.0.0.1), produces the seeds' sample events as
# binary protobuf with CloudEvents headers, consumes them back as JSON, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVS_BUILD_TESTS=OFF >/dev/null  # no cmocka: the tests install it
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target evs >/dev/null
evs=build/evs
samples=tests/integration/data/seed_events.jsonl

echo "== evs list: every event type in the catalog"
"$evs" list
echo
echo "== evs describe task.created"
desc=$("$evs" describe task.created) # not piped into head: under pipefail a SIGPIPE would end the demo
head -40 <<<"$desc"
echo "   ..."
echo
echo "== evs uuid -n 3: time-ordered UUIDv7 ids"
"$evs" uuid -n 3
echo

echo "== evs broker: an embedded 3-broker Kafka cluster on 127.0.0.1"
work=$(mktemp -d)
"$evs" broker --port-file "$work/port" >"$work/broker.log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "demo: the embedded broker did not start:" >&2; cat "$work/broker.log" >&2; exit 1; }
EVS_BROKERS=$(cat "$work/port")
export EVS_BROKERS
echo "bootstrap: $EVS_BROKERS"
echo
echo "== evs produce: the seeds' $(wc -l <"$samples") sample events (CloudEvents JSON lines -> binary + ce_* headers)"
"$evs" produce --input "$samples" --spool "$work/demo.spool"
echo
echo "== evs consume: the same events read back as CloudEvents JSON"
topics=$("$evs" list --json | sed -n 's/.*"topic": "\([^"]*\)".*/--topic \1/p' | sort -u)
# shellcheck disable=SC2086
"$evs" consume $topics --from-beginning --count "$(wc -l <"$samples")" --timeout 20
kill -TERM "$broker"
wait "$broker" || true
trap 'rm -rf "$work"' EXIT
echo
echo "== demo done: broker stopped"
