#!/usr/bin/env bash
# The drift check must fail, naming the file and the fixing command, when gen/ is stale or has extras,
# and pass on an exact copy.
set -euo pipefail
fresh="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check() { cmake -DMODE=check -DFRESH="$fresh" -DCOMMITTED="$tmp/gen" -DFIX="FIXCMD" -P "$src/tools/cmake/EvsGenSync.cmake" >"$tmp/out" 2>&1; }
cp -r "$fresh" "$tmp/gen"
check || { cat "$tmp/out"; echo "exact copy reported as drifted" >&2; exit 1; }
echo "// edited" >> "$tmp/gen/evs/v1/options.pb-c.h"
if check; then echo "stale file not detected" >&2; exit 1; fi
grep -q "stale in gen/: evs/v1/options.pb-c.h" "$tmp/out" && grep -q "FIXCMD" "$tmp/out" \
  || { cat "$tmp/out"; echo "drift message lacks the file or the fix command" >&2; exit 1; }
cp "$fresh/evs/v1/options.pb-c.h" "$tmp/gen/evs/v1/options.pb-c.h"
touch "$tmp/gen/evs/v1/removed.pb-c.c"
if check; then echo "extra file not detected" >&2; exit 1; fi
grep -q "no longer generated, still in gen/: evs/v1/removed.pb-c.c" "$tmp/out" || { cat "$tmp/out"; exit 1; }
rm "$tmp/gen/evs/v1/removed.pb-c.c" "$tmp/gen/evs/v1/envelope.pb-c.c"
if check; then echo "missing file not detected" >&2; exit 1; fi
grep -q "missing from gen/: evs/v1/envelope.pb-c.c" "$tmp/out" || { cat "$tmp/out"; exit 1; }
echo "drift check detects stale, extra and missing files"
