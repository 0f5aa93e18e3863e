// check-page.mjs: what headless Chromium made of a page (--dump-dom).
//
//   node test/picture/check-page.mjs mermaid DOM.html EXPECTED.json
//     every diagram rendered to SVG, and each expected label (a list)
//     is the start of some rendered element's text
//   node test/picture/check-page.mjs report DOM.html EXPECTED.json
//     EXPECTED: {"#figure-id": node count, ..., "tables": [row counts]}:
//     each figure holds an SVG with exactly that many table nodes (t1..tn),
//     and the page's tables have those numbers of rows
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const [mode, domFile, expectedFile] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const doc = new JSDOM(readFileSync(domFile, 'utf8')).window.document;
let problems = 0;
const fail = (m) => { console.log(m); problems++; };

if (mode === 'mermaid') {
  if (doc.body.getAttribute('data-error')) fail(`mermaid failed: ${doc.body.getAttribute('data-error')}`);
  const diagrams = [...doc.querySelectorAll('.mermaid')];
  for (const d of diagrams)
    if (!d.querySelector('svg') || /Syntax error|Parse error/.test(d.textContent))
      fail(`diagram ${d.id} not rendered: ${d.textContent.slice(0, 200)}`);
  const texts = [];
  for (const el of doc.querySelectorAll('.mermaid svg *'))
    if (el.children.length === 0 && el.textContent) texts.push(el.textContent);
  for (const label of expected)
    if (!texts.some((t) => t.startsWith(label))) fail(`label not rendered: ${JSON.stringify(label)}`);
  console.log(`${domFile}: ${diagrams.length} diagrams, ${expected.length} labels checked, ${problems} problems`);
} else {
  for (const [sel, n] of Object.entries(expected.figures)) {
    const fig = doc.querySelector(sel);
    if (!fig || !fig.querySelector('svg')) { fail(`${sel}: no picture`); continue; }
    const ids = [...fig.querySelectorAll('g.node')].map((g) => g.id).filter((id) => /^t\d+$/.test(id));
    if (ids.length !== n) fail(`${sel}: ${ids.length} table nodes, expected ${n}`);
    for (let i = 1; i <= n; i++) if (!ids.includes(`t${i}`)) fail(`${sel}: node t${i} missing`);
    if (fig.querySelectorAll('g.edge').length === 0) fail(`${sel}: no edges`);
  }
  const tables = [...doc.querySelectorAll('table.rows')].map((t) => t.querySelectorAll('tr').length - 1);
  if (JSON.stringify(tables) !== JSON.stringify(expected.tables))
    fail(`row counts ${JSON.stringify(tables)}, expected ${JSON.stringify(expected.tables)}`);
  console.log(`${domFile}: ${Object.keys(expected.figures).length} pictures, ${tables.length} tables checked, ${problems} problems`);
}
process.exit(problems ? 1 : 0);
