#!/usr/bin/env bash
# Meta-test: every rule `evs breaking --list-rules` prints has its docs page (docs/compat/<ID>.md with the
# required sections), a breaking fixture whose expected.txt names the rule, and a near-miss fixture (ok/)
# that must pass; and every rule-named directory or page belongs to a rule that exists.
# Usage: check_rules_complete.sh <evs binary> <source dir>
set -uo pipefail
evs="$1"; src="$2"
fail=0; n=0
err() { echo "$*" >&2; fail=1; }
mapfile -t ids < <("$evs" breaking --list-rules | awk '{print $1}')
[ "${#ids[@]}" -gt 0 ] || { echo "evs breaking --list-rules printed no rules" >&2; exit 1; }
# A set, not `printf ... | grep -q`: under pipefail, grep -q leaving early makes printf die of SIGPIPE and
# the pipeline fail at random.
declare -A is_rule
for id in "${ids[@]}"; do is_rule[$id]=1; done
sorted=$(printf '%s\n' "${ids[@]}" | LC_ALL=C sort -c 2>&1) || err "rules are not listed in sorted order: $sorted"
for id in "${ids[@]}"; do
  n=$((n + 1))
  doc="$src/docs/compat/$id.md"
  if [ ! -f "$doc" ]; then
    err "$id: missing $doc"
  else
    for section in "# $id" "## Why it breaks" "## Breaking example" "## Safe example" "## How to fix"; do
      grep -qxF "$section" "$doc" || err "$id: $doc lacks the section '$section'"
    done
  fi
  fx="$src/tests/compat/$id"
  [ -d "$fx/previous" ] && [ -d "$fx/current" ] || err "$id: missing $fx/{previous,current}"
  grep -q " $id\$" "$fx/expected.txt" 2>/dev/null || err "$id: $fx/expected.txt does not expect $id"
  [ -d "$fx/ok/previous" ] && [ -d "$fx/ok/current" ] || err "$id: missing near-miss $fx/ok/{previous,current}"
  if [ -f "$fx/ok/expected.txt" ]; then
    grep -q " $id\$" "$fx/ok/expected.txt" && err "$id: the near miss $fx/ok must not trip $id"
  else
    err "$id: missing $fx/ok/expected.txt"
  fi
  grep -qF "$id" "$src/docs/compat.md" || err "$id: not mentioned in docs/compat.md"
done
for d in "$src"/tests/compat/[A-Z]*/; do
  id=$(basename "$d")
  [ -n "${is_rule[$id]:-}" ] || err "tests/compat/$id is not a rule"
done
for f in "$src"/docs/compat/*.md; do
  id=$(basename "$f" .md)
  [ -n "${is_rule[$id]:-}" ] || err "docs/compat/$id.md is not a rule"
done
[ "$fail" -eq 0 ] && echo "rules complete: $n rules with docs, fixtures and near misses"
exit "$fail"
