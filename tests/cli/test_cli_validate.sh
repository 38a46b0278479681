#!/usr/bin/env bash
# evs validate: verdicts and exit codes (0 valid, 1 invalid or undecodable, 2 usage), text and JSON output
# naming each violation's field and rule id, JSON lines / one document / binary input, a user's schema
# (dynamic descriptors, proto3 optional), and evs encode validating by default (--no-validate opts out).
# usage: test_cli_validate.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
schemas="$src/tests/cli/schemas"
order="$schemas/acme/orders/v1/order.proto"
fail=0; n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
v() { "$evs" validate "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# The seed's sample task event (seed 001) is valid; a copy with an empty title is not.
good='{"event_type":"task.created","task_id":123,"user_id":"user-456","task_data":{"title":"Buy groceries","description":"Milk, bread, eggs","completed":false,"priority":"high","due_date":"2026-01-15T14:00:00Z","tags":["shopping","personal"]},"timestamp":"2026-01-14T10:30:00Z","correlation_id":"550e8400-e29b-41d4-a716-446655440000"}'
v --type task.created <<<"$good"
check "the seed's task.created sample is valid (exit 0)" '[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]'
check "... and the count says so" 'grep -q "1 record valid" "$tmp/err"'

printf '%s\n\n%s\n%s\n' "$good" '{}' 'not json' >"$tmp/mixed.jsonl"
v --type task.created -i "$tmp/mixed.jsonl"
check "an invalid and an undecodable line: exit 1" '[ $rc -eq 1 ]'
check "each violation names line, field and rule id" \
  'grep -qx "line 3: user_id: value is required \[required\]" "$tmp/out" && grep -qx "line 3: task_data: value is required \[required\]" "$tmp/out"'
check "the undecodable line is invalid with its position" \
  'grep -q "^line 4: does not decode as the type: 1:1: .*\[syntax\]$" "$tmp/out"'
check "the valid line prints nothing" '! grep -q "^line 1" "$tmp/out"'
check "the count is on stderr" 'grep -q "2 of 3 records failed" "$tmp/err"'

v --type task.created -i "$tmp/mixed.jsonl" --format json
check "--format json: one object per record" '[ $(wc -l <"$tmp/out") -eq 3 ]'
check "... a valid one" 'grep -qx "{\"record\":1,\"line\":1,\"valid\":true}" "$tmp/out"'
check "... violations with proto and JSON paths" \
  'grep -q "{\"record\":2,\"line\":3,\"valid\":false,\"violations\":\[{\"path\":\"event_type\",\"json_path\":\"eventType\",\"rule_id\":\"required\"" "$tmp/out"'
check "... a decode error with its code and position" \
  'grep -q "{\"record\":3,\"line\":4,\"valid\":false,\"error\":{\"code\":\"syntax\",.*\"offset\":0,\"line\":1,\"col\":1" "$tmp/out"'

v --type task.created --fail-fast <<<'{}' 
check "--fail-fast: one violation" '[ $rc -eq 1 ] && [ $(wc -l <"$tmp/out") -eq 1 ]'

# A rule with a value, in the JSON names view: a TodoCreated title longer than 500 characters (seed 003).
long=$(printf 'x%.0s' $(seq 1 501))
u=550e8400-e29b-41d4-a716-446655440000
todo="{\"event_id\":\"$u\",\"event_type\":\"TodoCreated\",\"event_version\":\"1.0\",\"timestamp\":\"2026-01-14T10:30:00Z\",\"todo_id\":\"$u\",\"user_id\":\"$u\",\"due_date\":null,\"priority\":\"medium\",\"title\":"
v --type TodoCreated --json-names <<<"$todo\"$long\"}"
check "a 501-character title: path and rule id" \
  '[ $rc -eq 1 ] && [ "$(cat "$tmp/out")" = "line 1: title: must be at most 500 characters [string.max_len]" ]'
v --type TodoCreated <<<"$todo\"${long:1}\"}"
check "... 500 characters pass" '[ $rc -eq 0 ]'
v --type TodoCreated --format json <<<"$todo\"$long\"}"
check "... the offending value is cut" 'grep -q "\"value\":\"xxxx*\.\.\.\"" "$tmp/out"'

# One pretty-printed document.
printf '{\n  "event_type": "task.created"\n}\n' >"$tmp/pretty.json"
v --type task.created --document -i "$tmp/pretty.json"
check "--document reads a multi-line document" '[ $rc -eq 1 ] && grep -qx "user_id: value is required \[required\]" "$tmp/out"'

# Binary input, one message and a stream.
printf '%s\n' "$good" | "$evs" encode -t task.created -o "$tmp/good.bin"
printf '%s\n{}\n' "$good" | "$evs" encode --no-validate -t task.created --delimited -o "$tmp/two.bin"
v --type task.created --binary -i "$tmp/good.bin"
check "--binary: a valid message" '[ $rc -eq 0 ]'
"$evs" decode -t workflow.completed -i "$tmp/good.bin" >/dev/null 2>"$tmp/err"; rc=$?
check "decode of another type's bytes: the error, then the type they read as" \
  '[ $rc -eq 1 ] && grep -q "or the bytes are of another type" "$tmp/err" && grep -q "hint: the bytes read exactly and validly as evs.events.tasks.v1.TaskEvent$" "$tmp/err"'
v --type task.created --binary --delimited -i "$tmp/two.bin"
check "--binary --delimited: the second record is invalid" \
  '[ $rc -eq 1 ] && grep -q "^record 2 (byte [0-9]*): user_id: value is required \[required\]$" "$tmp/out"'
printf '\x0a\x05ab' >"$tmp/trunc.bin"
v --type task.created --binary -i "$tmp/trunc.bin"
check "--binary: truncated bytes are invalid" '[ $rc -eq 1 ] && grep -q "does not decode as the type.*\[truncated\]" "$tmp/out"'

# Usage errors: exit 2.
v --type no.such.type </dev/null
check "an unknown type is a usage error (exit 2)" '[ $rc -eq 2 ] && grep -q "neither an event type nor a message" "$tmp/err"'
v --type task.created --format xml </dev/null
check "a bad --format is a usage error" '[ $rc -eq 2 ]'
v </dev/null
check "no --type is a usage error" '[ $rc -eq 2 ]'
v --type task.created --document --binary </dev/null
check "--document with --binary is a usage error" '[ $rc -eq 2 ]'

# A user's schema: order_id must be a UUIDv7, a line's quantity >= 1 (proto3 optional coupon unchecked).
v --proto "$order" -I "$schemas" --type order.placed <<<'{"order_id":"018f3e5c-8a7b-7c3d-9e4f-0123456789ab","lines":[{"sku":"a","quantity":2},{"sku":"b","quantity":0},{"sku":"","quantity":1}],"coupon":""}'
check "a user's schema: the element with an empty sku fails, quantity 0 is unset" \
  '[ $rc -eq 1 ] && [ "$(cat "$tmp/out")" = "line 1: lines[2].sku: value is required [required]" ]'
v --proto "$order" -I "$schemas" --type order.placed <<<'{"order_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"}'
check "a user's schema: a UUIDv4 where v7 is required" \
  'grep -q "^line 1: order_id: must be a version 7 UUID (UUID version 4, expected version 7) \[evs.string.uuid_v7\]$" "$tmp/out"'

# encode validates by default.
printf '%s\n' '{"event_type":"task.created","task_id":1}' >"$tmp/partial.json"
"$evs" encode -t task.created -i "$tmp/partial.json" -o "$tmp/p.bin" 2>"$tmp/err"; rc=$?
check "encode refuses an event that breaks its rules" \
  '[ $rc -eq 1 ] && grep -q "^evs encode: error: .*partial.json: user_id: value is required \[required\]$" "$tmp/err" && [ ! -s "$tmp/p.bin" ]'
"$evs" encode --no-validate -t task.created -i "$tmp/partial.json" -o "$tmp/p.bin" 2>"$tmp/err"; rc=$?
check "encode --no-validate writes it" '[ $rc -eq 0 ] && [ -s "$tmp/p.bin" ]'
"$evs" decode --no-validate -t task.created </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "decode does not take --no-validate" '[ $rc -eq 2 ] && grep -q "does not apply to evs decode" "$tmp/err"'

# The seeds' sample events (the demo's CloudEvents lines): every one valid, envelope and payload; a copy of
# each with one seed rule broken fails with that rule.
seeds="$src/tests/integration/data/seed_events.jsonl"
v --events -i "$seeds"
check "--events: all $(wc -l <"$seeds") seed sample events are valid" '[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]'
while IFS='|' read -r line expr want; do
  sed -n "${line}p" "$seeds" | sed "$expr" >"$tmp/one.jsonl"
  v --events -i "$tmp/one.jsonl"
  check "seed event $line broken ($expr) fails with: $want" '[ $rc -eq 1 ] && [ "$(cat "$tmp/out")" = "line 1: $want" ]'
done <<'EOF_SEEDS'
1|s/"eventId":"123e4567-e89b-12d3-a456-426614174000",//|data.event_id: value is required [required]
2|s/"eventId":"9b2f8f1e-6a0c-4b7e-8d3a-1c2e4f5a6b7c"/"eventId":"not-a-uuid"/|data.event_id: must be a valid UUID [string.uuid]
3|s/"workflowId":"trading_analysis_workflow",//|data.workflow_id: value is required [required]
4|s/"eventType":"workflow.failed"/"eventType":"workflow.done"/|data.event_type: must be in list [workflow.triggered, workflow.completed, workflow.failed] [string.in]
5|s/"title":"Buy groceries"/"title":""/|data.task_data.title: value is required [required]
6|s/"correlationId":"550e8400-e29b-41d4-a716-446655440000"/"correlationId":"550e8400"/|data.correlation_id: must be a valid UUID [string.uuid]
7|s/"title":"Submit project report",//|data.title: value is required [required]
8|s/"eventType":"reminder.due"/"eventType":"reminder.late"/|data.event_type: must be in list [reminder.scheduled, reminder.due, reminder.cancelled] [string.in]
9|s/"taskId":"123"/"taskId":"0"/|data.task_id: value is required [required]
10|s/"userId":"user-456"/"userId":""/|data.user_id: value is required [required]
11|s/"eventVersion":"1.0"/"eventVersion":"v1"/|data.event_version: does not match regex pattern `^[0-9]+\.[0-9]+$` [string.pattern]
12|s/"priority":"high"/"priority":"critical"/|data.priority: must be in list [low, medium, high, urgent] [string.in]
13|s/"timeToComplete":"3600"/"timeToComplete":"-1"/|data.time_to_complete: must be greater than or equal to 0 [int64.gte]
15|s/"workflowVersion":"1.2.0"/"workflowVersion":""/|data.metadata.workflow_version: value is required [required]
EOF_SEEDS
# The envelope: a UUIDv4 id and a time finer than a millisecond break evs.v1.Envelope's rules.
sed -n 1p "$seeds" | sed 's/"id":"0190b0a0-0001-7000-8000-000000000001"/"id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"/; s/"time":"2025-03-01T09:01:00.000Z"/"time":"2025-03-01T09:01:00.0001Z"/' >"$tmp/env.jsonl"
v --events -i "$tmp/env.jsonl"
check "--events: envelope violations name the attribute and rule" \
  '[ $rc -eq 1 ] && grep -qx "line 1: id: must be a version 7 UUID (UUID version 4, expected version 7) \[evs.string.uuid_v7\]" "$tmp/out" && grep -qx "line 1: time: must have at most millisecond precision \[evs.timestamp.precision\]" "$tmp/out"'
v --events --type task.created </dev/null
check "--events with --type is a usage error" '[ $rc -eq 2 ]'

check "validate --help" '"$evs" validate --help | grep -q "usage: evs validate"'

echo "$((n - fail)) of $n checks passed"
[ "$fail" -eq 0 ]
