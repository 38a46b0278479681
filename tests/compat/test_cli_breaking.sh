#!/usr/bin/env bash
# `evs breaking` end to end: exit codes (0 compatible, 1 breaking, 2 usage/input error), output formats,
# version lists (transitive modes), git inputs, --write-set snapshots.
# Usage: test_cli_breaking.sh <evs binary>
set -uo pipefail
evs="$1"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, expected exit, command...
  local what="$1" want="$2"; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $what: exit $rc, want $want" >&2; sed 's/^/  out: /' "$tmp/out" >&2; sed 's/^/  err: /' "$tmp/err" >&2
    fail=1; return 1
  fi
}
expect() { # description, file, grep -E pattern
  grep -qE -- "$3" "$2" || { echo "FAIL $1: no match for /$3/ in:" >&2; sed 's/^/  /' "$2" >&2; fail=1; }
}

mkdir -p "$tmp/v1" "$tmp/v2" "$tmp/v3"
printf 'syntax = "proto3";\n\npackage t;\n\nmessage M {\n  string a = 1;\n  int32 b = 2;\n}\n' > "$tmp/v1/m.proto"
printf 'syntax = "proto3";\n\npackage t;\n\nmessage M {\n  string a = 1;\n}\n' > "$tmp/v2/m.proto"
mkdir -p "$tmp/v2r"
printf 'syntax = "proto3";\n\npackage t;\n\nmessage M {\n  reserved 2;\n  reserved "b";\n  string a = 1;\n}\n' > "$tmp/v2r/m.proto"
printf 'syntax = "proto3";\n\npackage t;\n\nmessage M {\n  string a = 1;\n  string b = 2;\n}\n' > "$tmp/v3/m.proto"

# ---- exit codes
check "compatible" 0 "$evs" breaking "$tmp/v2r" --against "$tmp/v1"
check "breaking" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1"
expect "text finding" "$tmp/out" '^m\.proto:7:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "b" \(2\) of message t\.M changed type from int32 to string'
expect "summary on stderr" "$tmp/err" '1 breaking change'
check "missing input" 2 "$evs" breaking "$tmp/nope" --against "$tmp/v1"
expect "missing input message" "$tmp/err" 'cannot open'
mkdir -p "$tmp/bad"; printf 'syntax = "proto3";\nmessage M {\n  string a = ;\n}\n' > "$tmp/bad/m.proto"
check "unparseable proto" 2 "$evs" breaking "$tmp/bad" --against "$tmp/v1"
expect "protoc location" "$tmp/err" 'm\.proto:3:.*protoc'
head -c 64 /dev/urandom > "$tmp/garbage.binpb"; printf '\x0a\xff\xff' >> "$tmp/garbage.binpb"
check "bad descriptor set" 2 "$evs" breaking "$tmp/v1" --against "$tmp/garbage.binpb"
: > "$tmp/empty.binpb"
check "empty descriptor set" 2 "$evs" breaking "$tmp/empty.binpb" --against "$tmp/v1"
expect "empty set message" "$tmp/err" 'contains no files'
mkdir -p "$tmp/empty"
check "no .proto files" 2 "$evs" breaking "$tmp/empty" --against "$tmp/v1"
check "missing --against" 2 "$evs" breaking "$tmp/v1"
check "buf category name as level" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --level WIRE_JSON
check "wire level passes int32 -> string? no: string is another wire group" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --level WIRE
check "unknown level" 2 "$evs" breaking "$tmp/v1" --against "$tmp/v1" --level strict
check "unknown mode" 2 "$evs" breaking "$tmp/v1" --against "$tmp/v1" --mode sideways
check "git ref that looks like an option" 2 "$evs" breaking "$tmp/v1" --against git:--output=/tmp/x
mkdir -p "$tmp/-dash"; cp "$tmp/v3/m.proto" "$tmp/-dash/"
# A directory named like an option reaches protoc as ./-dash, not as an option.
(cd "$tmp" && "$evs" breaking v1 --against -dash >"$tmp/out" 2>"$tmp/err"); rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL dash dir: exit $rc" >&2; cat "$tmp/err" >&2; fail=1; }
check "unknown message" 2 "$evs" breaking "$tmp/v1" --against "$tmp/v1" --message t.X=t.M
check "bad config" 2 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --config "$tmp/nope.txt"
printf 'NOT_A_RULE m.proto\n' > "$tmp/bad.cfg"
check "config with unknown rule" 2 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --config "$tmp/bad.cfg"
expect "config line" "$tmp/err" 'bad\.cfg:1'

# ---- formats
check "json" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --format json
expect "json object" "$tmp/out" '^\{"rule": "FIELD_WIRE_JSON_COMPATIBLE_TYPE", "message": "field \\"b\\" \(2\) of message t\.M changed type from int32 to string: [^"]*", "element": "t\.M\.b", "location": \{"file": "m\.proto", "line": 7, "col": 3\}, "previousLocation": \{"file": "m\.proto", "line": 7, "col": 3\}, "against": "", "allowed": false\}$'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL json: want one line" >&2; fail=1; }
check "github-actions" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --format github-actions
expect "github command" "$tmp/out" '^::error file=m\.proto,line=7,col=3,title=FIELD_WIRE_JSON_COMPATIBLE_TYPE::field "b" \(2\) of message t\.M changed type'
check "junit" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --format junit
expect "junit failure" "$tmp/out" '<failure type="FIELD_WIRE_JSON_COMPATIBLE_TYPE" message="field &quot;b&quot; \(2\)'
expect "junit counts" "$tmp/out" '<testsuite name="evs breaking" tests="1" failures="1" skipped="0">'
if command -v python3 >/dev/null; then
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/out" || { echo "FAIL junit: not XML" >&2; fail=1; }
fi
check "junit clean" 0 "$evs" breaking "$tmp/v2r" --against "$tmp/v1" --format junit
expect "junit passing case" "$tmp/out" 'name="compatible"'

# ---- version lists: v2 dropped b (a break accepted back then), v3 adds number 2 again with another type:
# fine against v2, not against v1
check "backward (last only)" 0 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --against "$tmp/v2" --level wire
check "backward-transitive" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --against "$tmp/v2" --level wire \
  --mode BACKWARD_TRANSITIVE
expect "transitive names the old version" "$tmp/out" "FIELD_WIRE_COMPATIBLE_TYPE: .*\\(against $tmp/v1\\)"
check "full-transitive" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --against "$tmp/v2" --mode full-transitive

# ---- snapshots and git inputs
check "write-set" 0 "$evs" breaking "$tmp/v1" --write-set "$tmp/v1.binpb"
check "snapshot as input" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1.binpb"
expect "snapshot keeps locations" "$tmp/out" '^m\.proto:7:3: '
if command -v git >/dev/null; then
  repo="$tmp/repo"; mkdir -p "$repo/schema"; cp "$tmp/v1/m.proto" "$repo/schema/"; cp "$tmp/v1.binpb" "$repo/"
  git -C "$repo" init -q && git -C "$repo" -c user.name=t -c user.email=t@t add . &&
    git -C "$repo" -c user.name=t -c user.email=t@t commit -qm v1 || { echo "FAIL git setup" >&2; fail=1; }
  cp "$tmp/v3/m.proto" "$repo/schema/m.proto"
  (cd "$repo" && "$evs" breaking schema --against git:HEAD:schema >"$tmp/out" 2>"$tmp/err"); rc=$?
  [ "$rc" -eq 1 ] || { echo "FAIL git tree input: exit $rc" >&2; cat "$tmp/err" >&2; fail=1; }
  expect "git tree finding" "$tmp/out" '^m\.proto:7:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE'
  git -C "$repo" diff --quiet HEAD -- schema/m.proto && { echo "FAIL git: working tree was reset" >&2; fail=1; }
  (cd "$repo" && "$evs" breaking schema --against git:HEAD:v1.binpb >"$tmp/out" 2>"$tmp/err"); rc=$?
  [ "$rc" -eq 1 ] || { echo "FAIL git blob input: exit $rc" >&2; cat "$tmp/err" >&2; fail=1; }
  (cd "$repo" && "$evs" breaking schema --against git:no-such-ref:schema >"$tmp/out" 2>"$tmp/err"); rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL git unknown ref: exit $rc" >&2; fail=1; }
fi

# ---- rule list
check "list-rules" 0 "$evs" breaking --list-rules
expect "rule list" "$tmp/out" '^FIELD_WIRE_COMPATIBLE_TYPE +WIRE +'
[ "$fail" -eq 0 ] && echo "evs breaking CLI: ok"
exit "$fail"
