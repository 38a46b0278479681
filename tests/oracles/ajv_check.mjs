// ajv 8 (draft 2020-12, strict mode, all errors, ajv-formats) as the JSON Schema side of the evs
// jsonschema contract test (tests/jsonschema/ajv_contract.sh).
//   node ajv_check.mjs compile SCHEMA...        compiles each schema; prints "ok FILE" or "fail FILE: why"
//   node ajv_check.mjs check CASES              CASES: lines "SCHEMA<TAB>DOC"; prints one verdict per line:
//                                               "valid", "invalid <first error>" or "nojson <why>"
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

function newAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const [mode, ...args] = process.argv.slice(2);
const cache = new Map();
function validator(file) {
  let v = cache.get(file);
  if (!v) {
    v = newAjv().compile(JSON.parse(readFileSync(file, "utf8")));
    cache.set(file, v);
  }
  return v;
}

let bad = 0;
if (mode === "compile") {
  for (const f of args) {
    try {
      validator(f);
      console.log(`ok ${f}`);
    } catch (e) {
      bad++;
      console.log(`fail ${f}: ${e.message}`);
    }
  }
} else if (mode === "check") {
  const out = [];
  for (const line of readFileSync(args[0], "utf8").split("\n")) {
    if (!line) continue;
    const [schema, doc] = line.split("\t");
    let data;
    try {
      data = JSON.parse(readFileSync(doc, "utf8"));
    } catch (e) {
      out.push(`nojson ${e.message.slice(0, 80)}`);
      continue;
    }
    const v = validator(schema);
    if (v(data)) out.push("valid");
    else {
      const e = v.errors[0];
      out.push(`invalid ${e.instancePath} ${e.message}`.slice(0, 160).replace(/\s+/g, " "));
    }
  }
  process.stdout.write(out.join("\n") + "\n");
} else {
  console.error("usage: ajv_check.mjs compile SCHEMA... | check CASES");
  process.exit(2);
}
process.exit(bad ? 1 : 0);
