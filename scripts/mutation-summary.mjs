#!/usr/bin/env node
/**
 * Summarises a Stryker run (`npm run mutate` writes out/mutation/mutation.json): the score per
 * core folder and overall, and every mutant that was not killed (file:line, mutator, the
 * original code and its replacement), as Markdown on stdout.
 *
 *   node scripts/mutation-summary.mjs [out/mutation/*.json ...] [--survivors]
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), Stryker's
 * definition; compile and runtime errors are not counted.
 */
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`Usage: node scripts/mutation-summary.mjs [REPORT.json ...] [--survivors]

Tabulates Stryker's JSON reports (default: every out/mutation/*.json, which \`npm run mutate\`
writes; LFKIT_MUTATE=nn,... writes one per folder set): mutants, killed, timed out, survived,
no coverage and score per core folder and overall. When a source file appears in several
reports, the newest report counts.

  --survivors   also list every surviving or uncovered mutant (file:line, mutator, code)`);
  process.exit(0);
}
const given = args.filter((a) => !a.startsWith('--'));
const files = given.length ? given
  : fs.existsSync('out/mutation') ? fs.readdirSync('out/mutation').filter((f) => f.endsWith('.json')).map((f) => path.join('out/mutation', f)) : [];
const listSurvivors = args.includes('--survivors');
if (!files.length) {
  console.error('mutation-summary: no reports in out/mutation (run `npm run mutate` first)');
  process.exit(1);
}
// several reports: a file's newest report wins (a folder run again replaces its older result)
const byFile = new Map();
for (const file of files) {
  if (!fs.existsSync(file)) {
    console.error(`mutation-summary: ${file} not found (run \`npm run mutate\` first)`);
    process.exit(1);
  }
  const mtime = fs.statSync(file).mtimeMs;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [name, f] of Object.entries(report.files)) {
    const prev = byFile.get(name);
    if (!prev || prev.mtime < mtime) byFile.set(name, { mtime, f });
  }
}
const folders = new Map();
const survivors = [];
for (const [name, { f }] of byFile) {
  const rel = path.relative(process.cwd(), path.resolve(name));
  const folder = path.dirname(rel).replace(/^src\/core\//, '');
  const row = folders.get(folder) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 };
  const lines = f.source.split('\n');
  for (const m of f.mutants) {
    if (m.status === 'Killed') row.killed++;
    else if (m.status === 'Timeout') row.timeout++;
    else if (m.status === 'Survived') row.survived++;
    else if (m.status === 'NoCoverage') row.noCoverage++;
    else if (m.status === 'Ignored') row.ignored++;
    else row.other++;
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const { start, end } = m.location;
      const original = start.line === end.line
        ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
        : `${lines[start.line - 1].slice(start.column - 1)} ...`;
      survivors.push({ file: rel, line: start.line, mutator: m.mutatorName, status: m.status, original: original.trim(), replacement: (m.replacement ?? '').trim() });
    }
  }
  folders.set(folder, row);
}
const score = (r) => (100 * (r.killed + r.timeout)) / Math.max(1, r.killed + r.timeout + r.survived + r.noCoverage);
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 };
console.log('| folder | mutants | killed | timed out | survived | no coverage | score |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [folder, r] of [...folders].sort()) {
  for (const k of Object.keys(total)) total[k] += r[k];
  const n = r.killed + r.timeout + r.survived + r.noCoverage;
  console.log(`| ${folder} | ${n} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${score(r).toFixed(1)}% |`);
}
const n = total.killed + total.timeout + total.survived + total.noCoverage;
console.log(`| **all** | ${n} | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | **${score(total).toFixed(1)}%** |`);
if (total.ignored) console.log(`\n${total.ignored} mutants ignored by the configuration (string literals; code that runs once at import), not counted.`);
if (total.other) console.log(`${total.other} mutants did not compile or crashed the runner, not counted.`);
if (listSurvivors) {
  const clip = (s) => (s.length > 60 ? `${s.slice(0, 57)}...` : s).replace(/\|/g, '\\|').replace(/`/g, "'");
  console.log('\n| file:line | mutator | status | original | replacement |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const s of survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)) {
    console.log(`| ${s.file}:${s.line} | ${s.mutator} | ${s.status} | \`${clip(s.original)}\` | \`${clip(s.replacement)}\` |`);
  }
}
