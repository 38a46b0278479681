#!/usr/bin/env bash
# docs/cli/evs-<cmd>.md must quote `evs <cmd> --help` exactly (first ```text block), and docs/cli/evs.md
# must quote `evs --help`: the docs cannot drift from the program. Fix by pasting the new output.
set -euo pipefail
evs="$1"; docs="$2"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
block() { awk '/^```text$/{f=1;next} /^```$/{if(f){exit}} f' "$1"; }
check() { # doc-file, command...
  local doc="$1"; shift
  if [ ! -f "$doc" ]; then echo "missing $doc (for: evs $*)" >&2; fail=1; return; fi
  if ! diff -u <(block "$doc") <("$evs" "$@") >"$tmp/diff" 2>&1; then
    echo "$doc does not match 'evs $*':" >&2; cat "$tmp/diff" >&2; fail=1
  fi
}
check "$docs/evs.md" --help
cmds=$("$evs" --help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}')
n=0
for c in $cmds; do
  check "$docs/evs-$c.md" "$c" --help
  n=$((n + 1))
done
shopt -s nullglob
for doc in "$docs"/evs-*.md; do
  c=$(basename "$doc" .md); c=${c#evs-}
  grep -qx "$c" < <(printf '%s\n' $cmds) || { echo "$doc documents a command evs does not have" >&2; fail=1; }
done
[ "$fail" -eq 0 ] && echo "help docs: $n commands match"
exit "$fail"
