#!/usr/bin/env bash
# The seeds' sample events (data/seed_events.jsonl: the JSON examples of docs/catalog.md as CloudEvents,
# in canonical form) through `evs broker`, `evs produce` and `evs consume`: every event lands on its
# catalog topic and comes back as exactly the line that went in. The README demo does the same.
# usage: test_cli_seeds.sh EVS DATA_FILE
set -euo pipefail
evs="$1"; data="$2"
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
n=$(wc -l < "$data")

"$evs" broker --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
export EVS_BROKERS; EVS_BROKERS=$(cat "$tmp/port")

"$evs" produce --input "$data" --spool "$tmp/spool" 2> "$tmp/err" || { cat "$tmp/err"; fail "evs produce"; }
grep -q "read $n, sent $n, delivered $n, failed 0, rejected 0" "$tmp/err" || { cat "$tmp/err"; fail "summary"; }
topics=$("$evs" list --json | sed -n 's/.*"topic": "\([^"]*\)".*/--topic \1/p' | sort -u)
[ "$(echo "$topics" | wc -l)" -eq 10 ] || fail "expected the catalog's 10 topics"
# shellcheck disable=SC2086
timeout 60 "$evs" consume $topics --from-beginning --count "$n" --timeout 20 > "$tmp/out.jsonl" || fail "consume"
sort "$data" > "$tmp/a"; sort "$tmp/out.jsonl" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { diff "$tmp/a" "$tmp/b" | head -6; fail "consumed events differ from the seed file"; }
# Each event on its type's topic: the workflow family has 4 samples, all on workflow-events.
timeout 30 "$evs" consume --topic workflow-events --from-beginning --count 4 --timeout 10 > "$tmp/wf.jsonl"
[ "$(grep -c '"dataschema":"evs:evs.events.workflow.v1.WorkflowEvent"' "$tmp/wf.jsonl")" -eq 4 ] \
  || fail "workflow-events does not hold the 4 workflow samples"
echo "seeds: $n sample events produced and consumed back unchanged"
