#!/usr/bin/env bash
# docs/events/ (Markdown pages and catalog.html) must be what `evs docs` writes for the builtin catalog
# now: a change to a .proto comment, rule or option without regenerating them fails here, with the command
# that regenerates them.
# usage: check_docs_fresh.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$evs" docs --out "$tmp/events" --html "$tmp/events/catalog.html" 2> "$tmp/err" || { cat "$tmp/err"; echo "FAIL: evs docs"; exit 1; }
if ! diff -r "$src/docs/events" "$tmp/events" > "$tmp/diff"; then
  head -40 "$tmp/diff"
  echo "FAIL: docs/events is stale; regenerate it from the source directory with:"
  echo "  $evs docs --out docs/events --html docs/events/catalog.html"
  exit 1
fi
echo "docs/events is up to date ($(ls "$tmp/events" | wc -l) files)"
