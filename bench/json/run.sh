#!/usr/bin/env bash
# JSON codec benchmark: evs (compiled and dynamic descriptors) vs libprotobuf 3.21 C++ (generated code + util/json_util) and, when npm
# @bufbuild/protobuf is installed (tools/install-deps.sh --npm), protobuf-es. Not a ctest test: timings on
# a shared machine are noisy. Rounds are interleaved (the side that goes first alternates) and the median
# of each side is reported. Results go to docs/performance.md by hand.
# usage: bench/json/run.sh [build dir (default build)] [rounds (default 5)] [corpus passes per round (default 20)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; rounds="${2:-5}"; passes="${3:-20}"
work="$build/bench_json"; mkdir -p "$work/cpp"
[ -f "$build/libevs.a" ] || cmake --build "$build" --target evs_static evs_wkt
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -I"$build/gen" -Igen bench/json/bench_json.c \
  "$build/libevs.a" "$build/libevs-wkt.a" $(pkg-config --libs libprotobuf-c uuid rdkafka libpcre2-8) -lpthread \
  -o "$work/bench_json"
protoc -Iproto -I/usr/include --cpp_out="$work/cpp" evs/v1/options.proto \
  events/workflow/v1/workflow_events.proto events/tasks/v1/task_events.proto
c++ -O2 -std=c++17 -I"$work/cpp" bench/json/bench_json_cpp.cc "$work"/cpp/evs/v1/options.pb.cc \
  "$work"/cpp/events/workflow/v1/workflow_events.pb.cc "$work"/cpp/events/tasks/v1/task_events.pb.cc \
  $(pkg-config --cflags --libs protobuf) -o "$work/bench_json_cpp"
"$work/bench_json" gen "$work" 2000
set_file=gen/evs_descriptor_set.binpb
es=""
[ -d tests/oracles/node_modules/@bufbuild/protobuf ] && es=1

types=("evs.events.workflow.v1.WorkflowEvent workflow" "evs.events.tasks.v1.TaskEvent task")
: >"$work/results.txt"
for r in $(seq 1 "$rounds"); do
  for t in "${types[@]}"; do
    set -- $t; type=$1; file="$work/$2.jsonl"
    sides=(evs dyn cpp); [ -n "$es" ] && sides+=(es)
    [ $((r % 2)) -eq 0 ] && sides=("${sides[@]:1}" "${sides[0]}")   # alternate who goes first
    for side in "${sides[@]}"; do
      case $side in
        evs) res=$("$work/bench_json" run "$type" "$file" "$passes") ;;
        dyn) res=$("$work/bench_json" run "$type" "$file" "$passes" --dynamic) ;;
        cpp) res=$("$work/bench_json_cpp" run "$type" "$file" "$passes") ;;
        es) res=$(node bench/json/bench_es.mjs "$set_file" "$type" "$file" "$passes") ;;
      esac
      echo "$r $2 $side $res" | tee -a "$work/results.txt"
    done
  done
done
echo
echo "median ns per message (json->binary, binary->json); ratio = other side's time / evs's time"
for t in workflow task; do
  bytes=$(awk -v t=$t '$2==t {print int($7/$6); exit}' "$work/results.txt")
  for side in evs dyn cpp es; do
    grep -q " $t $side " "$work/results.txt" || continue
    j2b=$(awk -v t=$t -v s=$side '$2==t && $3==s {print $4}' "$work/results.txt" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    b2j=$(awk -v t=$t -v s=$side '$2==t && $3==s {print $5}' "$work/results.txt" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    eval "${side}_j2b=$j2b ${side}_b2j=$b2j"
    printf '%-8s %-4s %10s %10s\n' "$t" "$side" "$j2b" "$b2j"
  done
  awk -v t=$t -v b=$bytes -v ej=$evs_j2b -v eb=$evs_b2j -v cj=$cpp_j2b -v cb=$cpp_b2j \
    'BEGIN{printf "%-8s ~%d B JSON: C++/evs %.2fx (json->bin), %.2fx (bin->json)\n", t, b, cj/ej, cb/eb}'
  awk -v t=$t -v ej=$evs_j2b -v eb=$evs_b2j -v dj=$dyn_j2b -v db=$dyn_b2j \
    'BEGIN{printf "%-8s dynamic/compiled descriptors %.2fx (json->bin), %.2fx (bin->json)\n", t, dj/ej, db/eb}'
  if [ -n "$es" ]; then
    awk -v t=$t -v ej=$evs_j2b -v eb=$evs_b2j -v sj=$es_j2b -v sb=$es_b2j \
      'BEGIN{printf "%-8s protobuf-es/evs %.2fx (json->bin), %.2fx (bin->json)\n", t, sj/ej, sb/eb}'
  fi
done

echo
echo "validation (evs_validate_message right after evs_json_decode) as a share of decoding, median of paired passes"
for t in "${types[@]}"; do
  set -- $t
  for mode in compiled dynamic; do
    flag=; [ $mode = dynamic ] && flag=--dynamic
    read -r dec val ratio invalid < <("$work/bench_json" validate "$1" "$work/$2.jsonl" 31 $flag)
    awk -v t="$2" -v m=$mode -v d="$dec" -v v="$val" -v r="$ratio" -v i="$invalid" \
      'BEGIN{printf "%-8s %-8s decode %6d ns, validate %6.1f ns = %4.1f %% of decoding (%d invalid)\n", t, m, d, v, r * 100, i}'
  done
done
