#!/usr/bin/env bash
# The project's own compatibility gate:
#  1. the catalog in proto/ against the last released snapshot (schemas/catalog-released.binpb) at the
#     wire-json level: a change that breaks binary or JSON readers of released events fails CI;
#  2. TodoCreated v1 -> v2 (different packages) is safe in both directions (--mode full);
#  3. a negative control: v2 -> v1 (dropping tags) must be reported, so a silently empty comparison fails.
# Cut a new snapshot at release time with: evs breaking proto --write-set schemas/catalog-released.binpb
# Usage: check_catalog.sh <evs binary> <source dir>
set -uo pipefail
evs="$1"; src="$2"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # want, what, args...
  local want="$1" what="$2"; shift 2
  "$evs" breaking "$@" >"$tmp/out" 2>&1; local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $what: exit $rc, want $want" >&2; sed 's/^/  /' "$tmp/out" >&2; fail=1
  fi
}
run 0 "catalog vs released snapshot" "$src/proto" --against "$src/schemas/catalog-released.binpb"
v1=evs.events.todo.v1.TodoCreated; v2=evs.events.todo.v2.TodoCreated
run 0 "TodoCreated v1 -> v2" "$src/proto" --against "$src/proto" --message "$v1=$v2" --mode full
run 1 "TodoCreated v2 -> v1 (negative control)" "$src/proto" --against "$src/proto" --message "$v2=$v1"
[ "$fail" -eq 0 ] && echo "catalog compatibility: ok"
exit "$fail"
