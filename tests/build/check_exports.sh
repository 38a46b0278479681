#!/usr/bin/env bash
# libevs.so must export the evs_ API (and the evs__ code generated from proto/) and nothing else.
set -euo pipefail
lib="$1"
syms=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$syms" | grep -v -E '^(evs_|_init$|_fini$|$)' || true)
if [ -n "$bad" ]; then
  echo "libevs exports symbols without the evs_ prefix:" >&2
  printf '  %s\n' $bad >&2
  exit 1
fi
for want in evs_version evs_status_name evs_error_format evs_builtin_catalog; do
  grep -qx "$want" <<<"$syms" || { echo "libevs does not export $want" >&2; exit 1; }
done
hidden=$(printf '%s\n' "$syms" | grep -c -E '^evs_fail$' || true)
[ "$hidden" -eq 0 ] || { echo "internal helper evs_fail is exported" >&2; exit 1; }
echo "exports: $(printf '%s\n' "$syms" | grep -c .) symbols, all evs_"
