// Corpus of the evs jsonschema contract test: valid seed documents (evs decode output) and one mutation per
// (field, value) — type confusions, nulls, out-of-range numbers, bad base64 / timestamps / durations, wrong
// enum names, unknown keys, both names of a field, two members of a oneof.
//   node mutate.mjs SCHEMA_DIR SEED_DIR OUT_DIR
// SEED_DIR/<type>.jsonl holds valid JSON lines. Writes OUT_DIR/<type>.jsonl (one document per line) and
// OUT_DIR/<type>.ids (one case id per line: "<type> <what>", the id known_disagreements.txt matches).
import { readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";

const [schemaDir, seedDir, outDir] = process.argv.slice(2);
// Raw JSON texts, so that numbers beyond double precision stay as written.
const VALUES = [
  "null", "true", "0", "-1", "1.5", "1e5", "-0", "2147483648", "-2147483649", "4294967296",
  "9223372036854775808", "18446744073709551616", "3.5e38", "1e309", "\"\"", "\"x\"", "\"0\"", "\"-0\"",
  "\"1.0\"", "\"1e2\"", "\"2147483648\"", "\"9223372036854775807\"", "\"9223372036854775808\"",
  "\"-9223372036854775809\"", "\"18446744073709551615\"", "\"18446744073709551616\"", "\" 1\"", "\"NaN\"",
  "\"Infinity\"", "\"nan\"", "\"1e999\"", "[]", "{}", "[null]", "[\"x\"]", "[1]", "[\"1\"]", "{\"a\":1}",
  "{\"1\":1}", "{\"true\":\"x\"}", "{\"1\":null}", "\"AA==\"", "\"AA=\"", "\"-_8\"", "\"+/8\"", "\"+_8\"",
  "\"QQ\"", "\"1970-01-01T00:00:00Z\"", "\"1970-01-01t00:00:00Z\"", "\"2024-02-30T00:00:00Z\"",
  "\"2023-01-01T10:00:00.1234567890Z\"", "\"2023-01-01T10:00:00+01:00\"", "\"0001-01-01T00:00:00+00:01\"",
  "\"1s\"", "\"-1.5s\"", "\"1.5\"", "\"315576000001s\"", "\"0.0000000001s\"", "\"fooBar,baz\"", "\"foo_bar\"",
  "\"UNKNOWN_NAME\"", "\"NULL_VALUE\"", "\"a\\u0000b\"", "{\"@type\":\"x\"}", "{\"@type\":\"type.googleapis.com/google.protobuf.Empty\"}",
];
const RAW = "\u0001raw\u0001";
function text(doc, raws) {
  let s = JSON.stringify(doc);
  for (const r of raws) s = s.replace(JSON.stringify(RAW), () => r);
  return s;
}

for (const f of readdirSync(schemaDir)) {
  if (!f.endsWith(".schema.json")) continue;
  const type = f.slice(0, -".schema.json".length);
  const schema = JSON.parse(readFileSync(`${schemaDir}/${f}`, "utf8"));
  const def = schema.$defs[type];
  const docs = [], ids = [];
  const add = (id, t) => {
    docs.push(t);
    ids.push(`${type} ${id}`);
  };
  const seedFile = `${seedDir}/${type}.jsonl`;
  const seeds = existsSync(seedFile) ? readFileSync(seedFile, "utf8").split("\n").filter((l) => l) : [];
  seeds.forEach((s, i) => add(`seed ${i}`, s));
  add("shape null", "null");
  add("shape array", "[]");
  add("shape number", "1");
  add("shape string", "\"x\"");
  const props = def.type === "object" && def.properties ? Object.keys(def.properties) : [];
  if (!props.length) {
    writeFileSync(`${outDir}/${type}.jsonl`, docs.join("\n") + "\n");
    writeFileSync(`${outDir}/${type}.ids`, ids.join("\n") + "\n");
    continue;
  }
  // a valid value of each key, from the seeds
  const good = new Map();
  for (const s of seeds) {
    const o = JSON.parse(s);
    if (o && typeof o === "object" && !Array.isArray(o))
      for (const [k, v] of Object.entries(o)) if (!good.has(k) && v !== null) good.set(k, JSON.stringify(v));
  }
  add("unknown key", text({ noSuchField: RAW }, ["1"]));
  add("unknown key null", "{\"noSuchField\":null}");
  for (const p of props) for (const v of VALUES) add(`${p}=${v}`, text({ [p]: RAW }, [v]));
  for (const c of def.allOf || []) {
    const n = c.not;
    if (!n) continue;
    if (n.required && n.required.length === 2) {
      const [a, b] = n.required;
      add(`both ${a} ${b}`, text({ [a]: RAW, [b]: RAW }, ["null", "null"]));
      if (good.has(a) || good.has(b)) {
        const v = good.get(a) || good.get(b);
        add(`both ${a} ${b} set`, text({ [a]: RAW, [b]: RAW }, [v, v]));
      }
    } else if (n.allOf && n.allOf.length === 2) {
      const key = (s) => (s.required ? s.required[0] : s.anyOf[0].required[0]);
      const a = key(n.allOf[0]), b = key(n.allOf[1]);
      if (good.has(a) && good.has(b)) add(`oneof ${a} ${b}`, text({ [a]: RAW, [b]: RAW }, [good.get(a), good.get(b)]));
      if (good.has(a)) add(`oneof ${a} ${b}=null`, text({ [a]: RAW, [b]: RAW }, [good.get(a), "null"]));
    }
  }
  writeFileSync(`${outDir}/${type}.jsonl`, docs.join("\n") + "\n");
  writeFileSync(`${outDir}/${type}.ids`, ids.join("\n") + "\n");
}
