#!/usr/bin/env bash
# evs produce's input checks, one line each: every bad line is reported with its line number and reason and
# counted, the good ones are delivered; --strict stops at the first bad line; --type takes bare payloads;
# data_base64 is accepted; usage errors exit 2.
# usage: test_cli_produce.sh EVS
set -euo pipefail
evs="$1"
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$evs" broker --brokers 1 --topic task-events:2 --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
export EVS_BROKERS; EVS_BROKERS=$(cat "$tmp/port")

ok='"data":{"eventType":"task.created","taskId":"1","userId":"u1","taskData":{"title":"t","priority":"high"},"correlationId":"00000000-0000-4000-8000-000000000001"}'
# TaskEvent {event_type: "task.created", task_id: 2, user_id: "u2", task_data: {title: "t", priority: high},
# correlation_id: "00000000-0000-4000-8000-000000000002"} as protobuf, base64 (valid: produce validates).
b64=$(printf '\x0a\x0ctask.created\x10\x02\x1a\x02u2\x22\x05\x0a\x01t\x20\x03\x32\x24%s' \
  00000000-0000-4000-8000-000000000002 | base64 -w0)
cat > "$tmp/in.jsonl" <<JSON
{"type":"task.created",$ok}
{"type":"task.created",$ok

{"type":"no.such.type",$ok}
{"type":"task.updated",$ok}
{"type":"task.created","dataschema":"evs:evs.events.todo.v1.TodoCreated",$ok}
{"type":"task.created","time":"yesterday",$ok}
{"type":"task.created","tags":"novalue",$ok}
{"type":"task.created","specversion":"0.3",$ok}
{"type":"task.created","data":{"taskId":"not a number"}}
{"type":"task.created"}
{"type":"task.created","id":"",$ok}
{"type":"task.created","subject":7,$ok}
{"type":"task.created","data_base64":"$b64"}
{"type":"TodoCreated","schemaversion":"9.9",$ok}
{"specversion":"1.0","id":"0190b0a0-0000-7000-8000-0000000000a1","source":"/t","type":"task.created","time":"2025-01-01T00:00:00+02:00","tags":"a=1","unknown":[1,{"x":2}],$ok}
JSON
set +e
"$evs" produce --input "$tmp/in.jsonl" --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "exit $rc, expected 1"; }
expect() { grep -qF "$1" "$tmp/err" || { cat "$tmp/err"; fail "missing: $1"; }; }
expect 'in.jsonl:2: expected'
expect "in.jsonl:4: unknown event type 'no.such.type'"
expect "in.jsonl:5: event type 'task.updated' differs from the message's event_type 'task.created'"
expect 'in.jsonl:6: dataschema'
expect 'in.jsonl:7: time: '
expect 'in.jsonl:8: tags: '
expect "in.jsonl:9: specversion '0.3'"
expect 'in.jsonl:10: data: '
expect 'in.jsonl:11: no "data"'
expect 'in.jsonl:12: empty "id"'
expect 'in.jsonl:13: attribute values must be strings'
expect "in.jsonl:15: unknown event type 'TodoCreated' version '9.9'"
expect 'read 15, sent 3, delivered 3, failed 0, rejected 12, skipped 0 '
! grep -q 'in.jsonl:1:\|in.jsonl:3:\|in.jsonl:14:\|in.jsonl:16:' "$tmp/err" || { cat "$tmp/err"; fail "a good line was rejected"; }

# --strict: the first bad line ends the run.
set +e
"$evs" produce --strict --input "$tmp/in.jsonl" --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "--strict exit $rc"
expect 'in.jsonl:2:'
! grep -q 'in.jsonl:4:' "$tmp/err" || fail "--strict went on after line 2"
expect 'read 2, sent 1, delivered 1, failed 0, rejected 1, skipped 0 '

# --type: bare payloads; a good run exits 0.
printf '%s\n' "${ok#\"data\":}" "${ok#\"data\":}" | "$evs" produce --type task.created --spool "$tmp/spool" 2> "$tmp/err" \
  || { cat "$tmp/err"; fail "--type run failed"; }
expect 'read 2, sent 2, delivered 2, failed 0, rejected 0, skipped 0 '

# What went out (3 + 1 + 2 = 6), including the base64 one and the time with an offset (UTC on the wire).
timeout 60 "$evs" consume --topic task-events --from-beginning --count 6 --timeout 20 > "$tmp/out.jsonl" || fail consume
grep -q '"userId":"u2"' "$tmp/out.jsonl" || fail "data_base64 event missing"
grep -q '"id":"0190b0a0-0000-7000-8000-0000000000a1","source":"/t","type":"task.created","time":"2024-12-31T22:00:00.000Z"' "$tmp/out.jsonl" \
  || fail "attributes of the full line not kept"

# Usage errors.
set +e
"$evs" produce --bogus > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option: exit not 2"
"$evs" produce -X novalue > /dev/null 2>&1; [ $? -eq 2 ] || fail "-X without =: exit not 2"
EVS_BROKERS= "$evs" produce < /dev/null > /dev/null 2>&1; [ $? -eq 2 ] || fail "no brokers: exit not 2"
"$evs" produce --type no.such.type < /dev/null > /dev/null 2>&1; [ $? -eq 1 ] || fail "unknown --type: exit not 1"
set -e
echo "cli produce: 12 kinds of bad lines reported, --strict, --type and data_base64 checked"
