#!/usr/bin/env bash
# Benchmark of `evs breaking` (not a test): a generated schema pair of 500 files, 5,000 messages and 50,000
# fields with 260 planted breaks (gen_schema.py), checked from descriptor sets, from .proto directories and
# as a one-file pair; with buf when available (BUF=path/to/buf), for time, peak memory and verdicts.
# Usage: bench/compat/run.sh <build dir> [work dir]
set -euo pipefail
build="$(cd "$1" && pwd)"; here="$(cd "$(dirname "$0")" && pwd)"; src="$here/../.."
work="${2:-$(mktemp -d)}"; mkdir -p "$work"; cd "$work"
evs="$build/evs"
python3 "$here/gen_schema.py" "$work" >/dev/null
"$evs" breaking current --write-set cur.binpb 2>/dev/null
"$evs" breaking previous --write-set prev.binpb 2>/dev/null
mkdir -p one/c one/p; cp current/bench/p0/f0.proto one/c/; cp previous/bench/p0/f0.proto one/p/
"$evs" breaking one/c --write-set one/c.binpb 2>/dev/null; "$evs" breaking one/p --write-set one/p.binpb 2>/dev/null
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" -I"$src/gen" "$here/bench_compat.c" \
  "$build/libevs.a" "$build/libevs-wkt.a" -lprotobuf-c -luuid -lpthread -o bench_compat
best() { # label, command...: best wall time of 5 runs and its peak RSS
  local label="$1"; shift; local b=999999 rss=0
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o t.txt "$@" >/dev/null 2>&1 || true
    read -r s kb < <(tail -1 t.txt); ms=$(awk -v s="$s" 'BEGIN{printf "%d", s * 1000}')
    if [ "$ms" -lt "$b" ]; then b=$ms; rss=$kb; fi
  done
  printf '%-34s %6d ms %8d KB\n' "$label" "$b" "$rss"
}
verdict() { sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: \{0,1\}\([A-Z_]*\):.*/\1 \2/p' | sort; }
echo "in-process phases (best of 5):"; ./bench_compat cur.binpb prev.binpb 5
best "evs, descriptor sets" "$evs" breaking cur.binpb --against prev.binpb
best "evs, .proto directories" "$evs" breaking current --against previous
best "evs, one-file pair (sets)" "$evs" breaking one/c.binpb --against one/p.binpb
"$evs" breaking cur.binpb --against prev.binpb 2>/dev/null | verdict > evs.txt || true
sort expected_breaks.txt | diff -q - evs.txt >/dev/null && echo "evs finds exactly the $(wc -l < evs.txt) planted breaks"
if [ -n "${BUF:-}" ]; then
  cfg='{"version":"v2","breaking":{"use":["WIRE_JSON"]}}'
  best "buf, descriptor sets" "$BUF" breaking cur.binpb --against prev.binpb --config "$cfg"
  rm -rf bc bp; cp -r current bc; cp -r previous bp
  for s in bc bp; do printf 'version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n' > "$s/buf.yaml"; done
  best "buf, .proto directories" "$BUF" breaking bc --against bp
  "$BUF" breaking cur.binpb --against prev.binpb --config "$cfg" --error-format json 2>/dev/null |
    python3 -c 'import json,sys; [print(d["path"], d["type"]) for d in map(json.loads, sys.stdin)]' | sort > buf.txt || true
  diff -q buf.txt evs.txt >/dev/null && echo "buf and evs report the same $(wc -l < buf.txt) (file, rule) findings"
fi
