#!/usr/bin/env bash
# buf.yaml differential test: for every fixture pair under tests/compat, writes the same buf.yaml into both
# sides and asserts that `buf breaking cur --against prev` and `evs breaking cur --against prev` (which reads
# cur/buf.yaml) give the same verdict. Each case runs under several configs: buf's default (no breaking
# section: FILE), a v2 `use` list with the case's rule in `except`, `ignore` of every file, `ignore_only`
# of the case's rule on every file, and the case's own category. Cases with `nobuf` (evs-only options) or
# `buf_differs` (a known difference, see buf_differential.sh) are skipped, as is a case that either tool
# cannot compile. A run where buf breaks only on rules evs does not have (file options such as
# FILE_SAME_JAVA_PACKAGE) is counted apart.
# Usage: buf_yaml_differential.sh <buf binary> <evs binary> <tests/compat dir>
set -uo pipefail
buf="$1"; evs="$2"; root="$3"
"$buf" --version >/dev/null 2>&1 || { echo "buf not runnable: $buf" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0; skipped=0; lacking=0
configs=(default except ignore ignore_only category)
# Known differences (docs/compat.md, "Where evs differs from buf"): with FILE_SAME_PACKAGE turned off, a
# package change still shows in evs as its messages deleted from the file; buf pairs them by name.
known=" FILE_SAME_PACKAGE:except FILE_SAME_PACKAGE:ignore_only "
while IFS= read -r dir; do
  case_dir=$(dirname "$dir"); name=${case_dir#"$root"/}
  if [ -f "$case_dir/nobuf" ] || [ -f "$case_dir/buf_differs" ]; then skipped=$((skipped + 1)); continue; fi
  args=(); [ -f "$case_dir/args" ] && read -r -a args < "$case_dir/args"
  level=wire-json
  for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--level" ] && level=${args[$((i + 1))]}; done
  cat=$(printf '%s' "$level" | tr 'a-z-' 'A-Z_')
  # The case's rule: its directory name for tests/compat/RULE_ID[/ok], else none.
  rule=${name%%/*}; "$evs" breaking --list-rules | grep -q "^$rule " || rule=""
  files=$(cd "$case_dir" && { (cd current && find . -name '*.proto'); (cd previous && find . -name '*.proto'); } |
    sed 's|^\./||' | sort -u)
  for cfg in "${configs[@]}"; do
    case "$cfg" in
      default) yaml=$'version: v1\n' ;;
      except) [ -n "$rule" ] || continue
        yaml=$'version: v2\nbreaking:\n  use:\n    - FILE\n  except:\n    - '"$rule"$'\n' ;;
      ignore) yaml=$'version: v1\nbreaking:\n  use: [FILE]\n  ignore:\n'
        for f in $files; do yaml+="    - $f"$'\n'; done ;;
      ignore_only) [ -n "$rule" ] || continue
        yaml=$'version: v1\nbreaking:\n  use:\n    - FILE  # all\n  ignore_only:\n    '"$rule"$':\n'
        for f in $files; do yaml+="      - \"$f\""$'\n'; done ;;
      category) yaml=$'version: v2\nbreaking:\n  use:\n    - '"'$cat'"$'\n' ;;
    esac
    if [[ "$known" == *" $name:$cfg "* ]]; then skipped=$((skipped + 1)); continue; fi
    rm -rf "$tmp/cur" "$tmp/prev"
    cp -r "$case_dir/current" "$tmp/cur"; cp -r "$case_dir/previous" "$tmp/prev"
    printf '%s' "$yaml" > "$tmp/cur/buf.yaml"; printf '%s' "$yaml" > "$tmp/prev/buf.yaml"
    (cd "$tmp" && "$buf" breaking cur --against prev --error-format json > "$tmp/buf.out" 2>&1); brc=$?
    (cd "$tmp" && "$evs" breaking cur --against prev > "$tmp/evs.out" 2>&1); erc=$?
    if { [ "$brc" -gt 1 ] && ! grep -q ':' "$tmp/buf.out"; } || [ "$erc" -gt 1 ]; then
      skipped=$((skipped + 1)); continue # a schema one of the compilers rejects (docs/compat.md)
    fi
    n=$((n + 1))
    bv=pass; [ "$brc" -ne 0 ] && bv=break
    ev=pass; [ "$erc" -eq 1 ] && ev=break
    if [ "$bv" = break ] && [ "$ev" = pass ] &&
      ! grep -o '"type":"[A-Z_]*"' "$tmp/buf.out" | cut -d'"' -f4 | sort -u | grep -qxF -f <("$evs" breaking --list-rules | cut -d' ' -f1); then
      lacking=$((lacking + 1)) # buf broke only on rules evs does not have (file options: docs/compat.md)
    elif [ "$bv" != "$ev" ]; then
      echo "DIFFERENT $name [$cfg]: buf $bv, evs $ev" >&2
      sed 's/^/  yaml: /' "$tmp/cur/buf.yaml" >&2
      sed 's/^/  buf: /' "$tmp/buf.out" >&2; sed 's/^/  evs: /' "$tmp/evs.out" >&2
      fail=1
    fi
  done
done < <(find "$root" -type d -name previous | sort)
[ "$n" -gt 0 ] || { echo "no case ran" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "buf.yaml differential: $n runs, $((n - lacking)) agree, $lacking where buf fires only rules evs lacks, $skipped skipped"
exit "$fail"
