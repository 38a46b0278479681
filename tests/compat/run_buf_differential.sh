#!/usr/bin/env bash
# ctest wrapper of buf_differential.sh: finds buf ($EVS_BUF, then tests/oracles/node_modules/.bin/buf as
# installed by `npm ci` in tests/oracles, then buf on PATH); exits 77 (ctest: skipped) when there is none.
# Usage: run_buf_differential.sh <evs binary> <source dir> [script in tests/compat; buf_differential.sh]
set -uo pipefail
evs="$1"; src="$2"; script="${3:-buf_differential.sh}"
for b in "${EVS_BUF:-}" "$src/tests/oracles/node_modules/.bin/buf" "$(command -v buf 2>/dev/null)"; do
  if [ -n "$b" ] && [ -x "$b" ]; then exec bash "$src/tests/compat/$script" "$b" "$evs" "$src/tests/compat"; fi
done
echo "buf not found (set EVS_BUF, or npm install @bufbuild/buf in tests/oracles): skipped" >&2
exit 77
