// check-svg.mjs: are a Graphviz SVG's nodes the tables they should be?
//
//   node test/picture/check-svg.mjs FILE.svg EXPECTED.json
//
// EXPECTED maps each table, schema-qualified as the picture shows it (the
// node's tooltip), to the name its node must show on its first line.  Every
// table must be there once, with that name, and no other node.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const [svgFile, expectedFile] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const doc = new JSDOM(readFileSync(svgFile, 'utf8'), { contentType: 'image/svg+xml' }).window.document;
const seen = new Map();
let problems = 0;
for (const g of doc.querySelectorAll('g.node')) {
  if (!/^t\d+$/.test(g.getAttribute('id') || '')) continue;   // legend samples
  const a = g.querySelector('a');
  const tooltip = a && (a.getAttribute('xlink:title') ?? a.getAttributeNS('http://www.w3.org/1999/xlink', 'title'));
  const first = g.querySelector('text')?.textContent;
  if (!(tooltip in expected)) { console.log(`unexpected node ${g.id}: ${JSON.stringify(tooltip)}`); problems++; continue; }
  if (seen.has(tooltip)) { console.log(`twice: ${JSON.stringify(tooltip)}`); problems++; }
  seen.set(tooltip, first);
  if (first !== expected[tooltip]) {
    console.log(`${JSON.stringify(tooltip)} shows ${JSON.stringify(first)}, not ${JSON.stringify(expected[tooltip])}`);
    problems++;
  }
}
for (const t of Object.keys(expected))
  if (!seen.has(t)) { console.log(`missing: ${JSON.stringify(t)}`); problems++; }
console.log(`${svgFile}: ${seen.size} nodes checked, ${problems} problems`);
process.exit(problems ? 1 : 0);
