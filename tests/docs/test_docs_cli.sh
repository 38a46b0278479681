#!/usr/bin/env bash
# evs docs: usage errors; the builtin catalog, a user's schema (tests/cli/schemas/acme) and a schema with
# every rule the example generator must satisfy (tests/docs/schemas/shop: nesting, recursion, maps, oneofs,
# well-known types, two event types on one message, two versions with a breaking change); the examples
# pass `evs validate` run separately; every Markdown link lands on an anchor or page that exists; output is
# the same on every run; the HTML page loads nothing from anywhere; a rule the generator cannot satisfy
# fails the command, saying which, with no page left behind.
# usage: test_docs_cli.sh EVS SOURCE_DIR
set -uo pipefail
evs="$1"; src="$2"
fail=0; n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { n=$((n + 1)); if ! eval "$2"; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
shop=(--proto "$src/tests/docs/schemas/shop/v1/shop.proto" --proto "$src/tests/docs/schemas/shop/v2/shop.proto"
      -I "$src/tests/docs/schemas")
acme=(--proto "$src/tests/cli/schemas/acme/orders/v1/order.proto" -I "$src/tests/cli/schemas")

"$evs" docs > /dev/null 2> "$tmp/err"; rc=$?
check "no output option is a usage error" '[ $rc -eq 2 ] && grep -q -- "--out DIR, --html FILE" "$tmp/err"'
"$evs" docs --out "$tmp/x" extra > /dev/null 2>&1; rc=$?
check "an extra argument is a usage error" '[ $rc -eq 2 ] && [ ! -e "$tmp/x" ]'

"$evs" docs --out "$tmp/cat" --html "$tmp/cat.html" 2> "$tmp/err"; rc=$?
check "the catalog's docs are written" '[ $rc -eq 0 ] && [ -f "$tmp/cat/README.md" ] && [ -f "$tmp/cat/TodoCreated.md" ]'
check "a page per event type name (63) plus the index" '[ "$(ls "$tmp/cat" | wc -l)" -eq 64 ]'
check "types differing only in case get distinct file names" \
  '[ -f "$tmp/cat/WORKFLOW.COMPLETED.md" ] && [ -f "$tmp/cat/workflow.completed-2.md" ]'
check "TodoCreated's history: v1 -> v2 adds tags, compatible both ways" \
  'grep -q "Fields added: \`tags = 12\`" "$tmp/cat/TodoCreated.md" &&
   [ "$(grep -c "^- \`compatible\` " "$tmp/cat/TodoCreated.md")" -eq 2 ]'
check "the page links its nested types" \
  'grep -q "\[\`evs.events.tasks.v1.Priority\`\](#type-evs.events.tasks.v1.Priority)" "$tmp/cat/task.created.md" &&
   grep -q "<a id=\"type-evs.events.tasks.v1.Priority\"></a>" "$tmp/cat/task.created.md"'
check "the headers table lists ce_id ... ce_tags as the producer sends them" \
  'grep -q "^| \`ce_id\` |" "$tmp/cat/task.created.md" && grep -q "^| \`ce_dataschema\` | \`evs:evs.events.tasks.v1.TaskEvent\` |" "$tmp/cat/task.created.md"'
"$evs" docs --out "$tmp/cat2" --html "$tmp/cat2.html" 2> /dev/null
check "two runs write the same bytes" 'diff -r "$tmp/cat" "$tmp/cat2" > /dev/null && cmp -s "$tmp/cat.html" "$tmp/cat2.html"'

"$evs" docs "${shop[@]}" "${acme[@]}" --out "$tmp/user" --html "$tmp/user.html" 2> "$tmp/err"; rc=$?
check "user schemas: written" '[ $rc -eq 0 ] && [ -f "$tmp/user/shop.cart.opened.md" ] && [ -f "$tmp/user/order.placed.md" ]'
check "a message with two types: each example carries its own type" \
  'grep -q "\"kind\": \"shop.cart.closed\"" "$tmp/user/shop.cart.closed.md" && grep -q "\"kind\": \"shop.cart.opened\"" "$tmp/user/shop.cart.opened.md"'
check "a breaking version change is shown as breaking, with the rule" \
  '[ "$(grep -c "^- \`breaking\` .*FIELD_WIRE_JSON_COMPATIBLE_TYPE" "$tmp/user/shop.item.added.md")" -eq 2 ]'
check "a oneof, a deprecated field and rules in words" \
  'grep -q "\`oneof payment\`" "$tmp/user/order.placed.md" && grep -q "\`owner_email\` \`deprecated\`" "$tmp/user/shop.cart.opened.md" &&
   grep -q "\`keys {pattern ^SKU-\[0-9\]+\$}\`" "$tmp/user/shop.cart.opened.md"'

# Every example, fed to evs validate on its own (the page names the type). CartEvent's `within` rule is
# relative to now, so its examples (set at a fixed time) are checked by the generator only.
examples() { # page -> "TYPE<TAB>file" per example
  awk -v dir="$tmp/ex" -v page="$(basename "$1")" '
    /passes `evs validate --type / { match($0, /--type [^`]+/); type = substr($0, RSTART + 7, RLENGTH - 7) }
    /^```json$/ { k++; file = dir "/" page "." k ".json"; inblock = 1; print type "\t" file; next }
    /^```$/ { inblock = 0; next }
    inblock { print > file }' "$1"
}
mkdir -p "$tmp/ex"
: > "$tmp/ex.list"
for page in "$tmp"/cat/*.md "$tmp"/user/order.placed.md "$tmp"/user/shop.item.added.md; do examples "$page" >> "$tmp/ex.list"; done
bad=0; total=0
while IFS=$'\t' read -r type file; do
  total=$((total + 1))
  "$evs" validate --document --type "$type" "${acme[@]}" "${shop[@]}" --input "$file" > /dev/null 2> "$tmp/verr" ||
    { bad=$((bad + 1)); echo "  $type $file: $(head -2 "$tmp/verr")"; }
done < "$tmp/ex.list"
check "every example ($total) passes evs validate" '[ "$total" -ge 66 ] && [ "$bad" -eq 0 ]'
# the check above can fail: a broken copy of an example is refused
first=$(head -1 "$tmp/ex.list" | cut -f2); ftype=$(head -1 "$tmp/ex.list" | cut -f1)
sed 's/"0194a734-2500-7000-8000-000000000001"/"not-a-uuid"/' "$first" > "$tmp/broken.json"
check "a broken example is refused by evs validate (negative control)" \
  '! "$evs" validate --document --type "$ftype" --input "$tmp/broken.json" > /dev/null 2>&1'

# Markdown links: every #anchor exists on its page, every page link names a file
links_ok=1
for page in "$tmp"/cat/*.md "$tmp"/user/*.md; do
  for a in $(grep -o '](#[^)]*)' "$page" | sed 's/^](#//; s/)$//' | sort -u); do
    grep -q "<a id=\"$a\"></a>" "$page" || { echo "  $page: no anchor $a"; links_ok=0; }
  done
  for f in $(grep -o '](\([^#)][^)]*\.md\))' "$page" | sed 's/^](//; s/)$//' | sort -u); do
    [ -f "$(dirname "$page")/$f" ] || { echo "  $page: no page $f"; links_ok=0; }
  done
done
check "every Markdown link lands" '[ $links_ok -eq 1 ]'

# The HTML page: self-contained, one id per anchor, every #link has its id
check "the page references nothing outside itself" \
  '! grep -q -i -E "(src|href)=\"(https?:|//)|<link |<script src|@import|url\\(" "$tmp/user.html"'
ids=$(grep -o ' id="[^"]*"' "$tmp/user.html" | sort | uniq -d)
check "no id twice in the page" '[ -z "$ids" ]'
missing=$(grep -o 'href="#[^"]*"' "$tmp/user.html" | sed 's/^href="#//; s/"$//' | sort -u |
  while read -r a; do grep -q " id=\"$a\"" "$tmp/user.html" || echo "$a"; done)
check "every #link in the page has its id" '[ -z "$missing" ] || { echo "  missing: $missing"; false; }'

# A rule the generator cannot satisfy: the command fails, names the rule, leaves no page behind
mkdir -p "$tmp/hard/hard/v1"
cat > "$tmp/hard/hard/v1/hard.proto" <<'PROTO'
syntax = "proto3";
package hard.v1;
import "evs/v1/options.proto";
// Hard to satisfy.
message Hard {
  option (evs.v1.event) = { types: [ "hard.made" ] topic: "hard" schema_version: "1.0" };
  // A code no simple text matches.
  string code = 1 [(evs.v1.field) = { required: true, pattern: "^(ab)+$", not_in: [ "ab" ], max_len: 3 }];
}
PROTO
"$evs" docs --proto "$tmp/hard/hard/v1/hard.proto" -I "$tmp/hard" --out "$tmp/hardout" 2> "$tmp/err"; rc=$?
check "an unsatisfiable rule fails the command (exit 1) naming the rule and the event" \
  '[ $rc -eq 1 ] && grep -q "example generated for hard.made 1.0 does not pass validation" "$tmp/err" &&
   grep -q "string.pattern" "$tmp/err" && [ ! -e "$tmp/hardout/hard.made.md" ]'

echo "$((n - fail)) of $n docs checks passed"
[ "$fail" -eq 0 ]
