#!/usr/bin/env bash
# Fails when a C source or header of evs differs from what clang-format (.clang-format) makes of it.
# Generated code (gen/) and third-party oracles are not ours and are skipped. Fix with: tools/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^gen/' || true)
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(find include src tools tests bench -name '*.[ch]' 2>/dev/null | grep -v node_modules)
fi
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f" >&2
    bad=1
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "run: tools/check-format.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
