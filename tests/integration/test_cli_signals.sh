#!/usr/bin/env bash
# evs produce and evs consume under signals and hostile lines (issue 9): SIGTERM / SIGINT stop reading,
# what is undelivered is spooled, the summary adds up and the exit status says so (143 / 130); a second
# signal ends the wait at once but still spools; a record too large for the broker is rejected and the run
# goes on; data_base64 with bad UTF-8 or deep nesting is rejected, not produced or crashed on; evs consume
# whose output cannot be written exits 1 and the event is read again by the next run; SIGTERM stops
# consume with 143.
# usage: test_cli_signals.sh EVS
set -euo pipefail
evs="$1"; n=50
tmp=$(mktemp -d)
broker_pid=
pids=()
cleanup() {
  for p in "${pids[@]}" $broker_pid; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks: $2"; }; }

id() { printf '0190b0a0-0000-7000-8000-%012x' "$1"; }
# The rest of a valid task.created payload (evs produce validates: task data and correlation id are required).
rest='"taskData":{"title":"t","priority":"high"},"correlationId":"00000000-0000-4000-8000-000000000001"'
event() { # number -> one task.created line with a known id
  printf '{"specversion":"1.0","id":"%s","source":"/tests/signals","type":"task.created","data":{"eventType":"task.created","taskId":"%d","userId":"u%d",%s}}\n' "$(id "$1")" "$1" "$1" "$rest"
}
for i in $(seq "$n"); do event "$i"; done > "$tmp/in.jsonl"

"$evs" broker --brokers 1 --topic task-events:1 --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
live=$(cat "$tmp/port")

replay_count() { # spool -> prints how many records a replay into the live broker delivered
  "$evs" produce --brokers "$live" --replay "$1" 2> "$tmp/replay.err" || { cat "$tmp/replay.err" >&2; fail "replay of $1"; }
  sed -n 's/.*replayed \([0-9]*\), delivered \([0-9]*\), failed 0.*/\2/p' "$tmp/replay.err"
}

# ---- SIGTERM while delivery is pending (nothing listens on port 1): bounded wait, then everything spooled.
"$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=120000 --input "$tmp/in.jsonl" \
  --spool "$tmp/term.spool" 2> "$tmp/term.err" &
pid=$!; pids+=("$pid")
for _ in $(seq 50); do grep -q warning "$tmp/term.err" 2>/dev/null && break; sleep 0.1; done
t0=$(date +%s); kill -TERM "$pid"; set +e; wait "$pid"; rc=$?; set -e; t1=$(date +%s)
[ "$rc" -eq 143 ] || { cat "$tmp/term.err"; fail "SIGTERM: exit $rc, expected 143"; }
[ $((t1 - t0)) -le 15 ] || fail "SIGTERM: took $((t1 - t0)) s to stop (bound: 10 s of flushing)"
has "$tmp/term.err" "read $n, sent $n, delivered 0, failed $n, rejected 0, skipped 0"
has "$tmp/term.err" "$n undelivered events are in $tmp/term.spool"
has "$tmp/term.err" "stopped by SIGTERM"
[ "$(replay_count "$tmp/term.spool")" = "$n" ] || fail "SIGTERM: the spool does not hold the $n events"

# ---- Two signals: the second ends the wait at once, and still spools.
"$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=120000 --input "$tmp/in.jsonl" \
  --spool "$tmp/twice.spool" 2> "$tmp/twice.err" &
pid=$!; pids+=("$pid")
for _ in $(seq 50); do grep -q warning "$tmp/twice.err" 2>/dev/null && break; sleep 0.1; done
t0=$(date +%s); kill -TERM "$pid"; sleep 0.3; kill -TERM "$pid"; set +e; wait "$pid"; rc=$?; set -e; t1=$(date +%s)
[ "$rc" -eq 143 ] || { cat "$tmp/twice.err"; fail "two signals: exit $rc, expected 143"; }
[ $((t1 - t0)) -le 4 ] || fail "two signals: took $((t1 - t0)) s"
has "$tmp/twice.err" "(a second signal); spooling them"
has "$tmp/twice.err" "$n undelivered events are in $tmp/twice.spool"
[ "$(replay_count "$tmp/twice.spool")" = "$n" ] || fail "two signals: the spool does not hold the $n events"

# ---- SIGINT while blocked reading an input that has not ended (a FIFO kept open).
mkfifo "$tmp/fifo"
"$evs" produce --brokers 127.0.0.1:1 -X message.timeout.ms=120000 --input "$tmp/fifo" \
  --spool "$tmp/int.spool" 2> "$tmp/int.err" &
pid=$!; pids+=("$pid")
exec 3> "$tmp/fifo"
head -n 20 "$tmp/in.jsonl" >&3
for _ in $(seq 50); do grep -q warning "$tmp/int.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"; sleep 0.3; kill -INT "$pid"; set +e; wait "$pid"; rc=$?; set -e
exec 3>&-
[ "$rc" -eq 130 ] || { cat "$tmp/int.err"; fail "SIGINT on a blocked read: exit $rc, expected 130"; }
has "$tmp/int.err" "read 20, sent 20, delivered 0, failed 20, rejected 0, skipped 0"
has "$tmp/int.err" "stopped by SIGINT after line 20"
! grep -q "reading .* failed" "$tmp/int.err" || fail "SIGINT: the interrupted read was reported as an error"
[ "$(replay_count "$tmp/int.spool")" = "20" ] || fail "SIGINT: the spool does not hold the 20 events"

# ---- Hostile lines: too large for the broker (rejected, the run goes on), data_base64 that is not UTF-8
# where a string is, and data_base64 nested far deeper than the limit (it crashed produce).
big=$(head -c 5000 /dev/zero | tr '\0' x)
bad_utf8=$(printf '\x0a\x02\xc3\x28' | base64 -w0)
# 400 nested arrays in a Struct payload: 804 message levels, encodable at --max-depth 1000 (evs's own tools
# only, no other interpreter on the test machine), far past the default limit of 100 that produce applies.
deep=$(printf '{"payload":{"data":{"a":%s1%s}}}' "$(printf '[%.0s' $(seq 400))" "$(printf ']%.0s' $(seq 400))" |
  "$evs" encode --no-validate -t workflow.triggered --max-depth 1000 | base64 -w0)
[ -n "$deep" ] || fail "could not build the deep data_base64"
{
  event 101
  printf '{"id":"%s","source":"/t","type":"task.created","data":{"eventType":"task.created","taskId":"102","userId":"%s",%s}}\n' "$(id 102)" "$big" "$rest"
  printf '{"id":"utf8-1","source":"/t","type":"task.created","data_base64":"%s"}\n' "$bad_utf8"
  printf '{"id":"deep-1","source":"/t","type":"workflow.triggered","data_base64":"%s"}\n' "$deep"
  event 103
} > "$tmp/hostile.jsonl"
set +e
"$evs" produce --brokers "$live" -X message.max.bytes=2000 --input "$tmp/hostile.jsonl" --spool "$tmp/h.spool" \
  2> "$tmp/h.err"; rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/h.err"; fail "hostile lines: exit $rc, expected 1"; }
has "$tmp/h.err" "hostile.jsonl:2: producing to task-events: the record"
has "$tmp/h.err" "larger than message.max.bytes [limit]"
has "$tmp/h.err" "hostile.jsonl:3: data_base64 is not a valid evs.events.tasks.v1.TaskEvent"
has "$tmp/h.err" "not valid UTF-8"
has "$tmp/h.err" "hostile.jsonl:4: data_base64 is not a valid evs.events.workflow.v1.WorkflowEvent"
has "$tmp/h.err" "nested too deeply"
has "$tmp/h.err" "read 5, sent 2, delivered 2, failed 0, rejected 3, skipped 0"

# ---- evs consume: output that cannot be written is an error and the event is not committed.
# (The mock cluster lets a group's next member in only after the last one's session timeout: keep it short.)
if [ -w /dev/full ]; then
  set +e
  timeout 60 "$evs" consume --brokers "$live" --topic task-events --group g-full --from-beginning --count 1 \
    --timeout 20 -X session.timeout.ms=6000 > /dev/full 2> "$tmp/full.err"; rc=$?
  set -e
  [ "$rc" -eq 1 ] || { cat "$tmp/full.err"; fail "consume > /dev/full: exit $rc, expected 1"; }
  has "$tmp/full.err" "writing to stdout failed"
  timeout 60 "$evs" consume --brokers "$live" --topic task-events --group g-full --from-beginning --count 1 \
    --timeout 30 -X session.timeout.ms=6000 > "$tmp/again.jsonl" 2> "$tmp/again.err" || { cat "$tmp/again.err"; fail "consume after /dev/full"; }
  first=$(head -n 1 "$tmp/again.jsonl" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  [ "$first" = "$(id 1)" ] || fail "the event whose output failed was not read again (got $first)"
fi

# ---- evs consume stops on SIGTERM with 143 and says so.
"$evs" consume --brokers "$live" --topic task-events --group g-term --from-beginning \
  > "$tmp/c.jsonl" 2> "$tmp/c.err" &
pid=$!; pids+=("$pid")
for _ in $(seq 200); do [ -s "$tmp/c.jsonl" ] && break; sleep 0.1; done
kill -TERM "$pid"; set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 143 ] || { cat "$tmp/c.err"; fail "consume SIGTERM: exit $rc, expected 143"; }
has "$tmp/c.err" "stopped by a signal"

echo "cli signals: SIGTERM, two signals and SIGINT on a blocked read spool everything; hostile lines rejected; consume output errors and SIGTERM"
