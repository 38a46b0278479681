#!/usr/bin/env bash
# ctest wrapper of the ECMA-262 pattern oracle: evs's translations and verdicts (pattern_ecma_cases) checked
# by node's RegExp with the `u` flag. Exits 77 (ctest: skipped) when node is not installed.
# Usage: run_pattern_ecma.sh <pattern_ecma_cases binary> <source dir>
set -euo pipefail
cases="$1"; src="$2"
command -v node >/dev/null || { echo "node not found: skipped" >&2; exit 77; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
"$cases" > "$tmp"
node "$src/tests/oracles/pattern_ecma.js" < "$tmp"
