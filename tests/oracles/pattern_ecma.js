// ECMA-262 oracle for the pattern dialect: reads the lines of pattern_ecma_cases (hex ECMA pattern, hex
// value, evs's verdict) on stdin and checks that new RegExp(pattern, 'u').test(value), as ajv runs a JSON
// Schema `pattern`, gives the same verdict. Exit 1 on any difference or any pattern node refuses.
'use strict';
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
const text = (h) => (h === '-' ? '' : Buffer.from(h, 'hex').toString('utf8'));
let bad = 0;
for (const l of lines) {
  const [ph, vh, want] = l.split(' ');
  const pattern = text(ph);
  const value = text(vh);
  let got;
  try {
    got = new RegExp(pattern, 'u').test(value) ? '1' : '0';
  } catch (e) {
    got = `SyntaxError: ${e.message}`;
  }
  if (got !== want) {
    bad++;
    console.error(`/${pattern}/u on ${JSON.stringify(value)}: ECMA ${got}, evs ${want}`);
  }
}
console.log(`pattern_ecma: ${lines.length} cases, ${bad} differences`);
process.exit(bad || lines.length === 0 ? 1 : 0);
