#!/usr/bin/env bash
# evs encode / evs decode: options, exit codes, error messages (record, position, path, code), streams,
# and the binary-side guards (truncation, depth, UTF-8, ranges, repeated keys).
# usage: test_cli_codec.sh <evs> <evs_testcli (evs + the AllTypes test catalog)> <source dir>
set -uo pipefail
evs="$1"; tcli="$2"; src="$3"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"; err="$tmp/err"
fail=0; n=0
AT=evs.test.v1.AllTypes
run() { # expected-exit description command... (stdin from $tmp/in when it exists)
  local want="$1" what="$2"; shift 2
  if [ -f "$tmp/in" ]; then "$@" <"$tmp/in" >"$out" 2>"$err"; else "$@" </dev/null >"$out" 2>"$err"; fi
  local got=$?
  n=$((n + 1)); last="$what"
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; sed 's/^/  stderr: /' "$err" | head -5; fail=$((fail + 1))
  fi
}
input() { printf "$@" >"$tmp/in"; }
no_input() { rm -f "$tmp/in"; }
out_is() { [ "$(cat "$out")" = "$1" ] || { echo "FAIL: $last: stdout is '$(head -c 400 "$out")', expected '$1'"; fail=$((fail + 1)); }; }
out_has() { grep -qF -- "$1" "$out" || { echo "FAIL: $last: stdout lacks '$1'"; fail=$((fail + 1)); }; }
err_has() { grep -qF -- "$1" "$err" || { echo "FAIL: $last: stderr lacks '$1': $(head -3 "$err")"; fail=$((fail + 1)); }; }
out_empty() { [ ! -s "$out" ] || { echo "FAIL: $last: stdout not empty"; fail=$((fail + 1)); }; }
bytes_are() { # file expected-hex
  local got; got=$(od -An -tx1 -v "$1" | tr -d ' \n')
  [ "$got" = "$2" ] || { echo "FAIL: $last: bytes $got, expected $2"; fail=$((fail + 1)); }
}

# ---- usage
no_input
run 2 "encode without --type" "$evs" encode; err_has "--type is required"; out_empty
run 2 "decode with an encode option" "$evs" decode -t task.created --ignore-unknown; err_has "does not apply to evs decode"
run 2 "encode with a decode option" "$evs" encode --no-validate -t task.created --pretty; err_has "does not apply to evs encode"
run 2 "bad --max-depth" "$evs" decode -t task.created --max-depth 0; err_has "--max-depth"
run 2 "extra argument" "$evs" encode --no-validate -t task.created extra; err_has "unexpected argument 'extra'"
run 2 "--keep-going without --delimited" "$evs" decode -t task.created --keep-going; err_has "--keep-going needs --delimited"
run 1 "unknown type" "$evs" encode -t no.such.Type; err_has "'no.such.Type' is neither an event type nor a message"
run 1 "type suggestion" "$evs" encode -t evs.events.tasks.v1.taskevent; err_has "did you mean"
run 1 "missing input file" "$evs" encode --no-validate -t task.created -i "$tmp/nope.json"; err_has "cannot open"
run 0 "encode --help" "$evs" encode --help; out_has "usage: evs encode"
run 0 "decode --help" "$evs" decode --help; out_has "usage: evs decode"

# ---- --descriptor-set: a type known only from a set converts through its dynamic descriptor
if command -v protoc >/dev/null 2>&1; then
  mkdir -p "$tmp/proto"
  printf 'syntax = "proto3";\npackage acme.v1;\nmessage Order { string id = 1; optional int32 n = 2; }\n' >"$tmp/proto/order.proto"
  protoc -I"$tmp/proto" --include_imports --descriptor_set_out="$tmp/order.binpb" "$tmp/proto/order.proto"
  input '%s' '{"id":"o-1","n":0}'
  run 0 "a type from --descriptor-set without C code encodes" "$evs" encode --descriptor-set "$tmp/order.binpb" -t acme.v1.Order -o "$tmp/order.bin"
  no_input
  run 0 "and decodes (proto3 optional zero kept)" "$evs" decode --descriptor-set "$tmp/order.binpb" -t acme.v1.Order -i "$tmp/order.bin"
  out_is '{"id":"o-1","n":0}'
  run 1 "a broken --descriptor-set" "$evs" decode --descriptor-set "$tmp/proto/order.proto" -t task.created
  out_empty
fi

# ---- the seed examples: event type and full name, round trip, canonical text
task='{"event_type": "task.created", "task_id": 123, "user_id": "user-456", "task_data": {"title": "Buy groceries", "description": "Milk, bread, eggs", "completed": false, "priority": "high", "due_date": "2026-01-15T14:00:00Z", "tags": ["shopping", "personal"], "recurring_pattern": null, "next_occurrence": null}, "timestamp": "2026-01-14T10:30:00Z", "correlation_id": "550e8400-e29b-41d4-a716-446655440000"}'
canon='{"event_type":"task.created","task_id":"123","user_id":"user-456","task_data":{"title":"Buy groceries","description":"Milk, bread, eggs","priority":"high","due_date":"2026-01-15T14:00:00Z","tags":["shopping","personal"]},"timestamp":"2026-01-14T10:30:00Z","correlation_id":"550e8400-e29b-41d4-a716-446655440000"}'
input '%s' "$task"
run 0 "encode by event type" "$evs" encode --no-validate -t task.created -o "$tmp/task.bin"; out_empty
no_input
run 0 "decode by full name, proto names" "$evs" decode -t evs.events.tasks.v1.TaskEvent --proto-names -i "$tmp/task.bin"
out_is "$canon"
run 0 "decode with JSON names" "$evs" decode -t task.created -i "$tmp/task.bin"; out_has '"taskId":"123"'; out_has '"taskData":{'
run 0 "decode --emit-defaults" "$evs" decode -t task.created --proto-names --emit-defaults -i "$tmp/task.bin"
out_has '"completed":false'
run 0 "decode --enums-as-numbers" "$evs" decode -t task.created --enums-as-numbers -i "$tmp/task.bin"; out_has '"priority":3'
run 0 "decode --pretty" "$evs" decode -t task.created --pretty -i "$tmp/task.bin"; out_has '  "eventType": "task.created",'
cp "$out" "$tmp/pretty.json"
run 0 "a pretty document encodes (multi-line single document)" "$evs" encode --no-validate -t task.created -i "$tmp/pretty.json" -o "$tmp/task2.bin"
cmp -s "$tmp/task.bin" "$tmp/task2.bin" || { echo "FAIL: pretty round trip changed the bytes"; fail=$((fail + 1)); }
cp "$tmp/task.bin" "$tmp/in"
run 0 "-o - and -i -" "$evs" decode -t task.created -i - -o - --proto-names; out_is "$canon"

# ---- empty input
input ''
run 1 "encode of empty input" "$evs" encode --no-validate -t task.created; err_has "no JSON document"
run 0 "decode of empty input is the empty message" "$evs" decode -t task.created; out_is '{}'
run 0 "delimited encode of empty input writes nothing" "$evs" encode --no-validate -t task.created --delimited; out_empty

# ---- JSON lines: record numbers, positions, paths, codes; --keep-going
input '{"event_type":"task.created","task_id":1}\n\n  \n{"event_type":"task.created","task_id":"x"}\n{"task_id":2}\n{"task_data":{"priority":"nope"}}\n'
run 1 "stops at the first bad line" "$evs" encode --no-validate -t task.created --delimited -o "$tmp/lines.bin"
err_has "stdin: line 4: 1:40: taskId:"; err_has "[type]"
no_input
run 0 "... keeping the records before it" "$evs" decode -t task.created --delimited -i "$tmp/lines.bin"
out_is '{"eventType":"task.created","taskId":"1"}'
input '{"event_type":"task.created","task_id":1}\n\n  \n{"event_type":"task.created","task_id":"x"}\n{"task_id":2}\n{"task_data":{"priority":"nope"}}\n'
run 1 "--keep-going reports each bad line" "$evs" encode --no-validate -t task.created --delimited --keep-going -o "$tmp/lines.bin"
err_has "line 4: 1:40: taskId:"; err_has "line 6: 1:26: taskData.priority: unknown value \"nope\""; err_has "[not-found]"
err_has "2 of 4 records failed"
no_input
run 0 "... and converts the others" "$evs" decode -t task.created --delimited -i "$tmp/lines.bin"
out_is $'{"eventType":"task.created","taskId":"1"}\n{"taskId":"2"}'
input '{"task_id":1}\n{"task_id":2}\n'
run 1 "two documents without --delimited" "$evs" encode --no-validate -t task.created; err_has "2:1:"; err_has "need --delimited"
input '{"zz":1,"task_id":5}'
run 1 "unknown key" "$evs" encode --no-validate -t task.created; err_has "1:2:"; err_has "unknown field \"zz\""
run 0 "--ignore-unknown" "$evs" encode --no-validate -t task.created --ignore-unknown -o "$tmp/ign.bin"
no_input
run 0 "... keeps the known fields" "$evs" decode -t task.created -i "$tmp/ign.bin"; out_is '{"taskId":"5"}'
input '{"child": %s1%s}' "$(printf '{"child": %.0s' $(seq 150))" "$(printf '}%.0s' $(seq 150))"
run 1 "JSON deeper than 100 levels" "$tcli" encode -t evs.test.v1.Recursive; err_has "[limit]"
run 1 "--max-depth lowers the JSON limit" "$tcli" encode -t evs.test.v1.Recursive --max-depth 10
input '{"child": %s{}%s}' "$(printf '{"child": %.0s' $(seq 150))" "$(printf '}%.0s' $(seq 150))"
run 0 "--max-depth raises the JSON limit" "$tcli" encode -t evs.test.v1.Recursive --max-depth 400 -o "$tmp/deep.bin"

# ---- binary input: depth guard, truncation, malformed input, content errors
no_input
run 1 "binary nested deeper than 100 messages" "$tcli" decode -t evs.test.v1.Recursive -i "$tmp/deep.bin"
err_has "[limit]"; out_empty
run 0 "--max-depth raises the binary limit" "$tcli" decode -t evs.test.v1.Recursive --max-depth 200 -i "$tmp/deep.bin"
out_has '{"child":{"child":{'
head -c 7 "$tmp/task.bin" >"$tmp/cut.bin"
run 1 "truncated message" "$evs" decode -t task.created -i "$tmp/cut.bin"; err_has "[truncated]"; err_has "offset"
{ printf '\x05'; head -c 3 "$tmp/task.bin"; } >"$tmp/short.bin"
run 1 "delimited record shorter than its prefix" "$evs" decode -t task.created --delimited -i "$tmp/short.bin"
err_has "record 1 (byte 0)"; err_has "length prefix says 5 bytes, but the input ends after 3"; err_has "[truncated]"
{ printf '\x02\x10\x07\x85'; } >"$tmp/prefix.bin"
run 1 "stream ending inside a length prefix" "$evs" decode -t task.created --delimited --keep-going -i "$tmp/prefix.bin"
out_is '{"taskId":"7"}'; err_has "record 2 (byte 3)"; err_has "inside a length prefix"
printf '\x03\x10\x07\x0f\x02\x10\x08' >"$tmp/badrec.bin"
run 1 "--keep-going skips a bad record" "$evs" decode -t task.created --delimited --keep-going -i "$tmp/badrec.bin"
out_is '{"taskId":"8"}'; err_has "record 1 (byte 0)"; err_has "1 of 2 records failed"
run 1 "without --keep-going it stops" "$evs" decode -t task.created --delimited -i "$tmp/badrec.bin"; out_empty
printf '\x72\x02\xc3\x28' >"$tmp/utf8.bin"
run 1 "invalid UTF-8 in a binary string" "$tcli" decode -t $AT -i "$tmp/utf8.bin"; err_has "f_string"; err_has "[type]"; out_empty
printf '\xaa\x06\x07\x08\x80\x83\xd1\xff\xaf\x07' >"$tmp/ts.bin"
run 1 "Timestamp beyond 9999-12-31" "$tcli" decode -t $AT -i "$tmp/ts.bin"; err_has "[range]"; err_has "wTimestamp"
# map<int32,int32> m_int32 = 51 holding key 1 twice, then oneof members o_uint32 = 71 and o_string = 72:
# the last entry / member wins, and each is printed once.
printf '\x9a\x03\x04\x08\x01\x10\x05\x9a\x03\x04\x08\x01\x10\x07\xb8\x04\x01\xc2\x04\x01a' >"$tmp/dups.bin"
run 0 "repeated map key and oneof member in binary: last wins" "$tcli" decode -t $AT -i "$tmp/dups.bin"
out_is '{"mInt32":{"1":7},"oString":"a"}'
# Unknown fields (number 99) are dropped: JSON cannot carry them.
printf '\x98\x06\x01\x08\x2a' >"$tmp/unknown.bin"
run 0 "unknown binary fields are dropped" "$tcli" decode -t $AT -i "$tmp/unknown.bin"; out_is '{"fInt32":42}'

# ---- a mistyped type gets a suggestion (event types and message names, within two edits)
input '{}'
run 1 "a mistyped event type" "$evs" encode --type task.create; err_has "did you mean 'task.created'?"
run 1 "a mistyped message name" "$evs" encode --type evs.events.tasks.v1.TaskEvnt; err_has "did you mean 'evs.events.tasks.v1.TaskEvent'?"

# ---- a length-delimited stream decoded without --delimited gets the hint
input '{"taskId":"5","userId":"u"}\n{"taskId":"6"}\n'
run 0 "a two-record stream" "$evs" encode --no-validate -t task.created --delimited -o "$tmp/two.bin"
no_input
run 1 "... read as one message" "$evs" decode -t task.created -i "$tmp/two.bin"; err_has "try --delimited"
run 1 "a single message that is not a stream gets no such hint" "$evs" decode -t task.created -i "$tmp/cut.bin"
! grep -q "try --delimited" "$err" || { echo "FAIL: a truncated message got the --delimited hint"; fail=$((fail + 1)); }

# ---- a UTF-8 byte-order mark at the start is ignored (RFC 8259 allows it); it was a syntax error
input '\xef\xbb\xbf{"taskId":"7"}'
run 0 "BOM before a document" "$evs" encode --no-validate -t task.created -o "$tmp/bom.bin"; bytes_are "$tmp/bom.bin" "1007"
input '\xef\xbb\xbf{"taskId":"7"}\n{"taskId":"8"}\n'
run 0 "BOM before the first JSON line" "$evs" encode --no-validate -t task.created --delimited -o "$tmp/bom2.bin"
bytes_are "$tmp/bom2.bin" "021007021008"

# ---- limits that hold on every path (issue 9)
# A 10-byte length prefix of 2^64 was read as 0.
printf '\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02' >"$tmp/huge.bin"
run 1 "length prefix of 2^64" "$evs" decode -t task.created --delimited -i "$tmp/huge.bin"; err_has "2^64"; err_has "[syntax]"
run 2 "--max-depth above the cap" "$evs" decode -t task.created --max-depth 10000; err_has "from 1 to 1000"
# What encode accepts, decode accepts: 33 nested Struct objects are 100 message levels, 34 are 101.
input '{"anyValue": %s1%s}' "$(printf '{"a": %.0s' $(seq 33))" "$(printf '}%.0s' $(seq 33))"
run 0 "33 nested Struct objects encode" "$tcli" encode -t evs.test.v1.Recursive -o "$tmp/struct33.bin"
no_input
run 0 "... and decode at the same limit" "$tcli" decode -t evs.test.v1.Recursive -i "$tmp/struct33.bin"
out_has '{"anyValue":{"a":{"a":'
input '{"anyValue": %s1%s}' "$(printf '{"a": %.0s' $(seq 34))" "$(printf '}%.0s' $(seq 34))"
run 1 "34 nested Struct objects do not encode" "$tcli" encode -t evs.test.v1.Recursive; err_has "[limit]"
# The cap holds: 1000 levels below the root through encode and decode (the stack overflowed at 10000).
input '{"child": %s{}%s}' "$(printf '{"child": %.0s' $(seq 999))" "$(printf '}%.0s' $(seq 999))"
run 0 "1000 levels encode at --max-depth 1000" "$tcli" encode -t evs.test.v1.Recursive --max-depth 1000 -o "$tmp/d1000.bin"
no_input
run 0 "... and decode" "$tcli" decode -t evs.test.v1.Recursive --max-depth 1000 -i "$tmp/d1000.bin"; out_has '{"child":{"child":'
# A line longer than the record limit (256 MiB) is skipped without being held: getline grew to 512 MiB
# (and, short of memory, ended the run with exit 0 and the rest unread). The memory bound is checked
# where ulimit works (not under ASan, which reserves terabytes of shadow memory).
# (ldd's output is kept first: under pipefail, grep -q leaving early or ldd's own exit status would count.)
ldd "$evs" >"$tmp/ldd" 2>/dev/null
limit=""; grep -q libasan "$tmp/ldd" || limit="ulimit -v 460000;"
no_input
n=$((n + 1)); last="300 MB line with --keep-going"
bash -c "$limit { head -c 300000000 /dev/zero | tr '\\0' a; printf '\\n{\"taskId\":\"9\"}\\n'; } | \"\$0\" encode --no-validate -t task.created --delimited --keep-going >\"\$1\" 2>\"\$2\"" "$evs" "$tmp/long.bin" "$err"
got=$?
if [ "$got" -ne 1 ]; then echo "FAIL: $last: exit $got, expected 1: $(head -3 "$err")"; fail=$((fail + 1)); fi
err_has "line 1: line longer than 268435456 bytes"; err_has "1 of 2 records failed"
[ "$(od -An -tx1 "$tmp/long.bin" | tr -d ' \n')" = "021009" ] || { echo "FAIL: $last: the next line was not encoded"; fail=$((fail + 1)); }

# ---- the AllTypes catalog through the test build: encode output is the canonical binary
input '{"fInt64":"-1","fString":"\\u00e9","rInt32":[1,2],"fEnum":"COLOR_BLUE"}'
run 0 "AllTypes encode" "$tcli" encode -t $AT -o "$tmp/at.bin"
bytes_are "$tmp/at.bin" "10ffffffffffffffffff017202c3a9800103fa01020102"
no_input
run 0 "AllTypes decode" "$tcli" decode -t $AT -i "$tmp/at.bin"
out_is '{"fInt64":"-1","fString":"é","fEnum":"COLOR_BLUE","rInt32":[1,2]}'

# ---- output errors
input '%s' "$task"
if [ -w /dev/full ]; then
  run 1 "write error is reported" "$evs" encode --no-validate -t task.created -o /dev/full; err_has "writing to /dev/full failed"
fi
run 1 "unwritable output" "$evs" encode --no-validate -t task.created -o "$tmp/no/such/dir/x.bin"; err_has "cannot create"

# ---- the documented examples in docs/cli/evs-{en,de}code.md name real options
for c in encode decode; do
  grep -q "usage: evs $c" "$src/docs/cli/evs-$c.md" || { echo "FAIL: docs/cli/evs-$c.md has no usage"; fail=$((fail + 1)); }
done

echo "$((n - fail)) of $n checks passed"
[ "$fail" -eq 0 ]
