#!/usr/bin/env bash
# evs asyncapi against the official AsyncAPI parser (@asyncapi/parser, tests/oracles/package.json): the
# builtin catalog's document parses without an error-level diagnostic and says what the catalog says (one
# channel per topic, one message per event type and version, payload fields, headers, keys); the output is
# deterministic; a broken copy is refused by the same check (so the check can fail); a user schema with an
# event without a topic; usage errors. Skipped (77) without node or when npm cannot install the parser.
# usage: test_asyncapi.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
oracles="$src/tests/oracles"
check_js="$oracles/asyncapi_check.mjs"
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
if [ ! -d "$oracles/node_modules/@asyncapi/parser" ]; then
  (cd "$oracles" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    { echo "SKIP: npm ci in $oracles failed (offline?)"; exit 77; }
fi
fail=0; n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# js FILE BODY: true when the function body (d = the parsed JSON file, same(a, b) = equal as JSON) returns true
js() {
  node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    process.exit(new Function("d", "same", process.argv[2])(d, same) ? 0 : 1)' "$1" "$2"
}
# jsmod IN OUT STATEMENT: OUT is IN after the statement (on d)
jsmod() {
  node -e 'const fs = require("fs"); const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    new Function("d", process.argv[3])(d); fs.writeFileSync(process.argv[2], JSON.stringify(d))' "$1" "$2" "$3"
}

# ---- the builtin catalog
"$evs" asyncapi -o "$tmp/doc.json" 2> "$tmp/err.txt"; rc=$?
check "asyncapi exits 0 and prints nothing on stderr" '[ $rc -eq 0 ] && [ ! -s "$tmp/err.txt" ]'
node "$check_js" "$tmp/doc.json" > "$tmp/check.txt" 2>&1; rc=$?
check "the parser finds no error (diagnostics: $(grep -c '^0 ' "$tmp/check.txt") errors)" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || head -20 "$tmp/check.txt"
"$evs" asyncapi > "$tmp/doc2.json"
check "stdout and -o give the same document, byte for byte, run after run" 'cmp -s "$tmp/doc.json" "$tmp/doc2.json"'

"$evs" list > "$tmp/list.txt"
topics=$(awk 'NR > 1 && NF == 5 { print $4 }' "$tmp/list.txt" | sort -u | wc -l)
types=$(awk 'NR > 1 && NF == 5' "$tmp/list.txt" | wc -l)
check "one channel and one send operation per topic ($topics), one message per type and version ($types)" \
  "grep -q '^{\"channels\":$topics,\"operations\":$topics,\"messages\":$types}\$' '$tmp/check.txt'"
msg() { grep "^{\"message\":\"$1\"" "$tmp/check.txt"; }
check "TodoCreated 1.0 is on todos with its payload fields, the ce_* headers required and a key" \
  "msg TodoCreated-v1.0 | grep -q '\"channel\":\"todos\"' &&
   msg TodoCreated-v1.0 | grep -q '\"payload_properties\":\[\"eventId\",\"event_id\",.*\"todoId\",\"todo_id\",.*\"title\"' &&
   msg TodoCreated-v1.0 | grep -q '\"headers_required\":\[\"ce_specversion\",\"ce_id\",\"ce_source\",\"ce_type\"\]' &&
   msg TodoCreated-v1.0 | grep -q '\"key\":true'"
check "TodoCreated 2.0 is a message of its own, with the field 2.0 adds" \
  "msg TodoCreated-v2.0 | grep -q '\"name\":\"TodoCreated\".*\"tags\"' && ! msg TodoCreated-v1.0 | grep -q '\"tags\"'"
check "a dotted event type of a multi-type message" \
  "msg WORKFLOW.COMPLETED-v1.0 | grep -q '\"channel\":\"domain-events\"'"
check "document facts: version, channel address, bindings, headers const, key description, schema refs" \
  "js '$tmp/doc.json' '
   const m = d.components.messages[\"TodoCreated-v2.0\"], s = d.components.schemas[\"evs.events.todo.v1.TodoCreated\"];
   const objs = [], walk = (n) => { if (n && typeof n === \"object\") { objs.push(n); Object.values(n).forEach(walk); } };
   walk(d);
   return d.asyncapi === \"3.0.0\" && d.channels.todos.address === \"todos\"
     && same(d.channels.todos.bindings.kafka, {topic: \"todos\", bindingVersion: \"0.5.0\"})
     && d.operations[\"send.todos\"].action === \"send\"
     && d.operations[\"send.todos\"].messages.length === Object.keys(d.channels.todos.messages).length
     && m.headers.properties.ce_type.const === \"TodoCreated\" && m.headers.properties.ce_schemaversion.const === \"2.0\"
     && m[\"x-evs-schema-version\"] === \"2.0\" && m.contentType === \"application/protobuf\"
     && /todo_id/.test(m.bindings.kafka.key.description) && m.bindings.kafka.bindingVersion === \"0.5.0\"
     && same(m.payload, {\$ref: \"#/components/schemas/evs.events.todo.v2.TodoCreated\"})
     && s.properties.todoId.description === \"ID of the created todo.\"
     && JSON.stringify(s.properties.todoId).includes(\"[0-9a-fA-F]{12}\")
     && !objs.some((o) => !Array.isArray(o) && \"\$ref\" in o && Object.keys(o).length > 1)
     && !objs.some((o) => typeof o.\$ref === \"string\" && o.\$ref.startsWith(\"#/\$defs\"))'"

# the check can fail: a channel naming a message that does not exist, and a payload that is no schema
sed 's|"#/components/messages/TodoDeleted-v1.0"|"#/components/messages/NoSuchMessage"|' "$tmp/doc.json" > "$tmp/bad1.json"
check "a broken reference is an error for the parser" '! node "$check_js" "$tmp/bad1.json" > "$tmp/bad1.txt" 2>&1'
jsmod "$tmp/doc.json" "$tmp/bad2.json" \
  'd.operations["send.todos"].messages[0] = {$ref: "#/channels/audit/messages/AuditLogin-v1.0"}'
check "an operation sending another channel's message is an error for the parser" \
  '! node "$check_js" "$tmp/bad2.json" > "$tmp/bad2.txt" 2>&1'
jsmod "$tmp/doc.json" "$tmp/bad3.json" 'd.components.schemas["evs.events.todo.v1.TodoDeleted"].required = "todo_id"'
check "a payload schema that is no schema is an error for the parser" \
  '! node "$check_js" "$tmp/bad3.json" > "$tmp/bad3.txt" 2>&1'

# ---- --canonical, --compact, --title, --doc-version
"$evs" asyncapi --canonical --compact --title "Acme events" --doc-version 2.3.4 > "$tmp/c.json"; rc=$?
check "--canonical --compact: one line, the title and version given, camel names only" \
  "[ $rc -eq 0 ] && [ \$(wc -l < '$tmp/c.json') -eq 1 ] &&
   js '$tmp/c.json' 'return d.info.title === \"Acme events\" && d.info.version === \"2.3.4\"
     && !(\"todo_id\" in d.components.schemas[\"evs.events.todo.v1.TodoCreated\"].properties)'"
check "the canonical document parses too" 'node "$check_js" "$tmp/c.json" > "$tmp/c.txt" 2>&1'

# ---- a user's schema: an event without a topic is named, not dropped silently
mkdir -p "$tmp/p/acme/v1"
cat > "$tmp/p/acme/v1/things.proto" <<'PROTO'
syntax = "proto3";
package acme.v1;
import "evs/v1/options.proto";
// A thing was made.
message ThingMade {
  option (evs.v1.event) = { types: [ "thing.made" ] topic: "things" partition_key: "id" schema_version: "3.1" };
  // The thing's id.
  string id = 1 [(evs.v1.field) = { required: true, uuid: UUID_KIND_ANY }];
}
// A thing was lost (no topic).
message ThingLost {
  option (evs.v1.event) = { types: [ "thing.lost" ] };
  string id = 1;
}
PROTO
"$evs" asyncapi --proto "$tmp/p/acme/v1/things.proto" -I "$tmp/p" -o "$tmp/u.json" 2> "$tmp/u.err"; rc=$?
check "a user schema: exit 0, the type without a topic reported on stderr" \
  "[ $rc -eq 0 ] && grep -q '1 event type without a topic left out' '$tmp/u.err'"
check "a user schema: its channel, the message with its summary, x-evs-without-topic" \
  "js '$tmp/u.json' 'return d.channels.things.address === \"things\"
     && d.components.messages[\"thing.made-v3.1\"].summary === \"A thing was made.\"
     && same(d[\"x-evs-without-topic\"], [\"thing.lost\"])'"
check "a user schema: the parser finds no error" 'node "$check_js" "$tmp/u.json" > "$tmp/u.txt" 2>&1'

# ---- usage and output errors
"$evs" asyncapi extra > /dev/null 2>&1; rc=$?
check "an unexpected argument is a usage error (2)" '[ $rc -eq 2 ]'
"$evs" asyncapi --title "" > /dev/null 2>&1; rc=$?
check "an empty --title is a usage error (2)" '[ $rc -eq 2 ]'
"$evs" asyncapi -o "$tmp/no/such/dir/doc.json" 2> "$tmp/o.err"; rc=$?
check "an output that cannot be created fails (1) and says why" "[ $rc -eq 1 ] && grep -q 'cannot create' '$tmp/o.err'"

echo "$((n - fail)) of $n checks passed"
[ $fail -eq 0 ]
