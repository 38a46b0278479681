#!/usr/bin/env bash
# JSON codec benchmark: evs vs upb (built from a fetched source tree, when present) and libprotobuf 3.21 C++
# (generated code + util/json_util), and protobuf-es when npm @bufbuild/protobuf is installed
# (tools/install-deps.sh --npm). Not a ctest test: timings on a shared machine are noisy. Each driver times
# its own CPU time (CLOCK_PROCESS_CPUTIME_ID: wall time would count the waits for a core); rounds are
# interleaved (the side that goes first rotates) and the median round of each side is reported.
# Results go to docs/performance.md by hand.
#
# usage: bench/json/run.sh [build dir (default build)] [rounds (default 5)] [corpus passes per round (default 5)]
#        [messages per corpus (default 1000)]
# env:   CORPORA="workflow task ..." to run a subset; SIDES="evs upb cpp" to choose sides (dyn = evs with
#        the catalog's run-time descriptors, es = protobuf-es); EVS_MALLOC=1 to decode evs's messages with
#        malloc instead of an evs_arena; SKIP_VALIDATE=1 to leave out the validation rows
#
# Corpora (bench/json/gen_corpus.py, fixed seed): catalog WorkflowEvent (Struct payloads, full-precision
# doubles) and TaskEvent (25 % of int64 beyond 2^53), and the bench-only types of
# bench/json/proto/evs/bench/v1/bench.proto: full-precision and short doubles, 64-bit integers beyond 2^53,
# long / escaped / non-ASCII strings, deep Structs, maps, many small fields. Catalog types run on evs's
# compiled descriptors, bench types on run-time descriptors from the descriptor set (docs/json.md).
#
# upb is never vendored: fetch it into bench/json/third_party/ (git-ignored) first, e.g.
#   git clone --depth 1 https://github.com/protocolbuffers/upb /tmp/upb && cp -r /tmp/upb/archive bench/json/third_party/upb
#   git clone --depth 1 https://github.com/protocolbuffers/utf8_range bench/json/third_party/utf8_range
# (the archived standalone upb, last commit 2023-09; built with cc -O2 -DNDEBUG from its C sources and the
# pre-generated cmake/google/protobuf/descriptor.upb.c).
#
# Before timing, every side's output is checked against libprotobuf: each side converts each corpus
# document to binary and that binary back to JSON, and bench_json_cpp check requires both to equal
# libprotobuf's own parse of the document (maps as maps, doubles exactly). A disagreement stops the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; rounds="${2:-5}"; passes="${3:-5}"; count="${4:-1000}"
work="$build/bench_json"; mkdir -p "$work/cpp" "$work/corpus" "$work/check"
[ -f "$build/libevs.a" ] || cmake --build "$build" --target evs_static evs_wkt
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -I"$build/gen" -Igen bench/json/bench_json.c \
  "$build/libevs.a" "$build/libevs-wkt.a" $(pkg-config --libs libprotobuf-c uuid rdkafka libpcre2-8) -lpthread \
  -o "$work/bench_json"
protos=(evs/v1/options.proto events/workflow/v1/workflow_events.proto events/tasks/v1/task_events.proto
  evs/bench/v1/bench.proto)
set_file="$work/bench.binpb"
protoc -Iproto -Ibench/json/proto -I/usr/include --include_imports --descriptor_set_out="$set_file" "${protos[@]}"
if [ ! -x "$work/bench_json_cpp" ] || [ bench/json/bench_json_cpp.cc -nt "$work/bench_json_cpp" ]; then
  protoc -Iproto -Ibench/json/proto -I/usr/include --cpp_out="$work/cpp" "${protos[@]}"
  c++ -O2 -std=c++17 -I"$work/cpp" bench/json/bench_json_cpp.cc $(for p in "${protos[@]}"; do echo "$work/cpp/${p%.proto}.pb.cc"; done) \
    $(pkg-config --cflags --libs protobuf) -o "$work/bench_json_cpp"
fi

upb_src=bench/json/third_party/upb utf8_src=bench/json/third_party/utf8_range
have_upb=""
if [ -f "$upb_src/upb/json/decode.c" ] && [ -f "$utf8_src/utf8_range.h" ]; then
  if [ ! -f "$work/upb/libupb.a" ]; then
    mkdir -p "$work/upb"
    for f in $(cd "$upb_src" && ls upb/{base,collections,hash,json,lex,mem,message,mini_descriptor,mini_descriptor/internal,mini_table,mini_table/internal,reflection,wire}/*.c | grep -v -E 'test|fuzz') \
      cmake/google/protobuf/descriptor.upb.c; do
      cc -O2 -DNDEBUG -std=c99 -I"$upb_src" -I"$upb_src/cmake" -I"$utf8_src" -c "$upb_src/$f" -o "$work/upb/$(echo "$f" | tr / _).o"
    done
    cc -O2 -DNDEBUG -msse4.1 -I"$utf8_src" -c "$utf8_src/range2-sse.c" -o "$work/upb/utf8_range2.o"
    cc -O2 -DNDEBUG -c "$utf8_src/naive.c" -o "$work/upb/utf8_naive.o"
    ar rcs "$work/upb/libupb.a" "$work"/upb/*.o
  fi
  cc -O2 -DNDEBUG -std=c11 -D_POSIX_C_SOURCE=200809L -I"$upb_src" -I"$upb_src/cmake" bench/json/bench_json_upb.c \
    "$work/upb/libupb.a" -o "$work/bench_json_upb"
  have_upb=1
else
  echo "run.sh: no upb source tree in $upb_src (+ $utf8_src): upb is left out; see the top of this script" >&2
fi
default_sides="evs cpp"; [ -n "$have_upb" ] && default_sides="evs upb cpp"
[ -d tests/oracles/node_modules/@bufbuild/protobuf ] && default_sides="$default_sides es"
read -r -a sides_all <<<"${SIDES:-$default_sides}"

python3 bench/json/gen_corpus.py "$work/corpus" "$count" >"$work/corpora.txt"
[ -n "${CORPORA:-}" ] && grep -E "^($(echo "$CORPORA" | tr ' ' '|')) " "$work/corpora.txt" >"$work/corpora.sel" &&
  mv "$work/corpora.sel" "$work/corpora.txt"

evs_flags() { # catalog types: compiled descriptors (dyn: run-time ones); bench types: from the set
  case "$1:$2" in
    *:evs.bench.*) echo "--set $set_file" ;;
    dyn:*) echo --dynamic ;;
  esac
}
arena=--arena; [ -n "${EVS_MALLOC:-}" ] && arena= # evs's messages in an evs_arena, as upb's in its arena
run_side() { # side type file passes
  case $1 in
    evs | dyn) "$work/bench_json" run "$2" "$3" "$4" $(evs_flags "$1" "$2") $arena ;;
    upb) "$work/bench_json_upb" run "$set_file" "$2" "$3" "$4" ;;
    cpp) "$work/bench_json_cpp" run "$2" "$3" "$4" ;;
    es) node bench/json/bench_es.mjs "$set_file" "$2" "$3" "$4" ;;
  esac
}

echo "agreement check (each side's json->binary and binary->json against libprotobuf's parse):"
while read -r name type file; do
  checked=()
  for side in "${sides_all[@]}"; do
    out="$work/check/${side}_$name"
    case $side in
      evs | dyn) "$work/bench_json" dump "$type" "$file" "$out" $(evs_flags "$side" "$type") ;;
      upb) "$work/bench_json_upb" dump "$set_file" "$type" "$file" "$out" ;;
      cpp) "$work/bench_json_cpp" dump "$type" "$file" "$out" ;;
      es) continue ;;
    esac
    "$work/bench_json_cpp" check "$type" "$file" "$out" >"$out.txt" || {
      echo "  $name $side: DISAGREES"; cat "$out.txt"; exit 1
    }
    checked+=("$side")
  done
  echo "  $name: ${checked[*]} agree (es is not checked)"
done <"$work/corpora.txt"

: >"$work/results.txt"
for r in $(seq 1 "$rounds"); do
  while read -r name type file; do
    sides=("${sides_all[@]}")
    k=$((r % ${#sides[@]}))
    sides=("${sides[@]:k}" "${sides[@]:0:k}") # rotate who goes first
    for side in "${sides[@]}"; do
      echo "$r $name $side $(run_side "$side" "$type" "$file" "$passes")" >>"$work/results.txt"
    done
  done <"$work/corpora.txt"
  echo "round $r of $rounds done" >&2
done

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo
echo "median CPU ns per message over $rounds interleaved rounds ($passes passes of $count messages each);"
echo "ratio = the other side's time / evs's time (> 1: evs faster)"
printf '%-14s %6s | %9s %9s %9s %7s %7s | %9s %9s %9s %7s %7s\n' corpus "B/msg" "evs j2b" "upb j2b" "cpp j2b" \
  "upb/evs" "cpp/evs" "evs b2j" "upb b2j" "cpp b2j" "upb/evs" "cpp/evs"
while read -r name type file; do
  bytes=$(awk -v t="$name" '$2==t {print int($7/$6); exit}' "$work/results.txt")
  declare -A j=() b=()
  for side in "${sides_all[@]}"; do
    j[$side]=$(awk -v t="$name" -v s="$side" '$2==t && $3==s {print $4}' "$work/results.txt" | median)
    b[$side]=$(awk -v t="$name" -v s="$side" '$2==t && $3==s {print $5}' "$work/results.txt" | median)
  done
  awk -v n="$name" -v by="$bytes" -v ej="${j[evs]}" -v uj="${j[upb]:-0}" -v cj="${j[cpp]:-0}" \
    -v eb="${b[evs]}" -v ub="${b[upb]:-0}" -v cb="${b[cpp]:-0}" \
    'BEGIN{printf "%-14s %6d | %9.0f %9.0f %9.0f %6.2fx %6.2fx | %9.0f %9.0f %9.0f %6.2fx %6.2fx\n",
      n, by, ej, uj, cj, uj/ej, cj/ej, eb, ub, cb, ub/eb, cb/eb}'
  for side in dyn es; do
    [ -n "${j[$side]:-}" ] && awk -v n="$name" -v s="$side" -v ej="${j[evs]}" -v eb="${b[evs]}" -v sj="${j[$side]}" \
      -v sb="${b[$side]}" 'BEGIN{printf "%-14s %s/evs %.2fx (json->bin), %.2fx (bin->json)\n", n, s, sj/ej, sb/eb}'
  done
  unset j b
done <"$work/corpora.txt"

[ -n "${SKIP_VALIDATE:-}" ] && exit 0
echo
echo "validation (evs_validate_message right after evs_json_decode) as a share of decoding, median of paired passes"
"$work/bench_json" gen "$work" 2000
for t in "evs.events.workflow.v1.WorkflowEvent workflow" "evs.events.tasks.v1.TaskEvent task"; do
  set -- $t
  for mode in compiled dynamic; do
    flag=; [ $mode = dynamic ] && flag=--dynamic
    read -r dec val ratio invalid < <("$work/bench_json" validate "$1" "$work/$2.jsonl" 31 $flag)
    awk -v t="$2" -v m=$mode -v d="$dec" -v v="$val" -v r="$ratio" -v i="$invalid" \
      'BEGIN{printf "%-8s %-8s decode %6d ns, validate %6.1f ns = %4.1f %% of decoding (%d invalid)\n", t, m, d, v, r * 100, i}'
  done
done
