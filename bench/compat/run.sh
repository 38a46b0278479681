#!/usr/bin/env bash
# Benchmark of `evs breaking` (not a test): generated schema pairs (gen_schema.py) of 50,000 fields (500
# files, 5,000 messages, 260 planted breaks), 100,000 fields (1,000 files) and a --rich pair of 48,000
# fields (200 files; nested types, maps, oneofs, comments; 124 planted breaks), checked from descriptor
# sets, from .proto directories and as a one-file pair. With buf (BUF=path/to/buf) every evs run is
# followed by a buf run on the same input (interleaved), and the script prints the medians and the ratio,
# plus peak memory and whether both report the same (file, rule) findings.
# Usage: bench/compat/run.sh <build dir> [work dir] [rounds, default 9]
set -euo pipefail
build="$(cd "$1" && pwd)"; here="$(cd "$(dirname "$0")" && pwd)"; src="$here/../.."
if [ -n "${2:-}" ]; then work="$2"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
rounds="${3:-9}"; mkdir -p "$work"; cd "$work"
evs="$build/evs"
cfg='{"version":"v2","breaking":{"use":["WIRE_JSON"]}}'
gen() { # dir files [--rich]: a schema pair and its descriptor sets
  python3 "$here/gen_schema.py" ${3:-} "$1" "$2" >/dev/null
  "$evs" breaking "$1/current" --write-set "$1/cur.binpb" 2>/dev/null
  "$evs" breaking "$1/previous" --write-set "$1/prev.binpb" 2>/dev/null
}
gen s50k 500; gen s100k 1000; gen r48k 200 --rich
mkdir -p one/c one/p; cp s50k/current/bench/p0/f0.proto one/c/; cp s50k/previous/bench/p0/f0.proto one/p/
"$evs" breaking one/c --write-set one/c.binpb 2>/dev/null; "$evs" breaking one/p --write-set one/p.binpb 2>/dev/null
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" -I"$src/gen" "$here/bench_compat.c" \
  "$build/libevs.a" "$build/libevs-wkt.a" $(pkg-config --libs libprotobuf-c uuid rdkafka libpcre2-8 libpq) \
  -lpthread -o bench_compat

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 10000)); }
median() { sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 100}'; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
compare() { # label, evs args..., --, buf args...
  local label="$1"; shift; local e=() b=()
  while [ "$1" != -- ]; do e+=("$1"); shift; done; shift; b=("$@")
  : >evs.t; : >buf.t
  for _ in $(seq "$rounds"); do
    ms "$evs" "${e[@]}" >>evs.t
    if [ -n "${BUF:-}" ]; then ms "$BUF" "${b[@]}" >>buf.t; fi
  done
  local te tb; te=$(median <evs.t)
  if [ -n "${BUF:-}" ]; then
    tb=$(median <buf.t)
    printf '%-30s evs %7s ms  buf %8s ms  buf/evs %5.1fx  memory evs %6s KB  buf %7s KB\n' "$label" "$te" "$tb" \
      "$(awk -v a="$tb" -v b="$te" 'BEGIN{print a / b}')" "$(rss "$evs" "${e[@]}")" "$(rss "$BUF" "${b[@]}")"
  else
    printf '%-30s evs %7s ms  memory %6s KB\n' "$label" "$te" "$(rss "$evs" "${e[@]}")"
  fi
}
verdict() { sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: \{0,1\}\([A-Z_]*\):.*/\1 \2/p' | sort; }

echo "in-process phases, 50,000 fields (best of 5):"; ./bench_compat s50k/cur.binpb s50k/prev.binpb 5
echo "medians of $rounds interleaved runs:"
for s in s50k s100k r48k; do
  compare "$s, descriptor sets" breaking $s/cur.binpb --against $s/prev.binpb -- \
    breaking $s/cur.binpb --against $s/prev.binpb --config "$cfg"
done
compare "one-file pair, descriptor sets" breaking one/c.binpb --against one/p.binpb -- \
  breaking one/c.binpb --against one/p.binpb --config "$cfg"
rm -rf bc bp; cp -r s50k/current bc; cp -r s50k/previous bp
for s in bc bp; do printf 'version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n' >"$s/buf.yaml"; done
compare "s50k, .proto directories" breaking s50k/current --against s50k/previous -- breaking bc --against bp

for s in s50k s100k r48k; do
  "$evs" breaking $s/cur.binpb --against $s/prev.binpb 2>/dev/null | verdict >$s/evs.txt || true
  sort $s/expected_breaks.txt | diff -q - $s/evs.txt >/dev/null &&
    echo "$s: evs finds exactly the $(wc -l <$s/evs.txt) planted breaks"
  if [ -n "${BUF:-}" ]; then
    "$BUF" breaking $s/cur.binpb --against $s/prev.binpb --config "$cfg" --error-format json 2>/dev/null |
      python3 -c 'import json,sys; [print(d["path"], d["type"]) for d in map(json.loads, sys.stdin)]' |
      sort >$s/buf.txt || true
    diff -q $s/buf.txt $s/evs.txt >/dev/null && echo "$s: buf and evs report the same $(wc -l <$s/buf.txt) (file, rule) findings"
  fi
done
