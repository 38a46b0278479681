#!/usr/bin/env bash
# Binary seeds for fuzz_binary_decode: every accepted JSON golden of AllTypes, Recursive and WorkflowEvent
# encoded by the test build of evs, plus a slice of the differential corpus generator's output.
# usage: binary_seeds.sh <evs_testcli> <gen_corpus> <golden dir> <out dir>
set -euo pipefail
evs="$1"; gen="$2"; golden="$3"; out="$4"
rm -rf "$out"; mkdir -p "$out"
for t in evs.test.v1.AllTypes evs.test.v1.Recursive evs.events.workflow.v1.WorkflowEvent; do
  for f in "$golden/$t"/y_*.json; do
    opts=(); grep -q "ignore-unknown" "${f%.json}.expect" 2>/dev/null && opts=(--ignore-unknown)
    "$evs" encode --no-validate -t "$t" "${opts[@]}" --max-depth 1000 -i "$f" -o "$out/$(basename "$f" .json).bin" 2>/dev/null || true
  done
done
# The generator's edge-value messages and 100 random ones, one file each (via JSON lines, the simplest way
# to split a length-delimited stream).
"$gen" --seed 7 --count 100 2>/dev/null | "$evs" decode -t evs.test.v1.AllTypes --delimited 2>/dev/null |
  split -l 1 - "$out/gen_"
for f in "$out"/gen_*; do "$evs" encode --no-validate -t evs.test.v1.AllTypes -i "$f" -o "$f.bin" 2>/dev/null || true; rm -f "$f"; done
# Groups (wire types 3/4), kept as unknown fields: one unknown group holding a nested group and a string,
# an empty one, a mismatched end tag, and a string holding a NUL byte (kept by run-time types, refused by
# compiled ones).
printf '\x08\x01\xfb\x01\x0b\x0a\x01x\x0c\x18\x07\xfc\x01' > "$out/group_nested.bin"
printf '\x08\x01\x93\x02\x94\x02' > "$out/group_empty.bin"
printf '\x93\x02\x14' > "$out/group_mismatch.bin"
printf '\x72\x03a\x00b' > "$out/string_nul.bin"
echo "$(ls "$out" | wc -l) binary seeds"
