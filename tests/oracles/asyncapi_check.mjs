// Parses an AsyncAPI document with the official parser (@asyncapi/parser) and prints its diagnostics, one
// per line: "SEVERITY CODE PATH: MESSAGE" (severity 0 error, 1 warning, 2 info, 3 hint). Exit 1 when any
// diagnostic is an error or the document did not parse; then prints a summary of the document as JSON
// lines for the caller's assertions: {"channels": N, "operations": N, "messages": N} and per message
// {"message": id, "channel": address, "payload_properties": [...], "headers_required": [...], "key": bool}.
// usage: node asyncapi_check.mjs FILE
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const text = readFileSync(file, "utf8");
const parser = new Parser();
const { document, diagnostics } = await parser.parse(text, { source: file });
let errors = 0;
for (const d of diagnostics) {
  if (d.severity === 0) errors++;
  console.log(`${d.severity} ${d.code} ${(d.path || []).join(".")}: ${d.message}`);
}
if (!document || errors) {
  console.log(`FAIL: ${errors} error diagnostic(s)${document ? "" : ", no document"}`);
  process.exit(1);
}
console.log(JSON.stringify({
  channels: document.channels().length,
  operations: document.operations().length,
  messages: document.messages().length,
}));
for (const ch of document.channels()) {
  for (const m of ch.messages()) {
    const payload = m.payload();
    const props = payload && payload.properties() ? Object.keys(payload.properties()) : [];
    const headers = m.headers();
    const kafka = m.bindings().get("kafka");
    console.log(JSON.stringify({
      message: m.id(),
      name: m.name(),
      channel: ch.address(),
      payload_properties: props,
      headers_required: headers ? headers.required() || [] : [],
      key: Boolean(kafka && kafka.value() && kafka.value().key),
    }));
  }
}
