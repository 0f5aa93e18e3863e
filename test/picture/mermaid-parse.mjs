// mermaid-parse.mjs: parse Mermaid texts with the real Mermaid parser.
//
//   node test/picture/mermaid-parse.mjs FILE...
//
// Each FILE holds one diagram.  Prints "ok <type> FILE (parse time)" or "error FILE:
// <message>" per file and exits 1 if any failed.  The flowchart parser
// sanitizes labels with DOMPurify, which needs a DOM: jsdom provides one
// (erDiagram needs none).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
// the DOM's classes (Element, Node, ...) as globals, as in a browser
for (const k of Object.getOwnPropertyNames(dom.window))
  if (/^[A-Z]/.test(k) && !(k in globalThis)) globalThis[k] = dom.window[k];
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const t0 = performance.now();
    const r = await mermaid.parse(text);
    if (!r) throw new Error('not recognised as a diagram');
    console.log(`ok ${r.diagramType} ${file} (${(performance.now() - t0).toFixed(1)} ms)`);
  } catch (e) {
    failed++;
    console.log(`error ${file}: ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`);
  }
}
process.exit(failed ? 1 : 0);
