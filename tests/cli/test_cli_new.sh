#!/usr/bin/env bash
# evs new with seed 003's four /gen.event-schema examples: each is written (the first creates a file, the
# others append to it), compiles with protoc and protoc-c (and the C with cc), loads into evs (describe),
# round-trips a sample through encode/decode with its rules in force, and `evs breaking` finds the catalog
# plus the new file safe against the catalog (and does find a changed field type). Appending to a copy of a
# real catalog file (imports and topic taken from it). Every type of the grammar. The refusals: an existing
# event type or message, unknown types, malformed lists, duplicate names, bad identifiers, each naming the
# field by position, and nothing written.
# usage: test_cli_new.sh EVS SOURCE_DIR   (env: EVS_PROTOC, EVS_PROTOC_GEN_C)
set -uo pipefail
evs="$1"; src="$2"
protoc="${EVS_PROTOC:-protoc}"
gen_c="${EVS_PROTOC_GEN_C:-$(command -v protoc-gen-c || command -v protoc-c)}"
command -v "$protoc" >/dev/null && [ -n "$gen_c" ] || { echo "SKIP: protoc or protoc-c missing"; exit 77; }
fail=0; n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp/t"; mkdir "$TMPDIR"
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
cp -r "$src/proto" "$tmp/cat"
new="$tmp/new"; f="$new/seed/v1/seed_events.proto"

# ---- seed 003's examples, into one new file of package seed.v1 (the catalog has these names: --no-builtin)
"$evs" new TodoCreated "id (UUID), title (str), description (str?), user_id (UUID), created_at (datetime)" \
  --package seed.v1 --topic todos --file "$f" --no-builtin 2> "$tmp/e1"; rc=$?
check "TodoCreated: a new file" "[ $rc -eq 0 ] && grep -q 'wrote seed.v1.TodoCreated (event type TodoCreated, topic todos, key id' '$tmp/e1'"
"$evs" new TodoCompleted "id (UUID), completed_by (UUID), completed_at (datetime)" --file "$f" --no-builtin 2> "$tmp/e2"; rc=$?
check "TodoCompleted: appended, package and topic from the file" \
  "[ $rc -eq 0 ] && grep -q 'appended seed.v1.TodoCompleted (event type TodoCompleted, topic todos, key id' '$tmp/e2'"
"$evs" new TodoUpdated "id (UUID), title (str?), description (str?), updated_at (datetime)" --file "$f" --no-builtin 2>/dev/null; rc=$?
check "TodoUpdated: appended" "[ $rc -eq 0 ]"
"$evs" new ReminderTriggered "todo_id (UUID), reminder_type (str), triggered_at (datetime)" --file "$f" \
  --topic reminders --no-builtin 2> "$tmp/e4"; rc=$?
check "ReminderTriggered: appended, its own topic, key = the first UUID field" \
  "[ $rc -eq 0 ] && grep -q 'topic reminders, key todo_id' '$tmp/e4'"
check "the file: one import each, the options, the rules, the presence oneofs, a comment on every field" \
  "[ \$(grep -c '^import \"google/protobuf/timestamp.proto\";' '$f') -eq 1 ] &&
   grep -q '^    types: \[ \"ReminderTriggered\" \]' '$f' && grep -q '^    schema_version: \"1.0\"' '$f' &&
   grep -q '^  string title = 2 \[(evs.v1.field) = { required: true }\];' '$f' &&
   grep -q '^  string user_id = 4 \[(evs.v1.field) = { required: true, uuid: UUID_KIND_ANY }\];' '$f' &&
   grep -q '^  oneof _description {' '$f' && grep -q '^    string description = 3;' '$f' &&
   grep -q '^  google.protobuf.Timestamp created_at = 5 \[(evs.v1.field) = { required: true }\];' '$f' &&
   [ \$(grep -c '^ *// ' '$f') -ge \$(grep -c ' = [0-9]*[ ;]' '$f') ]"

# protoc, protoc-c, cc
mkdir -p "$tmp/c"
"$protoc" -I "$new" -I "$tmp/cat" --plugin=protoc-gen-c="$gen_c" --c_out="$tmp/c" \
  seed/v1/seed_events.proto evs/v1/options.proto google/protobuf/timestamp.proto google/protobuf/descriptor.proto google/protobuf/duration.proto \
  google/protobuf/struct.proto 2> "$tmp/protoc.err"; rc=$?
check "protoc + protoc-c compile the file" "[ $rc -eq 0 ] && [ -s '$tmp/c/seed/v1/seed_events.pb-c.c' ]"
[ $rc -eq 0 ] || cat "$tmp/protoc.err"
check "cc compiles protoc-c's code" "cc -std=c11 -fsyntax-only -I '$tmp/c' '$tmp/c/seed/v1/seed_events.pb-c.c' 2> '$tmp/cc.err'"

s=(--no-builtin --proto "$f" -I "$new" -I "$tmp/cat")
"$evs" describe "${s[@]}" TodoUpdated > "$tmp/d.txt" 2>&1; rc=$?
check "describe shows the event, its options, rules and presence" \
  "[ $rc -eq 0 ] && grep -q '^event type TodoUpdated (schema version 1.0)' '$tmp/d.txt' &&
   grep -q 'topic: todos   key: id   schema version: 1.0' '$tmp/d.txt' &&
   grep -q 'id: string  \[required, uuid any\]' '$tmp/d.txt' && grep -q 'title: string  (oneof _title)' '$tmp/d.txt'"

roundtrip() { # TYPE JSON EXPECTED
  local out
  out=$(printf '%s\n' "$2" | "$evs" encode "${s[@]}" --type "$1" | "$evs" decode "${s[@]}" --type "$1")
  [ "$out" = "$3" ] || { echo "  $1: got $out"; return 1; }
}
u1=0190a0b1-0000-7000-8000-000000000001; u2=0190a0b1-0000-7000-8000-000000000002
check "TodoCreated round-trips (proto names in, JSON names out, optional left out)" \
  "roundtrip TodoCreated '{\"id\":\"$u1\",\"title\":\"Buy milk\",\"description\":null,\"user_id\":\"$u2\",\"created_at\":\"2025-01-27T10:00:00Z\"}' \
   '{\"id\":\"$u1\",\"title\":\"Buy milk\",\"userId\":\"$u2\",\"createdAt\":\"2025-01-27T10:00:00Z\"}'"
check "TodoCompleted round-trips" \
  "roundtrip TodoCompleted '{\"id\":\"$u1\",\"completedBy\":\"$u2\",\"completedAt\":\"2025-01-27T10:00:00.123Z\"}' \
   '{\"id\":\"$u1\",\"completedBy\":\"$u2\",\"completedAt\":\"2025-01-27T10:00:00.123Z\"}'"
check "TodoUpdated round-trips (an empty optional title is kept: presence)" \
  "roundtrip TodoUpdated '{\"id\":\"$u1\",\"title\":\"\",\"updated_at\":\"2025-01-27T10:00:00Z\"}' \
   '{\"id\":\"$u1\",\"title\":\"\",\"updatedAt\":\"2025-01-27T10:00:00Z\"}'"
check "ReminderTriggered round-trips" \
  "roundtrip ReminderTriggered '{\"todo_id\":\"$u1\",\"reminder_type\":\"push\",\"triggered_at\":\"2025-01-27T10:00:00Z\"}' \
   '{\"todoId\":\"$u1\",\"reminderType\":\"push\",\"triggeredAt\":\"2025-01-27T10:00:00Z\"}'"
printf '{"id":"%s","title":"","user_id":"not-a-uuid"}\n' "$u1" | "$evs" encode "${s[@]}" --type TodoCreated > /dev/null 2> "$tmp/v.err"; rc=$?
check "the rules are in force: empty required title, bad UUID, missing datetime" \
  "[ $rc -eq 1 ] && grep -q 'title: value is required \[required\]' '$tmp/v.err' &&
   grep -q 'user_id: must be a valid UUID \[string.uuid\]' '$tmp/v.err' && grep -q 'created_at: value is required' '$tmp/v.err'"

# evs breaking: the catalog plus the new file against the catalog
cp -r "$tmp/cat" "$tmp/newcat" && cp -r "$new/seed" "$tmp/newcat/"
"$evs" breaking "$tmp/newcat" --against "$tmp/cat" > "$tmp/b.txt" 2>&1; rc=$?
check "evs breaking: the new file is safe against the catalog without it" "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || cat "$tmp/b.txt"
cp -r "$tmp/newcat" "$tmp/badcat"
sed -i 's/string reminder_type = 2/int64 reminder_type = 2/' "$tmp/badcat/seed/v1/seed_events.proto"
"$evs" breaking "$tmp/badcat" --against "$tmp/newcat" > "$tmp/b2.txt" 2>&1; rc=$?
check "evs breaking does see a changed type in the generated file" \
  "[ $rc -eq 1 ] && grep -q 'reminder_type.*changed type from string to int64' '$tmp/b2.txt'"

# ---- appending to (a copy of) a real catalog file: the package's file for the name's first word
cp -r "$tmp/cat" "$tmp/cat2"
rem="$tmp/cat2/events/todo/v1/reminder_events.proto"
"$evs" new ReminderEscalated "reminder_id (UUID), level (int), note (str?)" --package evs.events.todo.v1 \
  -I "$tmp/cat2" 2> "$tmp/e5"; rc=$?
check "a new name in the catalog's package goes to reminder_events.proto, topic reminders, key reminder_id" \
  "[ $rc -eq 0 ] && grep -q 'appended evs.events.todo.v1.ReminderEscalated (event type ReminderEscalated, topic reminders, key reminder_id, schema version 1.0) to $rem' '$tmp/e5'"
check "the rest of reminder_events.proto is unchanged (imports already there)" \
  "diff <(head -n \$(wc -l < '$tmp/cat/events/todo/v1/reminder_events.proto') '$rem') '$tmp/cat/events/todo/v1/reminder_events.proto' >/dev/null"
check "the level int gets no required rule (proto3 cannot tell 0 from unset)" "grep -q '^  int64 level = 2;' '$rem'"
"$evs" breaking "$tmp/cat2" --against "$tmp/cat" > "$tmp/b3.txt" 2>&1; rc=$?
check "evs breaking: the catalog with the appended message is safe" "[ $rc -eq 0 ]"

# ---- every type of the grammar
all="a (UUID), b (str), c (int), d (float), e (bool), f (datetime), g (Any), h (list[UUID]), i (dict[str, int]), j (list[Any]), k (dict[str, Any]), l (int?), m (datetime?), n_n (bool?), o (dict[str, UUID]), p (list[datetime]), q (Any?)"
"$evs" new AllTypes "$all" --package types.v1 --topic t --file "$tmp/tp/types/v1/types.proto" --no-builtin 2>/dev/null; rc=$?
check "every type: written" "[ $rc -eq 0 ]"
tf="$tmp/tp/types/v1/types.proto"
check "every type: the proto types" \
  "grep -q '^  int64 c = 3;' '$tf' && grep -q '^  double d = 4;' '$tf' && grep -q '^  bool e = 5;' '$tf' &&
   grep -q '^  google.protobuf.Value g = 7 \[(evs.v1.field) = { required: true }\];' '$tf' &&
   grep -q '^  repeated string h = 8 \[(evs.v1.field) = { uuid: UUID_KIND_ANY }\];' '$tf' &&
   grep -q '^  map<string, int64> i = 9;' '$tf' && grep -q '^  google.protobuf.ListValue j = 10;' '$tf' &&
   grep -q '^  google.protobuf.Struct k = 11;' '$tf' && grep -q '^    int64 l = 12;' '$tf' &&
   grep -q '^  google.protobuf.Timestamp m = 13;' '$tf' && grep -q '^  oneof _n_n {' '$tf' &&
   grep -q '^  map<string, string> o = 15 \[(evs.v1.field) = { values: { uuid: UUID_KIND_ANY } }\];' '$tf' &&
   grep -q '^  repeated google.protobuf.Timestamp p = 16;' '$tf' && grep -q '^  google.protobuf.Value q = 17;' '$tf' &&
   grep -q '^import \"google/protobuf/struct.proto\";' '$tf'"
"$protoc" -I "$tmp/tp" -I "$tmp/cat" --plugin=protoc-gen-c="$gen_c" --c_out="$tmp/c" types/v1/types.proto 2>/dev/null; rc=$?
check "every type: protoc + protoc-c compile it" "[ $rc -eq 0 ]"
s=(--no-builtin --proto "$tf" -I "$tmp/tp" -I "$tmp/cat")
check "every type: a document round-trips" \
  "roundtrip AllTypes '{\"a\":\"$u1\",\"b\":\"x\",\"c\":\"-5\",\"d\":1.5,\"e\":true,\"f\":\"2025-01-27T10:00:00Z\",\"g\":{\"k\":[1,null]},\"h\":[\"$u2\"],\"i\":{\"z\":\"3\"},\"j\":[1,\"a\",null],\"k\":{\"x\":{}},\"l\":0,\"nN\":false,\"o\":{\"u\":\"$u1\"},\"p\":[\"2025-01-27T10:00:00Z\"]}' \
   '{\"a\":\"$u1\",\"b\":\"x\",\"c\":\"-5\",\"d\":1.5,\"e\":true,\"f\":\"2025-01-27T10:00:00Z\",\"g\":{\"k\":[1,null]},\"h\":[\"$u2\"],\"i\":{\"z\":\"3\"},\"j\":[1,\"a\",null],\"k\":{\"x\":{}},\"l\":\"0\",\"nN\":false,\"o\":{\"u\":\"$u1\"},\"p\":[\"2025-01-27T10:00:00Z\"]}'"

# ---- refusals: exit status, message, nothing written
sum_before=$(cksum < "$f")
refuse() { # WANT_RC PATTERN ARGS... : evs new ARGS exits WANT_RC, stderr matches PATTERN, the seed file is unchanged
  local want=$1 pat=$2; shift 2
  "$evs" new "$@" > "$tmp/r.out" 2> "$tmp/r.err"; local rc=$?
  [ $rc -eq "$want" ] && grep -q -e "$pat" "$tmp/r.err" && [ ! -s "$tmp/r.out" ] && [ "$(cksum < "$f")" = "$sum_before" ] ||
    { echo "  rc=$rc: $(cat "$tmp/r.err")"; return 1; }
}
check "an event type of the builtin catalog" \
  "refuse 1 'event type TodoCreated already exists: message evs.events.todo.v' TodoCreated 'id (UUID)' --package evs.events.todo.v1 -I '$tmp/cat2' --dry-run"
check "an event type of the catalog, in another package too" \
  "refuse 1 'event type ReminderTriggered already exists' ReminderTriggered 'id (UUID)' --package acme.v1 --topic x --file '$tmp/x.proto'"
check "a message of the file" "refuse 1 'message TodoCompleted already exists in' TodoCompleted 'id (UUID)' --file '$f' --no-builtin"
check "a message of a --proto schema" \
  "refuse 1 'event type TodoUpdated already exists: message seed.v1.TodoUpdated' TodoUpdated 'id (UUID)' --package p.v1 --topic x --file '$tmp/y.proto' ${s[*]:0:1} --proto '$f' -I '$new' -I '$tmp/cat'"
check "an unknown type, listing the valid ones" \
  "refuse 2 \"field 2 (title (string)): unknown type 'string'; valid types: UUID, str, int, float, bool, datetime, Any, list\[T\], dict\[str, T\]\" X 'id (UUID), title (string)' --file '$f' --no-builtin"
check "a type in the wrong case" "refuse 2 \"field 1 (id (uuid)): unknown type 'uuid' (did you mean UUID?)\" X 'id (uuid)' --file '$f' --no-builtin"
check "no parentheses" "refuse 2 'field 2 (title str): a field is written name (type)' X 'id (UUID), title str' --file '$f' --no-builtin"
check "an empty entry" "refuse 2 'field 2 is empty' X 'id (UUID),, title (str)' --file '$f' --no-builtin"
check "a trailing comma" "refuse 2 'field 3 is empty' X 'id (UUID), title (str),' --file '$f' --no-builtin"
check "unbalanced brackets" "refuse 2 'field 2 (title (str): unbalanced brackets' X 'id (UUID), title (str' --file '$f' --no-builtin"
check "an empty list" "refuse 2 'field 1 is empty' X '' --file '$f' --no-builtin"
check "a duplicate field name" "refuse 2 'field 3 (id (str)): the name id is taken by field 1' X 'id (UUID), a (int), id (str)' --file '$f' --no-builtin"
check "a JSON name clash" "refuse 2 'field 2 (userId (str)): its JSON name userId is also field 1' X 'user_id (UUID), userId (str)' --file '$f' --no-builtin"
check "a field name that is no identifier" "refuse 2 \"field 1 (user-id (str)): 'user-id' is not a valid field name\" X 'user-id (str)' --file '$f' --no-builtin"
check "a field name starting with a digit" "refuse 2 \"field 2 (1st (str)): '1st' is not a valid field name\" X 'a (str), 1st (str)' --file '$f' --no-builtin"
check "a C keyword" "refuse 2 \"field 1 (default (str)): 'default' is a C keyword\" X 'default (str)' --file '$f' --no-builtin"
check "a dict key that is not str" "refuse 2 'field 1 (m (dict\[int, str\])): dict keys must be str' X 'm (dict[int, str])' --file '$f' --no-builtin"
check "a nested list" "refuse 2 'field 1 (m (list\[list\[str\]\])): the element type of a list or dict' X 'm (list[list[str]])' --file '$f' --no-builtin"
check "an optional element" "refuse 2 'field 1 (m (list\[str?\])): the element type' X 'm (list[str?])' --file '$f' --no-builtin"
check "a message name that is no identifier" "refuse 2 \"'Todo Created' is not a valid message name\" 'Todo Created' 'id (UUID)' --file '$f' --no-builtin"
check "a lower-case message name" "refuse 2 \"'todoCreated' is not a valid message name\" todoCreated 'id (UUID)' --file '$f' --no-builtin"
check "--key naming a list" "refuse 2 '--key tags: field 2 is a list of str' X 'id (UUID), tags (list[str])' --key tags --file '$f' --no-builtin"
check "--key naming no field" "refuse 2 '--key nope: no such field' X 'id (UUID)' --key nope --file '$f' --no-builtin"
check "a new file without --topic" "refuse 2 'give --topic' X 'id (UUID)' --package p.v1 --file '$tmp/z.proto' --no-builtin"
check "a new file without --package" "refuse 2 'give --package for the new file' X 'id (UUID)' --file '$tmp/z.proto' --no-builtin"
check "--package other than the file's" "refuse 1 \"is package 'seed.v1', not other.v1\" X 'id (UUID)' --package other.v1 --file '$f' --no-builtin"
printf 'syntax = "proto2";\npackage p2.v1;\n' > "$tmp/p2.proto"
check "a proto2 file" "refuse 1 'p2.proto is not a proto3 file' X 'id (UUID)' --topic t --file '$tmp/p2.proto' --no-builtin"
check "a bad topic" "refuse 2 '--topic a/b: not a valid Kafka topic' X 'id (UUID)' --topic a/b --file '$f' --no-builtin"
check "a missing field list" "refuse 2 'give the message name and the field list' X --file '$f' --no-builtin"
check "nothing was created by a refused run" "[ ! -e '$tmp/x.proto' ] && [ ! -e '$tmp/y.proto' ] && [ ! -e '$tmp/z.proto' ]"

# ---- --dry-run prints the whole file and writes nothing
"$evs" new Extra "id (UUID)" --file "$f" --topic extras --no-builtin --dry-run > "$tmp/dry.proto" 2> "$tmp/dry.err"; rc=$?
check "--dry-run: the file with the message appended on stdout, the file unchanged" \
  "[ $rc -eq 0 ] && [ \"\$(cksum < '$f')\" = '$sum_before' ] && head -n \$(wc -l < '$f') '$tmp/dry.proto' | cmp -s - '$f' &&
   grep -q '^message Extra {' '$tmp/dry.proto' && grep -q 'would rewrite $f with message seed.v1.Extra' '$tmp/dry.err'"

echo "$((n - fail)) of $n checks passed"
[ $fail -eq 0 ]
