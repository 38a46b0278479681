#!/usr/bin/env bash
# evs produce against brokers that never answer: every event times out into the spool (exit 1, summary
# says so); `evs produce --replay` delivers them to a running `evs broker`, removes the spool, and
# `evs consume` reads back exactly the events that went in. Secrets given with -X never reach the output.
# And the spool never lies and never tears (issue 9): when it cannot be written (a full disk: /dev/full, a
# missing directory, a directory) `evs produce` says which events were NOT spooled (count, ce_id range,
# reason) and never that they are in the file; a record cut off at the end of the spool is removed (and
# reported) before appending; three producers sharing one spool do not interleave their records; a
# damaged record does not stop --replay from sending the others, it is reported with its offset and its
# bytes are moved to SPOOL.damaged.
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

# events FILE FIRST N: N ReminderCreated events with ids 0190b0a0-0000-7000-9000-<FIRST>.. (hex), apart from the
# ids above
events() {
  awk -v first="$2" -v n="$3" 'BEGIN { for (i = first; i < first + n; i++)
  printf "{\"specversion\":\"1.0\",\"id\":\"0190b0a0-0000-7000-9000-%012x\",\"source\":\"/tests/spool\",\"type\":\"ReminderCreated\",\"time\":\"2025-03-01T09:15:00.000Z\",\"data\":{\"eventId\":\"3f2504e0-4f89-41d3-9a0c-%012x\",\"eventType\":\"ReminderCreated\",\"eventVersion\":\"1.0\",\"timestamp\":\"2025-03-01T09:15:00Z\",\"reminderId\":\"f47ac10b-58cc-4372-a567-%012x\",\"todoId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"userId\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"reminderType\":\"email\",\"remindAt\":\"2025-03-02T09:00:00Z\"}}\n", i, i, i }' > "$1"
}
id() { printf '0190b0a0-0000-7000-9000-%012x' "$1"; }
# dead SPOOL INPUT ERR: produce against a broker that never answers (every event fails); exit status kept
dead() {
  set +e
  "$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=1000 --input "$2" --spool "$1" > /dev/null 2> "$3"
  rc=$?
  set -e
}

events "$tmp/ten.jsonl" 1 10

# 1. Spool write errors are reported, with the events that were not spooled, and never called spooled.
mkdir "$tmp/adir"
for spool in /dev/full "$tmp/no/such/dir/s.spool" "$tmp/adir"; do
  case "$spool" in
    /dev/full) why="No space left on device" ;;
    */adir) why="Is a directory" ;;
    *) why="No such file or directory" ;;
  esac
  dead "$spool" "$tmp/ten.jsonl" "$tmp/err"
  [ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "$spool: exit $rc, expected 1"; }
  ! grep -q "are in $spool" "$tmp/err" || { cat "$tmp/err"; fail "$spool: the summary claims the events are in the spool"; }
  grep -q "error: 10 undelivered events were NOT spooled (ce_id $(id 1) .. $(id 10)): cannot .* spool file $spool: $why" "$tmp/err" ||
    { cat "$tmp/err"; fail "$spool: no error naming the events not spooled and why"; }
done

# 2. A record cut off at the end (a crash while appending) is removed, with a warning, before appending.
dead "$tmp/torn.spool" "$tmp/ten.jsonl" "$tmp/err"
grep -q "10 undelivered events are in $tmp/torn.spool" "$tmp/err" || { cat "$tmp/err"; fail "torn: first run"; }
size=$(stat -c %s "$tmp/torn.spool")
truncate -s $((size - 3)) "$tmp/torn.spool"
events "$tmp/five.jsonl" 11 5
dead "$tmp/torn.spool" "$tmp/five.jsonl" "$tmp/err"
grep -q "warning: $tmp/torn.spool ended in a cut-off record .*: removed its [0-9]* bytes before appending" "$tmp/err" ||
  { cat "$tmp/err"; fail "torn: the removed tail is not reported"; }
grep -q "5 undelivered events are in $tmp/torn.spool" "$tmp/err" || { cat "$tmp/err"; fail "torn: second run"; }

# 3. Three producers at once into one spool: no interleaving, every record intact.
for k in 0 1 2; do events "$tmp/p$k.jsonl" $((100 + k * 100)) 40; done
pids=()
for k in 0 1 2; do
  "$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=1000 -X linger.ms=0 --input "$tmp/p$k.jsonl" \
    --spool "$tmp/shared.spool" > /dev/null 2> "$tmp/perr$k" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for k in 0 1 2; do grep -q "40 undelivered events are in $tmp/shared.spool" "$tmp/perr$k" || { cat "$tmp/perr$k"; fail "shared: producer $k"; }; done

# 4. A damaged record in the middle: the others are replayed, it is reported and moved aside.
events "$tmp/ten2.jsonl" 21 10
dead "$tmp/dmg.spool" "$tmp/ten2.jsonl" "$tmp/err"
size=$(stat -c %s "$tmp/dmg.spool")
printf 'X' | dd of="$tmp/dmg.spool" bs=1 seek=$((size / 2)) conv=notrunc status=none

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
"$evs" produce --brokers "$brokers" --replay "$tmp/torn.spool" 2> "$tmp/err" || { cat "$tmp/err"; fail "torn: replay"; }
grep -q "replayed 14, delivered 14, failed 0" "$tmp/err" || { cat "$tmp/err"; fail "torn: replay summary (9 + 5 expected)"; }
"$evs" produce --brokers "$brokers" --replay "$tmp/shared.spool" 2> "$tmp/err" || { cat "$tmp/err"; fail "shared: replay"; }
grep -q "replayed 120, delivered 120, failed 0" "$tmp/err" || { cat "$tmp/err"; fail "shared: replay summary"; }

set +e
"$evs" produce --brokers "$brokers" --replay "$tmp/dmg.spool" 2> "$tmp/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "damaged: exit $rc, expected 1"; }
grep -q "$tmp/dmg.spool: damaged at byte [0-9]* ([0-9]* bytes): spool record checksum mismatch" "$tmp/err" ||
  { cat "$tmp/err"; fail "damaged: not reported"; }
grep -q "replayed 9, delivered 9, failed 0" "$tmp/err" || { cat "$tmp/err"; fail "damaged: the intact records were not all sent"; }
grep -q "1 damaged regions ([0-9]* bytes) skipped, moved to $tmp/dmg.spool.damaged" "$tmp/err" || { cat "$tmp/err"; fail "damaged: summary"; }
[ -s "$tmp/dmg.spool.damaged" ] || fail "damaged: bytes not kept"
[ ! -e "$tmp/dmg.spool" ] || fail "damaged: spool kept after everything intact was delivered"

# Every event that reached a spool is in the log once: the n above, then 14 + 120 + 9.
timeout 60 "$evs" consume --brokers "$brokers" --topic reminders --from-beginning --count $((n + 143)) --timeout 20 \
  > "$tmp/all.jsonl" || fail "consume all"
[ "$(grep -o '"id":"[^"]*"' "$tmp/all.jsonl" | sort -u | wc -l)" -eq $((n + 143)) ] || fail "consumed ids are not $((n + 143)) distinct events"
echo "cli spool: $n events spooled, replayed and read back; write errors reported, torn tail removed, shared spool intact, damage skipped"
