#!/usr/bin/env bash
# evs broker --port N: a fixed bootstrap address relayed to the mock cluster; evs produce / consume and kcat
# work through it (kcat -L lists the brokers behind it); a port in use is an error, exit 1.
# usage: test_cli_broker_port.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0; n=0
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }

# A free port: try a few from a per-run base (another test may hold one).
port=
for try in 0 1 2 3 4 5 6 7; do
  p=$((20000 + ($$ * 7 + try * 131) % 30000))
  "$evs" broker --brokers 2 --topic pt:2 --port "$p" >"$tmp/out" 2>"$tmp/err" &
  broker_pid=$!
  for _ in $(seq 50); do [ -s "$tmp/out" ] && break; kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
  if [ -s "$tmp/out" ]; then port=$p; break; fi
  wait "$broker_pid" 2>/dev/null; broker_pid=
done
[ -n "$port" ] || { echo "FAIL: evs broker --port did not start on any of 8 ports"; cat "$tmp/err"; exit 1; }
check "evs broker --port prints the fixed address" '[ "$(cat "$tmp/out")" = "127.0.0.1:$port" ]'

head -3 "$src/tests/integration/data/seed_events.jsonl" >"$tmp/in.jsonl"
"$evs" produce --brokers "127.0.0.1:$port" --topic pt --input "$tmp/in.jsonl" 2>"$tmp/perr"; rc=$?
check "produce through the fixed address" '[ $rc -eq 0 ]'
"$evs" consume --topic pt --brokers "127.0.0.1:$port" -o beginning -e >"$tmp/got" 2>"$tmp/cerr"; rc=$?
check "consume through it reads the three events back" '[ $rc -eq 0 ] && [ $(wc -l <"$tmp/got") -eq 3 ]'
if command -v kcat >/dev/null; then
  kcat -L -b "127.0.0.1:$port" -t pt >"$tmp/kcat" 2>&1
  check "kcat -L through the fixed address lists 2 brokers and topic pt" \
    'grep -q "2 brokers:" "$tmp/kcat" && grep -q "topic \"pt\" with 2 partitions" "$tmp/kcat"'
fi
"$evs" broker --no-default-topics --port "$port" >/dev/null 2>"$tmp/busy"; rc=$?
check "a port in use: exit 1 and the reason" '[ $rc -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$tmp/busy"'
"$evs" broker --port 0 >/dev/null 2>"$tmp/usage"; rc=$?
check "--port 0 is a usage error" '[ $rc -eq 2 ]'

echo "$((n - fail)) of $n checks passed"
[ "$fail" -eq 0 ]
