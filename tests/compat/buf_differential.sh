#!/usr/bin/env bash
# Differential test against buf (npm @bufbuild/buf): for every fixture case under tests/compat, runs
# `buf breaking` with the same category as the case's --level (WIRE, WIRE_JSON, PACKAGE, FILE) and asserts
# the same verdict as `evs breaking` (breaking or not). Cases with a `nobuf` file (evs-only options such as
# --message) are skipped. A case with a `buf_differs` file (its text says why) is a deliberate difference:
# there the verdicts must differ, so the test notices when buf changes. Each side is copied with a buf.yaml
# selecting the category.
# Usage: buf_differential.sh <buf binary> <evs binary> <tests/compat dir>
set -uo pipefail
buf="$1"; evs="$2"; root="$3"
"$buf" --version >/dev/null 2>&1 || { echo "buf not runnable: $buf" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0; skipped=0; differ=0
while IFS= read -r dir; do
  case_dir=$(dirname "$dir"); name=${case_dir#"$root"/}
  if [ -f "$case_dir/nobuf" ]; then skipped=$((skipped + 1)); continue; fi
  args=(); [ -f "$case_dir/args" ] && read -r -a args < "$case_dir/args"
  level=wire-json
  for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--level" ] && level=${args[$((i + 1))]}; done
  case "$level" in
    wire) cat=WIRE ;; wire-json) cat=WIRE_JSON ;; package) cat=PACKAGE ;; file) cat=FILE ;;
    *) echo "unknown level $level in $name" >&2; fail=1; continue ;;
  esac
  rm -rf "$tmp/cur" "$tmp/prev"
  cp -r "$case_dir/current" "$tmp/cur"; cp -r "$case_dir/previous" "$tmp/prev"
  for side in cur prev; do printf 'version: v2\nbreaking:\n  use:\n    - %s\n' "$cat" > "$tmp/$side/buf.yaml"; done
  (cd "$tmp" && "$buf" breaking cur --against prev > "$tmp/buf.out" 2>&1); brc=$?
  "$evs" breaking "$case_dir/current" --against "$case_dir/previous" "${args[@]}" > "$tmp/evs.out" 2>&1; erc=$?
  n=$((n + 1))
  if [ "$brc" -gt 1 ] && ! grep -q ':' "$tmp/buf.out"; then
    echo "ERROR $name: buf failed (exit $brc)" >&2; cat "$tmp/buf.out" >&2; fail=1; continue
  fi
  bv=pass; [ "$brc" -ne 0 ] && bv=break
  ev=pass; [ "$erc" -eq 1 ] && ev=break; [ "$erc" -gt 1 ] && ev=error
  if [ -f "$case_dir/buf_differs" ]; then
    if [ "$bv" = "$ev" ]; then
      echo "AGREES NOW $name ($cat): buf and evs both $ev; remove $case_dir/buf_differs" >&2; fail=1
    fi
    differ=$((differ + 1))
  elif [ "$bv" != "$ev" ]; then
    echo "DIFFERENT $name ($cat): buf $bv, evs $ev" >&2
    sed 's/^/  buf: /' "$tmp/buf.out" >&2; sed 's/^/  evs: /' "$tmp/evs.out" >&2
    fail=1
  fi
done < <(find "$root" -type d -name previous | sort)
[ "$fail" -eq 0 ] && echo "buf differential: $((n - differ)) cases agree, $differ known differences, $skipped skipped"
exit "$fail"
