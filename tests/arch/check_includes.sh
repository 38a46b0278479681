#!/usr/bin/env bash
# The library's include rules (docs/architecture.md, "Dependency rules"), checked over src/ and tools/:
#  1. src/<m>/*_internal.h is private to module m: no other module includes it (src/base/ is the
#     foundation: its headers, internal or not, are for every module).
#  2. A module includes headers of src/<other>/ (its *_lib.h, the module's library-internal API) only
#     when the dependency table below allows it, so dependencies stay one-way.
#  3. A module includes a public header include/evs/<h>.h only of a module it may depend on, or of a leaf
#     component (common, error, buf, arena, types, pattern, timeutil, uuid: they depend on base alone).
#  4. The CLI (tools/) uses the public API only: no src/ header.
# Usage: check_includes.sh <source root>. Exit 1 with one line per violation.
set -euo pipefail
root=${1:?usage: check_includes.sh <source root>}
cd "$root"

# Module -> the modules it may use (besides itself and base).
declare -A deps=(
  [base]=""
  [registry]=""
  [json]="registry"
  [event]="registry json"
  [validate]="registry json event"
  [schema]="registry json"
  [compat]="registry json"
  [kafka]="registry json event validate"
  [store]="registry json event validate kafka"
)
# Public header -> owning module; leaf components map to "leaf".
declare -A owner=(
  [common]=leaf [error]=leaf [buf]=leaf [arena]=leaf [types]=leaf [pattern]=leaf [timeutil]=leaf
  [uuid]=leaf [evs]=leaf [catalog]=registry [registry]=registry [json]=json [cloudevents]=event
  [validate]=validate [jsonschema]=schema [asyncapi]=schema [compat]=compat [kafka]=kafka [store]=store
)

allowed() { # module target
  [[ $2 == "$1" || $2 == base || $2 == leaf ]] && return 0
  [[ " ${deps[$1]} " == *" $2 "* ]]
}

bad=0
report() {
  echo "$1"
  bad=1
}

while IFS= read -r file; do
  mod=${file#src/}
  mod=${mod%%/*}
  [[ -v deps[$mod] ]] || {
    report "$file: module '$mod' is not in the dependency table of tests/arch/check_includes.sh"
    continue
  }
  while IFS=: read -r line inc; do
    target=${inc%%/*}
    name=${inc#*/}
    if [[ $target == evs && $name != */* ]]; then # evs/v1/... is generated code
      o=${owner[${name%.h}]:-}
      if [[ -z $o ]]; then
        report "$file:$line: include/evs/$name has no owner in tests/arch/check_includes.sh"
      elif ! allowed "$mod" "$o"; then
        report "$file:$line: module $mod may not use $o (public header evs/$name)"
      fi
      continue
    fi
    [[ -d src/$target ]] || continue # generated code (google/..., evs/v1/...)
    if [[ $target != "$mod" && $target != base && $name == *_internal.h ]]; then
      report "$file:$line: $target/$name is private to module $target"
    elif ! allowed "$mod" "$target"; then
      report "$file:$line: module $mod may not use module $target ($target/$name)"
    fi
  done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*\/[^"]*"/) {
      s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s); print FNR ":" s }' "$file")
done < <(find src -name '*.[ch]' | sort)

while IFS= read -r hit; do
  report "$hit: the CLI uses the public API (include/evs/) only"
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(base|registry|json|event|validate|schema|compat|kafka|store)/' tools --include='*.[ch]' || true)

exit $bad
