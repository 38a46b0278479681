// JSON codec benchmark, protobuf-es (npm @bufbuild/protobuf 2) side, same protocol as bench_json.c:
//   node bench_es.mjs <descriptor set> <type> <file.jsonl> <rounds>
//   prints "<json2bin ns/msg> <bin2json ns/msg> <messages> <json bytes>"
// Reflection over the FileDescriptorSet (createFileRegistry), no generated code.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../tests/oracles/package.json"));
const pb = require("@bufbuild/protobuf");
const wkt = require("@bufbuild/protobuf/wkt");

const [setPath, type, file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const set = pb.fromBinary(wkt.FileDescriptorSetSchema, readFileSync(setPath));
const registry = pb.createFileRegistry(set);
const desc = registry.getMessage(type);
if (!desc) throw new Error(`unknown type ${type}`);
const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
const bins = lines.map((l) => pb.toBinary(desc, pb.fromJsonString(desc, l, { registry })));

let t0 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const l of lines) pb.toBinary(desc, pb.fromJsonString(desc, l, { registry }));
let t1 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const b of bins) pb.toJsonString(desc, pb.fromBinary(desc, b), { registry });
let t2 = process.hrtime.bigint();
const n = lines.length * rounds;
console.log(`${(Number(t1 - t0) / n).toFixed(1)} ${(Number(t2 - t1) / n).toFixed(1)} ${lines.length} ${bytes}`);
