#!/usr/bin/env bash
# Seeds for fuzz_cloudevents: every line of the given JSON-lines files as one file in <out dir>.
# usage: cloudevents_seeds.sh <out dir> <file.jsonl>...
set -euo pipefail
out="$1"; shift
rm -rf "$out"; mkdir -p "$out"
i=0
for f in "$@"; do
  while IFS= read -r line || [ -n "$line" ]; do
    i=$((i + 1))
    printf '%s' "$line" > "$out/line_$i.json"
  done < "$f"
done
echo "cloudevents seeds: $i lines"
