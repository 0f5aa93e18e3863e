// check.mjs RECORDS README WORKDIR: lint with squawk every statement that
// fk_tools handed out (RECORDS: "fix\x1fstep\x1fsql" records separated by
// \x1e, as psql -At -F $'\x1f' -R $'\x1e' prints them), one file per fix,
// its steps in order; fail on any finding but those README's table
// "What squawk says" allows, for the statements it names.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [records, readme, work] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
// the binary package squawk-cli installs for Linux x86-64 (package.json says why)
const squawk = join(here, "node_modules", "@squawk-cli", "linux-x64", "bin", "squawk");

// The allowed findings: rows "| `rule` | `statement pattern` | why |" of
// the table under the heading "What squawk says" (LIKE patterns: % is
// anything, the rest literal).
const text = readFileSync(readme, "utf8");
const start = text.indexOf("What squawk says");
if (start < 0) throw new Error("README has no section \"What squawk says\"");
const allowed = [];
for (const line of text.slice(start).split("\n").slice(1)) {
  if (line.startsWith("#")) break;
  const m = line.match(/^\|\s*`([a-z-]+)`\s*\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|\s*$/);
  if (!m) continue;
  const re = new RegExp("^" + m[2].split("%").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*") + "$");
  allowed.push({ rule: m[1], pattern: m[2], re, used: 0, why: m[3] });
}
if (allowed.length === 0) throw new Error("README's \"What squawk says\" table lists no rule");

// One file per fix: each statement on lines of its own, ended by ";"
const fixes = new Map();
for (const rec of readFileSync(records, "utf8").split("\x1e")) {
  if (rec.trim() === "") continue;
  const [fix, step, sql] = rec.split("\x1f");
  if (!fixes.has(fix)) fixes.set(fix, []);
  fixes.get(fix).push({ step: Number(step), sql });
}
mkdirSync(work, { recursive: true });
const files = [];
const lineOf = new Map();
let n = 0, ddl = 0;
for (const [fix, steps] of fixes) {
  steps.sort((a, b) => a.step - b.step);
  const file = join(work, `fix_${files.length + 1}.sql`);
  const lines = [];
  const owner = [];
  for (const s of steps) {
    const body = s.sql + ";";
    for (const l of body.split("\n")) {
      lines.push(l);
      owner.push(s.sql);
    }
    n++;
    if (/^(ALTER|CREATE|DROP|REINDEX)\b/.test(s.sql)) ddl++;
  }
  writeFileSync(file, lines.join("\n") + "\n");
  files.push(file);
  lineOf.set(file, { fix, owner });
}

let out;
try {
  out = execFileSync(squawk, ["--pg-version=15.0", "--reporter=json", ...files], { encoding: "utf8", maxBuffer: 1 << 28 });
} catch (e) {
  if (e.status !== 1 || !e.stdout) throw e;  // 1: findings
  out = e.stdout;
}
const findings = JSON.parse(out);
let bad = 0;
for (const f of findings) {
  const where = lineOf.get(f.file);
  const stmt = where.owner[f.line] ?? where.owner[f.line - 1] ?? "?";
  const ok = allowed.find((a) => a.rule === f.rule_name && a.re.test(stmt));
  if (ok) { ok.used++; continue; }
  bad++;
  console.log(`FINDING ${f.rule_name}: ${f.message}\n  in ${where.fix}\n  statement: ${stmt}\n  the fix's steps:\n    ${readFileSync(f.file, "utf8").trimEnd().split("\n").join("\n    ")}`);
}
console.log(`squawk linted ${n} statements (${ddl} DDL) of ${fixes.size} fixes: ${findings.length} findings, ${findings.length - bad} allowed by README, ${bad} not`);
for (const a of allowed) console.log(`  allowed ${a.rule} on \`${a.pattern}\`: ${a.used}`);
// what was linted, by kind of statement
const KINDS = [
  ["ADD ... NOT VALID", /^ALTER TABLE [\s\S]* ADD CONSTRAINT [\s\S]* NOT VALID$/],
  ["DROP + ADD (partitioned)", /^ALTER TABLE [\s\S]* DROP CONSTRAINT [\s\S]*, ADD CONSTRAINT /],
  ["VALIDATE", /^ALTER TABLE [\s\S]* VALIDATE CONSTRAINT /],
  ["DROP CONSTRAINT", /^ALTER TABLE [\s\S]* DROP CONSTRAINT IF EXISTS /],
  ["RENAME CONSTRAINT", /^ALTER TABLE [\s\S]* RENAME CONSTRAINT /],
  ["ENABLE TRIGGER", /^ALTER TABLE [\s\S]* ENABLE TRIGGER /],
  ["ALTER COLUMN TYPE", /^ALTER TABLE [\s\S]* ALTER COLUMN /],
  ["CREATE INDEX CONCURRENTLY", /^CREATE INDEX CONCURRENTLY /],
  ["CREATE INDEX ON ONLY", /^CREATE INDEX IF NOT EXISTS [\s\S]* ON ONLY /],
  ["ATTACH PARTITION", /^ALTER INDEX [\s\S]* ATTACH PARTITION /],
  ["DROP INDEX CONCURRENTLY", /^DROP INDEX CONCURRENTLY /],
  ["SET/RESET", /^(SET|RESET) /],
  ["BEGIN/COMMIT", /^(BEGIN|COMMIT)$/],
];
const kinds = new Map();
for (const steps of fixes.values())
  for (const s of steps) {
    const k = (KINDS.find(([, re]) => re.test(s.sql)) ?? [s.sql.split(/\s/)[0]])[0];
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
console.log("  linted: " + [...kinds].sort().map(([k, c]) => `${k} ${c}`).join(", "));
if (ddl === 0) { console.log("no DDL statement linted"); process.exit(1); }
// an allowance no statement needed is one too many (or the corpus lacks it)
for (const a of allowed.filter((a) => a.used === 0)) {
  console.log(`README allows ${a.rule} on \`${a.pattern}\`, which no statement needed`);
  bad++;
}
process.exit(bad === 0 ? 0 : 1);
