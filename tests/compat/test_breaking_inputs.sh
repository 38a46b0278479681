#!/usr/bin/env bash
# `evs breaking` on hostile inputs: symlink loops and links out of the input directory (local and git
# trees), non-regular files named .proto, temporary files after a signal, descriptor sets with unresolved
# references. Every case must end in bounded time with a clear error (exit 2), never hang, never read host
# files, never leave temporaries behind.
# Usage: test_breaking_inputs.sh <evs binary>
set -uo pipefail
evs=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
check() { # description, expected exit, command... (bounded: a hang fails as exit 124)
  local what="$1" want="$2"; shift 2
  timeout 20 "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $what: exit $rc, want $want" >&2; sed 's/^/  out: /' "$tmp/out" >&2; sed 's/^/  err: /' "$tmp/err" >&2
    fail=1; return 1
  fi
}
expect() { # description, file, grep -E pattern
  grep -qE -- "$3" "$2" || { echo "FAIL $1: no match for /$3/ in:" >&2; sed 's/^/  /' "$2" >&2; fail=1; }
}

mkdir -p "$tmp/v1"
printf 'syntax = "proto3";\n\npackage t;\n\nmessage M {\n  string a = 1;\n}\n' > "$tmp/v1/m.proto"
# A file that protoc would compile if it were followed: a host file must never be.
mkdir -p "$tmp/host"
printf 'syntax = "proto3";\n\npackage host;\n\nmessage Secret {\n  string s = 1;\n}\n' > "$tmp/host/secret.proto"

# ---- symlinks in a directory input
mkdir -p "$tmp/loop/sub"; cp "$tmp/v1/m.proto" "$tmp/loop/"
ln -s . "$tmp/loop/a"; ln -s . "$tmp/loop/b"; ln -s .. "$tmp/loop/sub/up"
check "two links to . (bounded, an error)" 2 "$evs" breaking "$tmp/loop" --against "$tmp/v1"
expect "loop named" "$tmp/err" 'loop/a: symlink leads to a directory already read'

mkdir -p "$tmp/twice/real"; cp "$tmp/v1/m.proto" "$tmp/twice/real/"; ln -s real "$tmp/twice/zlink"
check "second link to one directory" 2 "$evs" breaking "$tmp/twice" --against "$tmp/v1"
expect "second path named" "$tmp/err" 'twice/zlink: symlink leads to a directory already read'

mkdir -p "$tmp/escfile"; cp "$tmp/v1/m.proto" "$tmp/escfile/"; ln -s "$tmp/host/secret.proto" "$tmp/escfile/evil.proto"
check "file link out of the input" 2 "$evs" breaking "$tmp/escfile" --against "$tmp/v1"
expect "file link named" "$tmp/err" 'escfile/evil\.proto: symlink leads out of the input directory \(to .*host/secret\.proto\)'

mkdir -p "$tmp/escdir"; cp "$tmp/v1/m.proto" "$tmp/escdir/"; ln -s ../host "$tmp/escdir/vendor"
check "directory link out of the input" 2 "$evs" breaking "$tmp/escdir" --against "$tmp/v1"
expect "dir link named" "$tmp/err" 'escdir/vendor: symlink leads out of the input directory'

mkdir -p "$tmp/inside/sub"; cp "$tmp/v1/m.proto" "$tmp/inside/sub/"; ln -s sub/m.proto "$tmp/inside/top.proto"
ln -s sub "$tmp/inside/.hidden-link"; ln -s /nonexistent "$tmp/inside/README"; ln -s "$tmp/host/secret.proto" "$tmp/inside/notes.txt"
# A link to a file inside the input is followed (protoc then sees the message twice: its own error).
check "file link inside the input is followed" 2 "$evs" breaking "$tmp/inside" --against "$tmp/v1"
expect "followed link reaches protoc" "$tmp/err" 'already defined'
rm "$tmp/inside/top.proto"
check "unused links (hidden, dangling, not .proto) are ignored" 0 "$evs" breaking "$tmp/inside" --against "$tmp/v1"

mkdir -p "$tmp/dangling"; cp "$tmp/v1/m.proto" "$tmp/dangling/"; ln -s gone.proto "$tmp/dangling/x.proto"
check "dangling .proto link" 2 "$evs" breaking "$tmp/dangling" --against "$tmp/v1"
expect "dangling named" "$tmp/err" 'dangling/x\.proto: symlink leads nowhere'

ln -s v1 "$tmp/rootlink"
check "the input itself may be a link" 0 "$evs" breaking "$tmp/rootlink" --against "$tmp/v1"

# ---- non-regular files named .proto
mkdir -p "$tmp/fifo"; cp "$tmp/v1/m.proto" "$tmp/fifo/"; mkfifo "$tmp/fifo/x.proto"
check "FIFO in a directory (no hang)" 2 "$evs" breaking "$tmp/fifo" --against "$tmp/v1"
expect "FIFO named" "$tmp/err" 'fifo/x\.proto: a FIFO, not a \.proto file'
check "FIFO given as the .proto input (no hang)" 2 "$evs" breaking "$tmp/fifo/x.proto" --against "$tmp/v1"
expect "FIFO input named" "$tmp/err" 'x\.proto is a FIFO'
mkdir -p "$tmp/fifolink"; cp "$tmp/v1/m.proto" "$tmp/fifolink/"; ln -s ../fifo/x.proto "$tmp/fifolink/y.proto"
check "link out of the input to a FIFO" 2 "$evs" breaking "$tmp/fifolink" --against "$tmp/v1"
# A descriptor set may come from a pipe (process substitution).
"$evs" breaking "$tmp/v1" --write-set "$tmp/v1.binpb" 2>/dev/null || { echo "FAIL write-set" >&2; fail=1; }
check "descriptor set from a pipe" 0 bash -c '"$1" breaking "$2" --against <(cat "$3")' _ "$evs" "$tmp/v1" "$tmp/v1.binpb"

# ---- git trees with links out of the repository
if command -v git >/dev/null; then
  repo="$tmp/repo"; mkdir -p "$repo/proto/.cache"
  cp "$tmp/v1/m.proto" "$repo/proto/"
  (cd "$repo" && git init -q && git config user.email t@example.com && git config user.name t &&
    git add proto && git commit -qm clean &&
    ln -s "$tmp/host/secret.proto" proto/evil.proto && git add proto/evil.proto && git commit -qm file-link &&
    git rm -q proto/evil.proto && ln -s ../../../../../../../../../../../../../etc proto/vendor && git add proto/vendor && git commit -qm dir-link &&
    git rm -q proto/vendor && ln -s /etc proto/.cache/etc && git add -f proto/.cache/etc && git commit -qm hidden-link &&
    git rm -q proto/.cache/etc && ln -s ../elsewhere proto/gone && git add proto/gone && git commit -qm dangling-link &&
    git rm -q proto/gone && ln -s m.proto proto/alias.txt && git add proto/alias.txt && git commit -qm inner-link) ||
    { echo "FAIL git setup" >&2; fail=1; }
  cd "$repo" || exit 1
  check "git: clean tree" 0 "$evs" breaking proto --against git:HEAD~5:proto
  check "git: file link to a host file" 2 "$evs" breaking proto --against git:HEAD~4:proto
  expect "git file link named" "$tmp/err" 'git:HEAD~4:proto/evil\.proto: symlink leads out of the input directory'
  check "git: directory link out of the repository" 2 "$evs" breaking proto --against git:HEAD~3:proto
  expect "git dir link named" "$tmp/err" 'git:HEAD~3:proto/vendor: symlink leads out'
  check "git: hidden link out of the tree (imports could reach it)" 2 "$evs" breaking proto --against git:HEAD~2:proto
  expect "git hidden link named" "$tmp/err" 'proto/\.cache/etc: symlink leads out'
  check "git: link out of the extracted tree that leads nowhere" 2 "$evs" breaking proto --against git:HEAD~1:proto
  expect "git dangling link named" "$tmp/err" 'proto/gone: symlink leads nowhere'
  check "git: a link inside the tree is fine" 0 "$evs" breaking proto --against git:HEAD:proto
  cd - >/dev/null || exit 1
fi

# ---- signals: temporaries are removed, the exit status says which signal ended the run
mkdir -p "$tmp/tmpdir"
# A protoc that never finishes: evs is inside a compile (its temporary directory exists) when signalled.
printf '#!/bin/sh\ntouch "%s/started"\nexec sleep 60\n' "$tmp" > "$tmp/slow-protoc"; chmod +x "$tmp/slow-protoc"
for sig in TERM INT HUP; do
  rm -f "$tmp/started"
  TMPDIR="$tmp/tmpdir" EVS_PROTOC="$tmp/slow-protoc" "$evs" breaking "$tmp/v1" --against "$tmp/v1" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 100); do [ -e "$tmp/started" ] && break; sleep 0.1; done
  [ -e "$tmp/started" ] || { echo "FAIL SIG$sig: protoc never started" >&2; fail=1; }
  [ -n "$(ls -A "$tmp/tmpdir")" ] || { echo "FAIL SIG$sig: no temporary directory while compiling" >&2; fail=1; }
  kill -s "$sig" "$pid"
  wait "$pid" 2>/dev/null; rc=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" -eq "$want" ] || { echo "FAIL SIG$sig: exit $rc, want $want" >&2; cat "$tmp/err" >&2; fail=1; }
  left=$(ls -A "$tmp/tmpdir")
  [ -z "$left" ] || { echo "FAIL SIG$sig: temporaries left behind: $left" >&2; fail=1; rm -rf "${tmp:?}/tmpdir/"*; }
done
check "normal run leaves no temporaries" 0 env TMPDIR="$tmp/tmpdir" "$evs" breaking "$tmp/v1" --against "$tmp/v1"
[ -z "$(ls -A "$tmp/tmpdir")" ] || { echo "FAIL temporaries after a normal run" >&2; fail=1; }
check "failed run leaves no temporaries" 2 env TMPDIR="$tmp/tmpdir" "$evs" breaking "$tmp/fifo" --against "$tmp/v1"
[ -z "$(ls -A "$tmp/tmpdir")" ] || { echo "FAIL temporaries after a failed run" >&2; fail=1; }

[ "$fail" -eq 0 ] && echo "breaking inputs: all checks passed"
exit "$fail"
