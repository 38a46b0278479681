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
# Annotations carry the path from the working directory (the input directory joined with the file's name
# in it), as buf's do, so that GitHub attaches them to the repository's file.
check "github-actions" 1 "$evs" breaking "$tmp/v3" --against "$tmp/v1" --format github-actions
expect "github command" "$tmp/out" "^::error file=${tmp//./\\.}/v3/m\\.proto,line=7,col=3,title=FIELD_WIRE_JSON_COMPATIBLE_TYPE::field \"b\" \\(2\\) of message t\\.M changed type"
check "github-actions relative" 1 bash -c 'cd "$1" && "$2" breaking ./v3/ --against v1 --error-format github-actions' _ "$tmp" "$evs"
expect "github repository path" "$tmp/out" '^::error file=v3/m\.proto,line=7,'
check "github-actions cwd input" 1 bash -c 'cd "$1/v3" && "$2" breaking . --against ../v1 --format github-actions' _ "$tmp" "$evs"
expect "github path in cwd" "$tmp/out" '^::error file=m\.proto,line=7,'
check "text keeps import paths" 1 bash -c 'cd "$1" && "$2" breaking v3 --against v1' _ "$tmp" "$evs"
expect "text import path" "$tmp/out" '^m\.proto:7:3: '
# ---- --path / --exclude-path / --exclude-imports
mkdir -p "$tmp/p1/a" "$tmp/p1/b" "$tmp/p2/a" "$tmp/p2/b"
for d in a b; do
  printf 'syntax = "proto3";\npackage %s;\nmessage M {\n  int32 x = 1;\n}\n' "$d" > "$tmp/p1/$d/m.proto"
  printf 'syntax = "proto3";\npackage %s;\nmessage M {\n  string x = 1;\n}\n' "$d" > "$tmp/p2/$d/m.proto"
done
check "two breaks" 1 "$evs" breaking "$tmp/p2" --against "$tmp/p1"
[ "$(wc -l < "$tmp/out")" -eq 2 ] || { echo "FAIL two breaks: want two lines" >&2; fail=1; }
check "--path by import path" 1 "$evs" breaking "$tmp/p2" --against "$tmp/p1" --path a
expect "--path keeps a" "$tmp/out" '^a/m\.proto:'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL --path: want one line" >&2; fail=1; }
check "--path by repository path" 1 bash -c 'cd "$1" && "$2" breaking p2 --against p1 --path p2/b/m.proto' _ "$tmp" "$evs"
expect "--path keeps b" "$tmp/out" '^b/m\.proto:'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL --path file: want one line" >&2; fail=1; }
check "--path elsewhere" 0 "$evs" breaking "$tmp/p2" --against "$tmp/p1" --path c
check "--exclude-path" 1 bash -c 'cd "$1" && "$2" breaking ./p2 --against p1 --exclude-path p2/a/' _ "$tmp" "$evs"
expect "--exclude-path keeps b" "$tmp/out" '^b/m\.proto:'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL --exclude-path: want one line" >&2; fail=1; }
check "both excluded" 0 "$evs" breaking "$tmp/p2" --against "$tmp/p1" --exclude-path a --exclude-path b
# An import from -I changes: reported without --exclude-imports, not with it.
mkdir -p "$tmp/i1" "$tmp/i2" "$tmp/own"
printf 'syntax = "proto3";\npackage dep;\nmessage D {\n  int32 x = 1;\n}\n' > "$tmp/i1/dep.proto"
printf 'syntax = "proto3";\npackage dep;\nmessage D {\n  string x = 1;\n}\n' > "$tmp/i2/dep.proto"
printf 'syntax = "proto3";\nimport "dep.proto";\npackage own;\nmessage O {\n  dep.D d = 1;\n}\n' > "$tmp/own/o.proto"
protoc -I "$tmp/own" -I "$tmp/i1" --include_imports --include_source_info -o "$tmp/own1.binpb" o.proto
check "import break" 1 "$evs" breaking "$tmp/own" -I "$tmp/i2" --against "$tmp/own1.binpb"
expect "import finding" "$tmp/out" '^dep\.proto:'
check "--exclude-imports" 0 "$evs" breaking "$tmp/own" -I "$tmp/i2" --against "$tmp/own1.binpb" --exclude-imports
# Two descriptor sets with different copies of a google/protobuf/ file (protoc's and buf's descriptor.proto
# differ so): there the well-known types are the imports.
mkdir -p "$tmp/w1/google/protobuf" "$tmp/w2/google/protobuf"
printf 'syntax = "proto3";\npackage google.protobuf;\nmessage W {\n  int32 x = 1;\n  int32 y = 2;\n}\n' > "$tmp/w1/google/protobuf/w.proto"
printf 'syntax = "proto3";\npackage google.protobuf;\nmessage W {\n  int32 x = 1;\n}\n' > "$tmp/w2/google/protobuf/w.proto"
printf 'syntax = "proto3";\nimport "google/protobuf/w.proto";\npackage own;\nmessage O {\n  google.protobuf.W w = 1;\n}\n' > "$tmp/own/o.proto"
for v in 1 2; do
  protoc -I "$tmp/own" -I "$tmp/w$v" --include_imports --include_source_info -o "$tmp/wkt$v.binpb" o.proto
done
check "WKT copies differ" 1 "$evs" breaking "$tmp/wkt2.binpb" --against "$tmp/wkt1.binpb"
expect "WKT finding" "$tmp/out" '^google/protobuf/w\.proto:'
check "WKT excluded" 0 "$evs" breaking "$tmp/wkt2.binpb" --against "$tmp/wkt1.binpb" --exclude-imports
# ---- buf.yaml: named with --config (told from an accepted-breaks file by content) or found in NEW
printf '# buf config\nversion: v1\nbreaking:\n  use:\n    - WIRE_JSON\n  ignore:\n    - "a"\n' > "$tmp/buf.yaml"
check "buf.yaml --config" 1 "$evs" breaking "$tmp/p2" --against "$tmp/p1" --config "$tmp/buf.yaml"
expect "buf.yaml ignore" "$tmp/out" '^b/m\.proto:'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL buf.yaml ignore: want one line" >&2; fail=1; }
printf 'version: v2\nbreaking:\n  use: [WIRE_JSON]\n  ignore_only:\n    FIELD_WIRE_JSON_COMPATIBLE_TYPE:\n      - b/m.proto\n' > "$tmp/p2/buf.yaml"
check "buf.yaml in NEW" 1 "$evs" breaking "$tmp/p2" --against "$tmp/p1"
expect "buf.yaml ignore_only" "$tmp/out" '^a/m\.proto:'
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "FAIL buf.yaml ignore_only: want one line" >&2; fail=1; }
printf 'version: v2\nbreaking:\n  use:\n    - FILE\n  except: [FIELD_WIRE_JSON_COMPATIBLE_TYPE, FIELD_SAME_TYPE]\n' > "$tmp/p2/buf.yaml"
check "buf.yaml except" 0 "$evs" breaking "$tmp/p2" --against "$tmp/p1"
check "--level overrides use" 1 "$evs" breaking "$tmp/p2" --against "$tmp/p1" --level wire-json
printf 'version: v1\nbreaking:\n\tuse: [FILE]\n' > "$tmp/p2/buf.yaml"
check "buf.yaml syntax error" 2 "$evs" breaking "$tmp/p2" --against "$tmp/p1"
expect "buf.yaml error line" "$tmp/err" 'buf\.yaml:3.*tabs'
rm "$tmp/p2/buf.yaml"
# ---- protoc's whole diagnostics: the first error does not hide the others
mkdir -p "$tmp/diag"
printf 'syntax = "proto3";\npackage t;\n' > "$tmp/diag/c.proto"
printf 'syntax = "proto3";\nimport "c.proto";\npackage t;\nmessage M {\n  Nope a = 1;\n  Nope2 b = 2;\n}\n' > "$tmp/diag/m.proto"
check "protoc errors" 2 "$evs" breaking "$tmp/diag" --against "$tmp/v1"
expect "protoc first error" "$tmp/err" 'm\.proto:5:3: "Nope" is not defined'
expect "protoc second error" "$tmp/err" 'm\.proto:6:3: "Nope2" is not defined'

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
