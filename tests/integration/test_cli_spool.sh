#!/usr/bin/env bash
# evs produce against brokers that never answer: every event times out into the spool (exit 1, summary
# says so); `evs produce --replay` delivers them to a running `evs broker`, removes the spool, and
# `evs consume` reads back exactly the events that went in. Secrets given with -X never reach the output.
# usage: test_cli_spool.sh EVS
set -euo pipefail
evs="$1"; n=200
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
  printf "{\"specversion\":\"1.0\",\"id\":\"0190b0a0-0000-7000-8000-%012x\",\"source\":\"/tests/spool\",\"type\":\"ReminderCreated\",\"time\":\"2025-03-01T09:15:00.000Z\",\"dataschema\":\"evs:evs.events.todo.v1.ReminderCreated\",\"schemaversion\":\"1.0\",\"data\":{\"eventId\":\"3f2504e0-4f89-41d3-9a0c-%012x\",\"eventType\":\"ReminderCreated\",\"eventVersion\":\"1.0\",\"timestamp\":\"2025-03-01T09:15:00Z\",\"reminderId\":\"f47ac10b-58cc-4372-a567-%012x\",\"todoId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"userId\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"reminderType\":\"email\",\"remindAt\":\"2025-03-02T09:00:00Z\"}}\n", i, i, i }' \
  > "$tmp/in.jsonl"

# Port 1 on loopback: nothing listens, so nothing is ever delivered.
set +e
"$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=1500 -X sasl.password=hunter2 \
  --input "$tmp/in.jsonl" --spool "$tmp/spool" > "$tmp/out1" 2> "$tmp/err1"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/err1"; fail "exit $rc, expected 1"; }
grep -q "read $n, sent $n, delivered 0, failed $n, rejected 0" "$tmp/err1" || { cat "$tmp/err1"; fail "summary"; }
grep -q "$n undelivered events are in $tmp/spool" "$tmp/err1" || { cat "$tmp/err1"; fail "spool not named"; }
! grep -q hunter2 "$tmp/err1" "$tmp/out1" || fail "a secret was printed"
grep -q '^evs produce: warning: _\(TRANSPORT\|ALL_BROKERS_DOWN\): ' "$tmp/err1" || { cat "$tmp/err1"; fail "no warning about the brokers"; }
[ -s "$tmp/spool" ] || fail "no spool file"

"$evs" broker --brokers 1 --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
brokers=$(cat "$tmp/port")
"$evs" produce --brokers "$brokers" --replay "$tmp/spool" 2> "$tmp/err2" || { cat "$tmp/err2"; fail "replay failed"; }
grep -q "replayed $n, delivered $n, failed 0" "$tmp/err2" || { cat "$tmp/err2"; fail "replay summary"; }
[ ! -e "$tmp/spool" ] || fail "spool file kept after a full replay"
timeout 60 "$evs" consume --brokers "$brokers" --topic reminders --from-beginning --count "$n" --timeout 20 \
  > "$tmp/out.jsonl" || fail "consume"
sort "$tmp/in.jsonl" > "$tmp/a"; sort "$tmp/out.jsonl" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { diff "$tmp/a" "$tmp/b" | head -4; fail "replayed events differ from the input"; }
echo "cli spool: $n events spooled, replayed and read back"
