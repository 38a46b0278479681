// ajv 8 (draft 2020-12, strict mode, all errors, ajv-formats) as the JSON Schema side of the evs
// jsonschema contract test (tests/jsonschema/ajv_contract.sh).
//   node ajv_check.mjs compile SCHEMA...        compiles each schema; prints "ok FILE" or "fail FILE: why"
//   node ajv_check.mjs check CASES              CASES: lines "SCHEMA<TAB>DOC" (DOC: FILE or FILE#LINE); prints one verdict per line:
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

// "FILE" is a whole document, "FILE#N" line N of a JSON-lines file.
const files = new Map();
function docText(ref) {
  const m = /^(.*)#(\d+)$/.exec(ref);
  if (!m) return readFileSync(ref, "utf8");
  let lines = files.get(m[1]);
  if (!lines) {
    lines = readFileSync(m[1], "utf8").split("\n");
    files.set(m[1], lines);
  }
  return lines[Number(m[2]) - 1];
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
      data = JSON.parse(docText(doc));
    } catch (e) {
      out.push(`nojson ${e.message.slice(0, 80)}`);
      continue;
    }
    const v = validator(schema);
    let ok;
    try {
      ok = v(data);
    } catch (e) {
      out.push(`error ${e.message.slice(0, 80)}`); // e.g. the stack, on thousands of nesting levels
      continue;
    }
    if (ok) out.push("valid");
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
