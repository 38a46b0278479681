#!/usr/bin/env bash
# The evs jsonschema contract: for every message type of the registry, ajv (draft 2020-12, strict,
# ajv-formats) must compile the schema `evs jsonschema` writes, and must accept a document exactly when the
# judge does, on a corpus of the JSON goldens, valid documents (gen_corpus decoded by evs) and mutations
# (tests/jsonschema/mutate.mjs). The only disagreements allowed are those known_disagreements.txt lists,
# each with its reason (docs/jsonschema.md). Prints the agreement counts.
#
# usage: ajv_contract.sh EVS GEN_CORPUS ORACLES_DIR GOLDEN_DIR WORK_DIR KNOWN_FILE
# The judge: $EVS_JSONSCHEMA_JUDGE = validate (default: `evs validate --type T` finds the document valid —
# it decodes and keeps every rule; the schemas have the rules) or encode (`evs encode --no-validate`
# accepts it: the codec alone; the schemas are written with --no-rules).
set -u
evs=$1 gen=$2 oracles=$3 golden=$4 work=$5 known=$6
judge=${EVS_JSONSCHEMA_JUDGE:-validate}
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
if [ ! -d "$oracles/node_modules/ajv-formats" ]; then
  (cd "$oracles" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    { echo "SKIP: npm ci in $oracles failed (offline?)"; exit 77; }
fi
rm -rf "$work" && mkdir -p "$work/seeds" "$work/cases" "$work/golden"
rules=(--no-rules)
[ "$judge" = validate ] && rules=()
"$evs" jsonschema --all "$work/schemas" --compact "${rules[@]}" 2>/dev/null || { echo "FAIL: evs jsonschema --all"; exit 1; }
"$evs" jsonschema --all "$work/canonical" --compact --canonical "${rules[@]}" 2>/dev/null ||
  { echo "FAIL: evs jsonschema --all --canonical"; exit 1; }
"$evs" jsonschema --all "$work/envelope" --compact --envelope "${rules[@]}" 2>/dev/null ||
  { echo "FAIL: evs jsonschema --all --envelope"; exit 1; }

# the schemas with rules must compile too when the judge cannot check rules
[ "$judge" = validate ] || "$evs" jsonschema --all "$work/rules" --compact 2>/dev/null || { echo "FAIL: evs jsonschema --all (rules)"; exit 1; }
# 1. every schema compiles in strict mode
if ! node "$oracles/ajv_check.mjs" compile "$work"/schemas/*.json "$work"/canonical/*.json "$work"/envelope/*.json $(ls "$work"/rules/*.json 2>/dev/null) \
    > "$work/compile.txt"; then
  grep -v '^ok ' "$work/compile.txt"
  echo "FAIL: schemas ajv cannot compile in strict mode"
  exit 1
fi
n_schemas=$(grep -c '^ok ' "$work/compile.txt")

# 2. the corpus
types=()
for f in "$work"/schemas/*.schema.json; do
  t=$(basename "$f" .schema.json)
  types+=("$t")
  { "$gen" --type "$t" --count 4 2>/dev/null | "$evs" decode --type "$t" --delimited 2>/dev/null
  } > "$work/seeds/$t.canonical"
  { cat "$work/seeds/$t.canonical"
    "$gen" --type "$t" --count 4 --seed 7 2>/dev/null |
      "$evs" decode --type "$t" --delimited --proto-names --emit-defaults 2>/dev/null
  } > "$work/seeds/$t.jsonl"
done
node "$here/mutate.mjs" "$work/schemas" "$work/seeds" "$work/cases" || { echo "FAIL: mutate.mjs"; exit 1; }

# judge: one verdict ("accept" / "reject") per line of a JSON-lines file
judge_lines() { # TYPE FILE [SCHEMA OPTIONS...]
  if [ "$judge" = validate ]; then
    # one JSON verdict per non-blank line, naming its line
    "$evs" validate --type "$1" --format json "${@:3}" < "$2" 2>/dev/null |
      awk -v n="$(wc -l < "$2")" '{ match($0, /"line":[0-9]+/); l = substr($0, RSTART + 7, RLENGTH - 7)
                                    v[l] = index($0, "\"valid\":true") ? "accept" : "reject" }
        END { for (i = 1; i <= n; i++) print (i in v) ? v[i] : "reject" }'
  else
    "$evs" encode --no-validate --type "$1" --delimited --keep-going -o /dev/null < "$2" 2> "$work/judge.err"
    local n
    n=$(wc -l < "$2")
    grep -o 'line [0-9]*:' "$work/judge.err" | tr -dc '0-9\n' | sort -n -u > "$work/judge.bad"
    awk -v n="$n" 'NR==FNR { bad[$1] = 1; next } END { for (i = 1; i <= n; i++) print (i in bad) ? "reject" : "accept" }' \
      "$work/judge.bad" /dev/null
  fi
}
judge_file() { # TYPE FILE (one document, any layout)
  if [ "$judge" = validate ]; then "$evs" validate --document --type "$1" < "$2" >/dev/null 2>&1
  else "$evs" encode --no-validate --type "$1" -i "$2" -o /dev/null 2>/dev/null; fi && echo accept || echo reject
}

: > "$work/all.tsv"   # id <TAB> schema <TAB> doc <TAB> judge verdict
for t in "${types[@]}"; do
  s="$work/schemas/$t.schema.json"
  judge_lines "$t" "$work/cases/$t.jsonl" > "$work/cases/$t.verdicts"
  paste -d '\t' "$work/cases/$t.ids" <(seq 1 "$(wc -l < "$work/cases/$t.ids")") "$work/cases/$t.verdicts" |
    awk -F '\t' -v s="$s" -v d="$work/cases/$t.jsonl" '{ print $1 "\t" s "\t" d "#" $2 "\t" $3 }' >> "$work/all.tsv"
  # what evs writes must satisfy the canonical schema exactly when it keeps the rules (generated messages
  # need not)
  judge_lines "$t" "$work/seeds/$t.canonical" |
    awk -v t="$t" -v s="$work/canonical/$t.schema.json" -v d="$work/seeds/$t.canonical" \
      '{ print t " canonical " NR "\t" s "\t" d "#" NR "\t" $0 }' >> "$work/all.tsv"
done
for dir in "$golden"/*/; do
  t=$(basename "$dir")
  [ -f "$work/schemas/$t.schema.json" ] || continue
  for g in "$dir"*.json; do
    printf 'golden %s/%s\t%s\t%s\t%s\n' "$t" "$(basename "$g" .json)" "$work/schemas/$t.schema.json" "$g" \
      "$(judge_file "$t" "$g")" >> "$work/all.tsv"
  done
done

# 3. the rule corpus (tests/jsonschema/rules/rules.tsv): every rule broken once and missed narrowly once, on
# a schema evs was not built with (the validator's unit-test fixture; dynamic descriptors, proto3 optional)
if [ "$judge" = validate ]; then
  rdir="$here/rules"
  fixtures="$here/../unit/registry/data"
  ropts=(--proto "$fixtures/validate/v.proto" -I "$fixtures")
  mkdir -p "$work/rules_corpus"
  for t in test.v.Order test.v.More; do
    rs="$work/rules_corpus/$t.schema.json"
    "$evs" jsonschema "${ropts[@]}" --type "$t" --compact -o "$rs" || { echo "FAIL: evs jsonschema $t"; exit 1; }
    node "$oracles/ajv_check.mjs" compile "$rs" >/dev/null || { echo "FAIL: ajv cannot compile $rs"; exit 1; }
    grep -v '^#' "$rdir/rules.tsv" | awk -F '\t' -v t="$t" '$2 == t' > "$work/rules_corpus/$t.tsv"
    cut -f3 "$work/rules_corpus/$t.tsv" > "$work/rules_corpus/$t.jsonl"
    judge_lines "$t" "$work/rules_corpus/$t.jsonl" "${ropts[@]}" > "$work/rules_corpus/$t.verdicts"
    paste -d '\t' <(cut -f1 "$work/rules_corpus/$t.tsv") "$work/rules_corpus/$t.verdicts" |
      awk -F '\t' -v s="$rs" -v d="$work/rules_corpus/$t.jsonl" '{ print "rules " $1 "\t" s "\t" d "#" NR "\t" $2 }' >> "$work/all.tsv"
  done
  n_rules=$(grep -c '^rules ' "$work/all.tsv")
  n_rules_invalid=$(grep '^rules ' "$work/all.tsv" | grep -c 'reject$')
  [ "$n_rules_invalid" -gt 40 ] || { echo "FAIL: the rule corpus has only $n_rules_invalid invalid documents"; exit 1; }
fi

# 4. ajv's verdicts, compared
cut -f2,3 "$work/all.tsv" > "$work/ajv.in"
node "$oracles/ajv_check.mjs" check "$work/ajv.in" > "$work/ajv.out" || { echo "FAIL: ajv_check.mjs check"; exit 1; }
grep -v '^#' "$known" | grep -v '^$' | cut -f1 > "$work/known.re"
paste -d '\t' "$work/all.tsv" "$work/ajv.out" | awk -F '\t' -v known="$work/known.re" '
  BEGIN { while ((getline re < known) > 0) { k[++nk] = re; used[nk] = 0 } }
  {
    ajv = ($5 == "valid") ? "accept" : "reject"
    total++
    if (ajv == $4) { agree++; next }
    hit = 0
    for (i = 1; i <= nk; i++) if ($1 ~ k[i]) { hit = i; break }
    if (hit) { used[hit]++; allowed++; next }
    bad++
    if (bad <= 60) printf "DISAGREE %s: evs %s, ajv %s (%s)\n", $1, $4, ajv, $5
  }
  END {
    printf "jsonschema contract: %d documents, %d agree, %d known disagreements, %d unexplained\n", total, agree, allowed, bad
    for (i = 1; i <= nk; i++) printf "  known %-70s %d\n", k[i], used[i]
    exit bad ? 1 : 0
  }' || { echo "FAIL: ajv and evs $judge disagree beyond known_disagreements.txt"; exit 1; }
echo "schemas compiled in strict mode: $n_schemas"
[ "$judge" = validate ] && echo "rule corpus: $n_rules documents, $n_rules_invalid invalid to evs"
