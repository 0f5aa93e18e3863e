// mermaid-parse.mjs: parse Mermaid texts with the real Mermaid parser.
//
//   node test/picture/mermaid-parse.mjs FILE...
//
// Each FILE holds one diagram.  Prints "ok <type> FILE" or "error FILE:
// <message>" per file and exits 1 if any failed.  The flowchart parser
// sanitizes labels with DOMPurify, which needs a DOM: jsdom provides one
// (erDiagram needs none).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const r = await mermaid.parse(text);
    if (!r) throw new Error('not recognised as a diagram');
    console.log(`ok ${r.diagramType} ${file}`);
  } catch (e) {
    failed++;
    console.log(`error ${file}: ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`);
  }
}
process.exit(failed ? 1 : 0);
