#!/usr/bin/env bash
# Rewrites the ```text block of docs/cli/evs-<cmd>.md with the current `evs <cmd> --help` (creating a page
# with a title when missing), so the CLI pages follow the program. The prose around the block is kept.
# Usage: tools/update-cli-docs.sh <path to evs binary>
set -euo pipefail
evs="$1"
cd "$(dirname "$0")/.."
update() { # doc title command...
  local doc="$1" title="$2"; shift 2
  local help; help=$("$evs" "$@")
  if [ ! -f "$doc" ]; then printf '# %s\n\n```text\n```\n' "$title" > "$doc"; fi
  HELP="$help" awk 'BEGIN{h=ENVIRON["HELP"]} /^```text$/ && !done {print; print h; skip=1; next}
       skip && /^```$/ {skip=0; done=1} !skip {print}' "$doc" > "$doc.tmp"
  mv "$doc.tmp" "$doc"
}
update docs/cli/evs.md "evs" --help
for c in $("$evs" --help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
  update "docs/cli/evs-$c.md" "evs $c" "$c" --help
done
