#!/usr/bin/env bash
# Runs every fixture case under tests/compat: a case is a directory with previous/ and current/ (.proto
# trees), optional `args` (extra `evs breaking` options, e.g. --level wire) and expected.txt, one
# `file:line:col RULE_ID` line per expected finding, `file:line:col RULE_ID allowed` for an accepted break
# (empty: the change must pass). `@CASE@` in args stands for the case directory. Asserts the exact findings
# and the exit status (1 when any finding is not allowed, else 0).
# Usage: run_fixtures.sh <evs binary> <tests/compat dir> [--update]
set -uo pipefail
evs="$1"; root="$2"; update="${3:-}"
fail=0; n=0
# stderr goes to a private file: several build trees may run this on the same source tree at once.
errf=$(mktemp); trap 'rm -f "$errf"' EXIT
while IFS= read -r dir; do
  case_dir=$(dirname "$dir")
  name=${case_dir#"$root"/}
  args=()
  [ -f "$case_dir/args" ] && read -r -a args < <(sed "s|@CASE@|$case_dir|g" "$case_dir/args")
  out=$("$evs" breaking "$case_dir/current" --against "$case_dir/previous" "${args[@]}" 2>"$errf")
  rc=$?
  got=$(printf '%s\n' "$out" | sed -n -e 's/^\([^:]*:[0-9]*:[0-9]*\): \([A-Z0-9_]*\): .*\[allowed.*/\1 \2 allowed/p' \
    -e 't' -e 's/^\([^:]*:[0-9]*:[0-9]*\): \([A-Z0-9_]*\): .*/\1 \2/p')
  if [ "$update" = "--update" ]; then
    printf '%s' "$got" > "$case_dir/expected.txt"
    [ -n "$got" ] && echo >> "$case_dir/expected.txt"
    continue
  fi
  n=$((n + 1))
  want=$(cat "$case_dir/expected.txt" 2>/dev/null || echo "MISSING expected.txt")
  want_rc=0; grep -qv -e ' allowed$' -e '^$' <<<"$want" && want_rc=1
  if [ "$got" != "$want" ] || [ "$rc" -ne "$want_rc" ]; then
    echo "FAIL $name (exit $rc, want $want_rc)" >&2
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
    cat "$errf" >&2
    fail=1
  fi
done < <(find "$root" -type d -name previous | sort)
[ "$update" = "--update" ] && exit 0
[ "$n" -gt 0 ] || { echo "no fixture cases under $root" >&2; exit 1; }
[ "$fail" -eq 0 ] && echo "compat fixtures: $n cases pass"
exit "$fail"
