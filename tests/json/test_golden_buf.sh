#!/usr/bin/env bash
# The JSON goldens through a third implementation: `buf convert` (npm @bufbuild/buf, Go's protojson, which
# follows the current ProtoJSON spec more closely than libprotobuf 3.21).
#   - every y_ case must be accepted by buf and read as the same message as evs reads it (compared by the
#     C++ oracle's MessageDifferencer);
#   - every n_ case must be rejected by buf;
# unless tests/golden/json/buf_deviations.txt lists the case with a reason (a known Go protojson
# deviation, or a case where the spec allows both answers). A listed case that agrees fails the test, as
# does a line that names no case. Cases with decode options (.expect `options:`) are skipped: buf convert
# has no ignore-unknown switch.
# usage: test_golden_buf.sh <buf> <evs_testcli> <json_oracle> <golden dir> <alltypes set> <builtin set> <workdir>
set -uo pipefail
buf="$1"; evs="$2"; oracle="$3"; golden="$4"; at_set="$5"; builtin_set="$6"; work="$7"
rm -rf "$work"; mkdir -p "$work"
declared="$golden/buf_deviations.txt"
fail=0; n=0; agree=0; skipped=0
listed() { grep -q "^$1[[:space:]]" "$declared" 2>/dev/null || grep -qx "$1" "$declared" 2>/dev/null; }
seen="$work/seen.txt"; : >"$seen"
for dir in "$golden"/*/; do
  type=$(basename "$dir")
  case "$type" in evs.test.*) set_file="$at_set" ;; *) set_file="$builtin_set" ;; esac
  for f in "$dir"[yn]_*.json; do
    name="$type/$(basename "$f")"
    if grep -q '^options:' "${f%.json}.expect" 2>/dev/null; then skipped=$((skipped + 1)); continue; fi
    n=$((n + 1)); echo "$name" >>"$seen"
    if "$buf" convert "$set_file" --type "$type" --from "$f#format=json" --to "$work/buf.binpb#format=binpb" \
      >/dev/null 2>"$work/buf.err"; then buf_ok=1; else buf_ok=0; fi
    why=""
    case "$(basename "$f")" in
      y_*)
        if [ "$buf_ok" -eq 0 ]; then
          why="buf rejects it: $(head -c 200 "$work/buf.err")"
        elif ! "$evs" encode --no-validate -t "$type" --max-depth 1000 -i "$f" -o "$work/evs.binpb" 2>"$work/evs.err"; then
          why="evs rejects it: $(head -c 200 "$work/evs.err")"
        else
          printf '%s\n' "$(od -An -tx1 -v "$work/evs.binpb" | tr -d ' \n')" >"$work/evs.hex"
          printf '%s\n' "$(od -An -tx1 -v "$work/buf.binpb" | tr -d ' \n')" >"$work/buf.hex"
          if ! "$oracle" --descriptor-set "$at_set" --descriptor-set "$builtin_set" --type "$type" \
            bincmp "$work/evs.hex" "$work/buf.hex" >"$work/cmp.out" 2>&1; then
            why="buf reads another message: $(head -c 300 "$work/cmp.out")"
          fi
        fi ;;
      n_*)
        [ "$buf_ok" -eq 1 ] && why="buf accepts it" ;;
    esac
    if [ -z "$why" ]; then
      agree=$((agree + 1))
      if listed "$name"; then echo "FAIL $name: listed in buf_deviations.txt but buf agrees now: remove it"; fail=$((fail + 1)); fi
    elif ! listed "$name"; then
      echo "FAIL $name: $why"; fail=$((fail + 1))
    fi
  done
done
while read -r line; do
  id=${line%%[[:space:]#]*}
  [ -z "$id" ] || [ "${line:0:1}" = "#" ] && continue
  grep -qxF "$id" "$seen" || { echo "FAIL buf_deviations.txt names no case: $id"; fail=$((fail + 1)); }
done <"$declared"
echo "buf convert: $agree of $n cases agree with evs's goldens, $((n - agree)) declared deviations, $skipped skipped; $fail failures"
[ "$fail" -eq 0 ]
