#!/usr/bin/env bash
# docs/errors.md must list every evs_status of include/evs/error.h, and nothing that is not one.
set -euo pipefail
src="$1"
codes=$(grep -o -E '^  EVS_ERR_[A-Z_]+' "$src/include/evs/error.h" | tr -d ' ' | sort -u)
documented=$(grep -o -E '^\| `EVS_ERR_[A-Z_]+`' "$src/docs/errors.md" | grep -o -E 'EVS_ERR_[A-Z_]+' | sort -u)
if [ "$codes" != "$documented" ]; then
  echo "docs/errors.md and include/evs/error.h disagree:" >&2
  diff <(echo "$codes") <(echo "$documented") >&2 || true
  exit 1
fi
echo "error docs: $(echo "$codes" | wc -l) codes documented"
