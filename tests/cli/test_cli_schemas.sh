#!/usr/bin/env bash
# A user's own schema, one evs was never built with (tests/cli/schemas/acme/orders/v1/order.proto: an event
# with a nested type, a map, a oneof, an enum, a proto3 optional field and evs options), given to evs as
# --proto/-I and as a descriptor set from protoc: list and describe show it; identical copies of builtin
# files combine; a redefinition of a builtin file or type is an error naming both definitions, and
# --no-builtin leaves the builtin catalog out; a .proto given as a set and a set given as a .proto say which
# is which; protoc's diagnostics reach the user in full; produce and consume take the same options.
# usage: test_cli_schemas.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
schemas="$src/tests/cli/schemas"
order="$schemas/acme/orders/v1/order.proto"
fail=0; n=0
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
protoc="${EVS_PROTOC:-protoc}"
# Every temporary of evs (protoc's output) must be gone after each run.
export TMPDIR="$tmp/t"; mkdir "$TMPDIR"

# ---- the user's .proto through protoc, imports of evs/v1 and google/protobuf from the builtin catalog
"$evs" list --proto "$order" -I "$schemas" > "$tmp/list.txt" 2> "$tmp/err.txt"; rc=$?
check "list --proto exits 0 and prints nothing on stderr" '[ $rc -eq 0 ] && [ ! -s "$tmp/err.txt" ]'
check "list shows order.placed with its version, message, topic and key" \
  "grep -q -E '^order\.placed +1\.2 +acme\.orders\.v1\.OrderPlaced +acme-orders +order_id$' '$tmp/list.txt'"
check "list still shows the builtin types" "grep -q -E '^task\.created ' '$tmp/list.txt'"
"$evs" list --json --proto "$order" -I "$schemas" > "$tmp/list.json"; rc=$?
check "list --json names the user's file" \
  "[ $rc -eq 0 ] && grep -q '\"type\": \"order.placed\".*\"file\": \"acme/orders/v1/order.proto\"' '$tmp/list.json'"

"$evs" describe --proto "$order" -I "$schemas" order.placed > "$tmp/d.txt"; rc=$?
check "describe --proto exits 0" '[ $rc -eq 0 ]'
check "describe: event options and location" \
  "grep -q '^event type order.placed (schema version 1.2)' '$tmp/d.txt' && grep -q 'topic: acme-orders   key: order_id   schema version: 1.2' '$tmp/d.txt' && grep -q 'defined at acme/orders/v1/order.proto:10:1' '$tmp/d.txt'"
check "describe: comments" "grep -q '// An order was placed in the shop.' '$tmp/d.txt'"
check "describe: rules, map, oneof, proto3 optional, imported Timestamp" \
  "grep -q 'order_id: string  (json \"orderId\")  \[required, uuid v7\]' '$tmp/d.txt' && grep -q 'labels: map<string, string>' '$tmp/d.txt' && grep -q 'card_token: string  (json \"cardToken\")  (oneof payment)' '$tmp/d.txt' && grep -q 'coupon: optional string\$' '$tmp/d.txt' && ! grep -q '_coupon' '$tmp/d.txt' && grep -q 'placed_at: google.protobuf.Timestamp' '$tmp/d.txt'"
check "describe: nested message, enum and a message it refers to" \
  "grep -q '^message acme.orders.v1.OrderPlaced.Line' '$tmp/d.txt' && grep -q 'sku: string  \[required, min_len 1\]' '$tmp/d.txt' && grep -q '^enum acme.orders.v1.Status' '$tmp/d.txt' && grep -q '^message acme.orders.v1.Money' '$tmp/d.txt'"
"$evs" describe --proto "$order" acme.orders.v1.Money > "$tmp/d2.txt"; rc=$?
check "without -I a .proto is rooted at its own directory" \
  "[ $rc -eq 0 ] && grep -q 'defined at order.proto:37:1' '$tmp/d2.txt'"
# evs's own options.proto from the source tree on -I is the builtin file again: one file, no conflict.
"$evs" describe --proto "$order" -I "$schemas" -I "$src/proto" order.placed > /dev/null 2> "$tmp/err.txt"; rc=$?
check "an identical copy of evs/v1/options.proto on -I is the builtin file (exit $rc)" '[ $rc -eq 0 ]'

# ---- the same schema as protoc's descriptor set (imports included: options.proto, timestamp.proto)
"$protoc" -I "$schemas" -I "$src/proto" --include_imports --include_source_info \
  --descriptor_set_out="$tmp/order.binpb" "$order" || { echo "FAIL: protoc"; exit 1; }
"$evs" list --descriptor-set "$tmp/order.binpb" > "$tmp/list2.txt"; rc=$?
check "list --descriptor-set (builtin files inside) exits 0 and shows order.placed" \
  "[ $rc -eq 0 ] && grep -q -E '^order\.placed +1\.2 +acme\.orders\.v1\.OrderPlaced ' '$tmp/list2.txt'"
"$evs" describe --descriptor-set "$tmp/order.binpb" order.placed > "$tmp/d3.txt"; rc=$?
check "describe --descriptor-set shows what describe --proto shows" '[ $rc -eq 0 ] && cmp -s "$tmp/d.txt" "$tmp/d3.txt"'
"$evs" list --descriptor-set "$tmp/order.binpb" --proto "$order" -I "$schemas" > /dev/null; rc=$?
check "the same file as a set and as a .proto is one file" '[ $rc -eq 0 ]'
"$evs" list --no-builtin --descriptor-set "$tmp/order.binpb" > "$tmp/list3.txt"; rc=$?
check "--no-builtin: only the user's event types" \
  "[ $rc -eq 0 ] && grep -q '^order.placed ' '$tmp/list3.txt' && ! grep -q '^task.created ' '$tmp/list3.txt' && grep -q '^1 event types' '$tmp/list3.txt'"
"$evs" describe --no-builtin --descriptor-set "$tmp/order.binpb" evs.v1.Envelope > /dev/null 2>&1; rc=$?
check "--no-builtin: builtin types are unknown" '[ $rc -eq 1 ]'

# ---- a user's file that redefines a builtin one: an error naming both, never the builtin silently
redef="$schemas/redefine/evs/v1/envelope.proto"
"$evs" describe --proto "$redef" -I "$schemas/redefine" evs.v1.Envelope > "$tmp/out.txt" 2> "$tmp/err.txt"; rc=$?
check "a different evs/v1/envelope.proto is an error (exit $rc), nothing printed" '[ $rc -eq 1 ] && [ ! -s "$tmp/out.txt" ]'
check "the error names the file and both inputs" \
  "grep -q 'file evs/v1/envelope.proto from .*redefine/evs/v1/envelope.proto differs from the one loaded before from evs_builtin_catalog' '$tmp/err.txt'"
check "the error points at --no-builtin" "grep -q 'hint: .*--no-builtin' '$tmp/err.txt'"
"$protoc" -I "$schemas/redefine" --include_imports --descriptor_set_out="$tmp/redef.binpb" "$redef" || exit 1
"$evs" describe --descriptor-set "$tmp/redef.binpb" evs.v1.Envelope > "$tmp/out.txt" 2> "$tmp/err.txt"; rc=$?
check "the same redefinition as a descriptor set is the same error (it used to show the builtin Envelope)" \
  "[ $rc -eq 1 ] && [ ! -s '$tmp/out.txt' ] && grep -q 'from $tmp/redef.binpb differs from the one loaded before from evs_builtin_catalog' '$tmp/err.txt'"
"$evs" describe --no-builtin --descriptor-set "$tmp/redef.binpb" evs.v1.Envelope > "$tmp/out.txt"; rc=$?
check "--no-builtin: the user's own Envelope" "[ $rc -eq 0 ] && grep -q 'trace_id: string' '$tmp/out.txt'"
"$evs" describe --no-builtin --proto "$redef" -I "$schemas/redefine" evs.v1.Envelope > "$tmp/out.txt"; rc=$?
check "--no-builtin with --proto: the user's own Envelope" "[ $rc -eq 0 ] && grep -q 'trace_id: string' '$tmp/out.txt'"
"$evs" list --proto "$schemas/retype/acme/envelope.proto" -I "$schemas/retype" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "a builtin type defined again in another file names both files and both inputs" \
  "[ $rc -eq 1 ] && grep -q 'acme/envelope.proto:6:1: message evs.v1.Envelope is defined again (first defined in evs/v1/envelope.proto from evs_builtin_catalog; again from .*retype/acme/envelope.proto)' '$tmp/err.txt' && grep -q 'hint: .*--no-builtin' '$tmp/err.txt'"

# ---- a .proto given as a set and a set given as a .proto
"$evs" list --descriptor-set "$order" > /dev/null 2> "$tmp/err.txt"; rc=$?
check ".proto given as --descriptor-set says it is .proto source" \
  "[ $rc -eq 1 ] && grep -q 'order.proto: not a descriptor set: this is .proto source text' '$tmp/err.txt'"
"$evs" list --proto "$tmp/order.binpb" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "a descriptor set given as --proto says it is binary, likely a descriptor set" \
  "[ $rc -eq 1 ] && grep -q 'order.binpb: not a .proto file: this is binary data, likely a descriptor set' '$tmp/err.txt'"
cp "$tmp/order.binpb" "$tmp/named.proto"
"$evs" list --proto "$tmp/named.proto" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "...whatever its name" "[ $rc -eq 1 ] && grep -q 'likely a descriptor set' '$tmp/err.txt'"
mkfifo "$tmp/fifo.proto"
"$evs" list --proto "$tmp/fifo.proto" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "a FIFO is not read" "[ $rc -eq 1 ] && grep -q 'a FIFO, not a .proto file' '$tmp/err.txt'"
"$evs" list --proto "$tmp/missing.proto" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "a missing .proto is named" "[ $rc -eq 1 ] && grep -q 'missing.proto: cannot open .proto file' '$tmp/err.txt'"

# ---- protoc's diagnostics in full, then evs's summary
"$evs" list --proto "$schemas/retype/acme/broken.proto" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "a .proto protoc rejects exits 1" '[ $rc -eq 1 ]'
check "every protoc error is shown, with file:line:col" \
  "grep -q '^broken.proto:7:3: \"NoSuchType\" is not defined.' '$tmp/err.txt' && grep -q '^broken.proto:8:3: \"AlsoMissing\" is not defined.' '$tmp/err.txt' && grep -q '^broken.proto:9:14: Field number 2 has already been used' '$tmp/err.txt'"
check "evs's summary names the first and counts the rest" \
  "grep -q 'evs list: error: broken.proto:7:3: protoc: \"NoSuchType\" is not defined. (and 2 more lines from protoc)' '$tmp/err.txt'"
EVS_PROTOC="$tmp/no-such-protoc" "$evs" list --proto "$order" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "EVS_PROTOC names protoc; one that cannot run is an error" \
  "[ $rc -eq 1 ] && grep -q \"cannot run protoc ('$tmp/no-such-protoc')\" '$tmp/err.txt'"

# ---- usage
"$evs" list -I "$schemas" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "-I without --proto is a usage error" "[ $rc -eq 2 ] && grep -q 'give --proto too' '$tmp/err.txt'"
"$evs" describe --no-builtin order.placed > /dev/null 2> "$tmp/err.txt"; rc=$?
check "--no-builtin with no schema is a usage error" "[ $rc -eq 2 ] && grep -q 'leaves no schema' '$tmp/err.txt'"
for c in encode decode describe list produce consume; do
  "$evs" "$c" --help > "$tmp/help.txt"
  check "evs $c --help lists the schema options" \
    "grep -q -- '--descriptor-set FILE' '$tmp/help.txt' && grep -q -- '--proto FILE.proto' '$tmp/help.txt' && grep -q -- '-I, --proto-path DIR' '$tmp/help.txt' && grep -q -- '--no-builtin' '$tmp/help.txt'"
done
for c in "encode -t order.placed" "decode -t order.placed"; do
  # shellcheck disable=SC2086
  "$evs" $c --proto "$schemas/retype/acme/broken.proto" < /dev/null > /dev/null 2> "$tmp/err.txt"; rc=$?
  check "evs $c loads --proto (protoc's error shown)" "[ $rc -eq 1 ] && grep -q 'NoSuchType' '$tmp/err.txt'"
done
# produce and consume load the schemas before they connect: a bad schema fails at once, broker or not.
EVS_BROKERS=127.0.0.1:1 "$evs" produce --proto "$schemas/retype/acme/broken.proto" < /dev/null > /dev/null 2> "$tmp/err.txt"; rc=$?
check "produce loads --proto (protoc's error shown)" "[ $rc -eq 1 ] && grep -q 'NoSuchType' '$tmp/err.txt'"
EVS_BROKERS=127.0.0.1:1 "$evs" consume --topic t --descriptor-set "$order" > /dev/null 2> "$tmp/err.txt"; rc=$?
check "consume loads --descriptor-set (mix-up named)" "[ $rc -eq 1 ] && grep -q 'this is .proto source text' '$tmp/err.txt'"
EVS_BROKERS=127.0.0.1:1 "$evs" consume --topic t --no-builtin > /dev/null 2>&1; rc=$?
check "consume --no-builtin alone is a usage error" '[ $rc -eq 2 ]'
EVS_BROKERS=127.0.0.1:1 "$evs" produce --no-builtin < /dev/null > /dev/null 2>&1; rc=$?
check "produce --no-builtin alone is a usage error" '[ $rc -eq 2 ]'

# A signal while protoc runs: the private directory is removed and evs ends by that signal.
printf '#!/bin/sh\nexec sleep 5\n' > "$tmp/slow-protoc"; chmod +x "$tmp/slow-protoc"
EVS_PROTOC="$tmp/slow-protoc" "$evs" list --proto "$order" > /dev/null 2>&1 & pid=$!
for _ in $(seq 50); do [ -n "$(ls -A "$TMPDIR")" ] && break; sleep 0.1; done
started=$(ls -A "$TMPDIR")
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM while protoc runs: exit 143 (temporaries were in \$TMPDIR: '$started')" '[ $rc -eq 143 ] && [ -n "$started" ]'

left=$(find "$TMPDIR" -mindepth 1 | head -3)
check "no temporaries left in \$TMPDIR ($left)" '[ -z "$left" ]'

# ==== AFTER THE DYNAMIC-DESCRIPTOR MERGE ========================================================================
# Encoding, decoding, producing and consuming a type with no compiled code: the registry's dynamic
# protobuf-c descriptors.
  json='{"orderId":"01890a5d-ac96-774b-bcce-b302099a8057","placedAt":"2025-01-02T03:04:05.678Z","lines":[{"sku":"A-1","quantity":2,"unitPrice":{"currency":"EUR","units":"12"}}],"labels":{"channel":"web"},"status":"STATUS_PAID","cardToken":"tok_1","coupon":""}'
  printf '%s\n' "$json" > "$tmp/order.json"
  "$evs" encode -t order.placed --proto "$order" -I "$schemas" -i "$tmp/order.json" -o "$tmp/order.bin"; rc=$?
  check "dynamic: encode a user-only type from --proto" '[ $rc -eq 0 ] && [ -s "$tmp/order.bin" ]'
  "$evs" decode -t order.placed --proto "$order" -I "$schemas" -i "$tmp/order.bin" > "$tmp/back.json"; rc=$?
  check "dynamic: decode gives the JSON back (map, oneof, enum, nested, Timestamp, proto3 optional set to \"\")" \
    '[ $rc -eq 0 ] && [ "$(cat "$tmp/back.json")" = "$json" ]'
  "$protoc" -I "$schemas" --decode=acme.orders.v1.OrderPlaced -I "$src/proto" "$order" < "$tmp/order.bin" > "$tmp/protoc.txt"; rc=$?
  check "dynamic: protoc reads evs's binary" '[ $rc -eq 0 ] && grep -q "card_token: \"tok_1\"" "$tmp/protoc.txt" && grep -q "coupon: \"\"" "$tmp/protoc.txt"'
  "$evs" decode -t acme.orders.v1.OrderPlaced --no-builtin --descriptor-set "$tmp/order.binpb" -i "$tmp/order.bin" > "$tmp/back2.json"; rc=$?
  check "dynamic: decode with --no-builtin --descriptor-set" '[ $rc -eq 0 ] && [ "$(cat "$tmp/back2.json")" = "$json" ]'
  printf '%s\n%s\n' "$json" '{"orderId":"01890a5d-ac96-774b-bcce-b302099a8058","status":"STATUS_NEW","invoiceRef":"inv-9"}' > "$tmp/orders.jsonl"
  "$evs" encode -t order.placed --delimited --descriptor-set "$tmp/order.binpb" -i "$tmp/orders.jsonl" | \
    "$evs" decode -t order.placed --delimited --descriptor-set "$tmp/order.binpb" > "$tmp/orders.back"; rc=$?
  check "dynamic: a delimited stream round-trips" '[ $rc -eq 0 ] && cmp -s "$tmp/orders.jsonl" "$tmp/orders.back"'
  # U+0000 in strings: kept by a type without compiled code (strings held with a length), both directions;
  # protoc reads the bytes back with the NUL inside.
  nul='{"orderId":"01890a5d-ac96-774b-bcce-b302099a8059","labels":{"k\u0000":"v\u0000w"},"status":"STATUS_NEW","coupon":"a\u0000b"}'
  printf '%s\n' "$nul" > "$tmp/nul.json"
  "$evs" encode -t order.placed --descriptor-set "$tmp/order.binpb" -i "$tmp/nul.json" -o "$tmp/nul.bin" 2> "$tmp/nerr.txt" && \
    "$evs" decode -t order.placed --descriptor-set "$tmp/order.binpb" -i "$tmp/nul.bin" > "$tmp/nul.back"; rc=$?
  check "dynamic: U+0000 in strings round-trips through binary" '[ $rc -eq 0 ] && [ "$(cat "$tmp/nul.back")" = "$nul" ]'
  "$protoc" -I "$schemas" --decode=acme.orders.v1.OrderPlaced -I "$src/proto" "$order" < "$tmp/nul.bin" > "$tmp/nul.txt"; rc=$?
  check "dynamic: protoc reads the NUL evs wrote" '[ $rc -eq 0 ] && grep -q "coupon: \"a\\\\000b\"" "$tmp/nul.txt"'

  "$evs" broker --brokers 1 --topic acme-orders:1 --port-file "$tmp/port" > /dev/null 2>&1 &
  broker_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  EVS_BROKERS=$(cat "$tmp/port")
  EVS_BROKERS="$EVS_BROKERS" timeout 60 "$evs" produce --type order.placed --proto "$order" -I "$schemas" \
    --spool "$tmp/spool" < "$tmp/order.json" > /dev/null 2> "$tmp/perr.txt"; rc=$?
  check "dynamic: produce a user-only type" '[ $rc -eq 0 ]'
  EVS_BROKERS="$EVS_BROKERS" timeout 60 "$evs" consume --topic acme-orders --from-beginning --count 1 --timeout 20 \
    --descriptor-set "$tmp/order.binpb" > "$tmp/consumed.jsonl" 2> "$tmp/cerr.txt"; rc=$?
  check "dynamic: consume decodes it" \
    "[ $rc -eq 0 ] && grep -q '\"type\":\"order.placed\"' '$tmp/consumed.jsonl' && grep -q '\"cardToken\":\"tok_1\"' '$tmp/consumed.jsonl' && grep -q '\"labels\":{\"channel\":\"web\"}' '$tmp/consumed.jsonl'"

echo "$((n - fail)) of $n checks passed"
[ $fail -eq 0 ]
