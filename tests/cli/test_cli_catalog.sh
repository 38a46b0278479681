#!/usr/bin/env bash
# evs list / describe / uuid against the builtin catalog: every seed family is there, JSON output parses,
# unknown names fail with a suggestion, bad descriptor sets fail with the file named.
set -uo pipefail
evs="$1"; src="$2"
fail=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }

"$evs" list > "$tmp/list.txt"; rc=$?
check "list exits 0" '[ $rc -eq 0 ]'
count=$(grep -c -E '^[A-Za-z]' "$tmp/list.txt")
check "list shows dozens of types (got $((count - 1)))" '[ $((count - 1)) -ge 60 ]'
for t in workflow.triggered workflow.completed workflow.failed task.created task.deleted reminder.scheduled \
         reminder.due task.sync task.reminder TodoCreated TodoPrioritized ReminderSnoozed UserLogin \
         ProductivityMetric EmailNotificationSent AuditPermissionsChanged ISSUE.ASSIGNED.SUCCESS \
         CODE.MERGED.SUCCESS WORKFLOW.STEP_COMPLETED GATE.SECURITY.SCAN.STARTED PLUGIN.DEBUG_SNAPSHOT.SUCCESS \
         PROVIDER.QUOTA.EXCEEDED PLATFORM.RATE_LIMITED; do
  check "list has $t" "grep -q -E '^$t +' '$tmp/list.txt'"
done
check "TodoCreated listed at 1.0 and 2.0" \
  "grep -q -E '^TodoCreated +1.0 +evs.events.todo.v1.TodoCreated ' '$tmp/list.txt' && grep -q -E '^TodoCreated +2.0 +evs.events.todo.v2.TodoCreated ' '$tmp/list.txt'"
check "task.created goes to task-events keyed by user_id" \
  "grep -q -E '^task.created +1.0 +evs.events.tasks.v1.TaskEvent +task-events +user_id$' '$tmp/list.txt'"

"$evs" list --json > "$tmp/list.json"; rc=$?
check "list --json exits 0" '[ $rc -eq 0 ]'
if command -v node >/dev/null; then
  check "list --json is a JSON array with one object per type" \
    "node -e 'const a=JSON.parse(require(\"fs\").readFileSync(process.argv[1],\"utf8\")); if(a.length!==$((count - 1))||!a.every(o=>o.type&&o.message))process.exit(1)' '$tmp/list.json'"
fi

"$evs" describe task.created > "$tmp/d.txt"; rc=$?
check "describe task.created exits 0" '[ $rc -eq 0 ]'
check "describe shows the message, its location and a field with rules" \
  "grep -q '^message evs.events.tasks.v1.TaskEvent' '$tmp/d.txt' && grep -q 'defined at events/tasks/v1/task_events.proto:[0-9]*:1' '$tmp/d.txt' && grep -q 'user_id: string.*required' '$tmp/d.txt'"
check "describe follows referenced messages" "grep -q '^message evs.events.tasks.v1.TaskEventData' '$tmp/d.txt'"
"$evs" describe evs.v1.Envelope > "$tmp/e.txt"; rc=$?
check "describe by full message name" '[ $rc -eq 0 ] && grep -q "tags: map<string, string>" "$tmp/e.txt"'
"$evs" describe TASK.CREATED >/dev/null 2> "$tmp/err.txt"; rc=$?
check "unknown type exits 1 with a suggestion" "[ $rc -eq 1 ] && grep -q \"did you mean 'task.created'\" '$tmp/err.txt'"
"$evs" describe >/dev/null 2>&1; rc=$?
check "describe without a name is a usage error" '[ $rc -eq 2 ]'

printf 'xx' > "$tmp/tiny.binpb"   # parses as protobuf (one unknown varint field), but is no descriptor set
"$evs" list --descriptor-set "$tmp/tiny.binpb" >/dev/null 2> "$tmp/err.txt"; rc=$?
check "garbage that parses as protobuf is still rejected" "[ $rc -eq 1 ] && grep -q 'not a FileDescriptorSet' '$tmp/err.txt'"
: > "$tmp/empty.binpb"
"$evs" list --descriptor-set "$tmp/empty.binpb" >/dev/null 2> "$tmp/err.txt"; rc=$?
check "an empty file is rejected" "[ $rc -eq 1 ] && grep -q 'contains no files' '$tmp/err.txt'"
printf 'not a descriptor set' > "$tmp/bad.binpb"
"$evs" list --descriptor-set "$tmp/bad.binpb" >/dev/null 2> "$tmp/err.txt"; rc=$?
check "bad descriptor set exits 1 naming the file" "[ $rc -eq 1 ] && grep -q 'bad.binpb' '$tmp/err.txt'"
"$evs" list --descriptor-set "$tmp/missing.binpb" >/dev/null 2> "$tmp/err.txt"; rc=$?
check "missing descriptor set exits 1" "[ $rc -eq 1 ] && grep -q 'missing.binpb' '$tmp/err.txt'"
protoc -I "$src/tests/external/proto" -I "$src/proto" --include_imports --include_source_info \
  -o "$tmp/acme.binpb" acme/orders/v1/order_placed.proto
"$evs" list --descriptor-set "$tmp/acme.binpb" > "$tmp/l2.txt"; rc=$?
check "a user descriptor set adds its event types" \
  "[ $rc -eq 0 ] && grep -q -E '^acme.order.placed +1.0 +acme.orders.v1.OrderPlaced +orders +order_id$' '$tmp/l2.txt'"

"$evs" uuid -n 1000 > "$tmp/u.txt"; rc=$?
check "uuid -n 1000 prints 1000 sorted unique v7 ids" \
  "[ $rc -eq 0 ] && [ \$(sort -u '$tmp/u.txt' | wc -l) -eq 1000 ] && sort -c '$tmp/u.txt' && ! grep -v -q -E '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' '$tmp/u.txt'"
"$evs" uuid -n 0 >/dev/null 2>&1; rc=$?
check "uuid -n 0 is a usage error" '[ $rc -eq 2 ]'
"$evs" uuid --check --version 7 550e8400-e29b-41d4-a716-446655440000 >/dev/null 2> "$tmp/err.txt"; rc=$?
check "a v4 where v7 is required fails" "[ $rc -eq 1 ] && grep -q 'version 4, expected version 7' '$tmp/err.txt'"
"$evs" uuid --check "$(head -1 "$tmp/u.txt")" >/dev/null; rc=$?
check "a generated id checks ok" '[ $rc -eq 0 ]'

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
