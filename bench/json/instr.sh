#!/usr/bin/env bash
# Instructions per message (valgrind callgrind), evs and upb, per corpus and direction: load-independent,
# unlike the timings of run.sh on a shared machine. Needs the binaries and corpora of a previous
# bench/json/run.sh (same build dir). Each cell is Ir(2 passes) - Ir(1 pass) over the first N documents of
# the corpus (BENCH_ONLY selects the direction), divided by N.
# usage: bench/json/instr.sh [build dir (default build)] [N (default 200)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; n="${2:-200}"
work="$build/bench_json"; tmp="$work/instr"; mkdir -p "$tmp"
[ -x "$work/bench_json" ] || { echo "instr.sh: run bench/json/run.sh first" >&2; exit 1; }
sides="evs"; [ -x "$work/bench_json_upb" ] && sides="evs upb"
ir() { # side dir type file passes
  local out="$tmp/cg.$1.$2.$5.$$"
  case $1 in
    evs) flags=""; case $3 in evs.bench.*) flags="--set $work/bench.binpb" ;; esac
      BENCH_ONLY=$2 valgrind --tool=callgrind --callgrind-out-file="$out" "$work/bench_json" run "$3" "$4" "$5" $flags ${EVS_MALLOC:---arena} ;;
    upb) BENCH_ONLY=$2 valgrind --tool=callgrind --callgrind-out-file="$out" "$work/bench_json_upb" run "$work/bench.binpb" "$3" "$4" "$5" ;;
  esac >/dev/null 2>&1
  awk '/^summary:/ {print $2}' "$out"
  rm -f "$out"
}
printf '%-14s %10s %10s %8s | %10s %10s %8s\n' corpus "evs j2b" "upb j2b" "upb/evs" "evs b2j" "upb b2j" "upb/evs"
while read -r name type file; do
  head -n "$n" "$file" >"$tmp/$name.jsonl"
  declare -A v=()
  for side in $sides; do
    for dir in j2b b2j; do
      a=$(ir "$side" "$dir" "$type" "$tmp/$name.jsonl" 1); b=$(ir "$side" "$dir" "$type" "$tmp/$name.jsonl" 2)
      v[$side$dir]=$(((b - a) / n))
    done
  done
  awk -v c="$name" -v ej="${v[evsj2b]}" -v uj="${v[upbj2b]:-0}" -v eb="${v[evsb2j]}" -v ub="${v[upbb2j]:-0}" \
    'BEGIN{printf "%-14s %10d %10d %7.2fx | %10d %10d %7.2fx\n", c, ej, uj, uj/ej, eb, ub, ub/eb}'
  unset v
done <"$work/corpora.txt"
