#!/usr/bin/env node
// Two or more training seeds side by side: reads the sweeps that `run.sh eval` wrote for each seed
// (lfkit-sweep JSON, the same runs, test objects and draws) and prints one markdown table per
// measure: each seed's figure, the mean over seeds and the standard error of that mean between
// seeds (sd / sqrt(n); for two seeds, half their difference). Paired differences are against the
// run labelled `full` in the same sweep.
//
//   node scripts/findings/seeds.mjs out/findings/variants-60min out/findings/variants-60min-seed1 [--support 3]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dirs = [];
let supports = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--support') {
    supports = (args[++i] ?? '').split(',').map(Number);
    if (!supports.every((n) => Number.isInteger(n) && n > 0)) {
      console.error(`seeds.mjs: --support wants support counts like 1,3,5 (got '${args[i] ?? ''}')`);
      process.exit(2);
    }
  }
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: node scripts/findings/seeds.mjs SWEEP_DIR SWEEP_DIR [...] [--support 1,3,5]\n\nOne lfkit sweep folder per training seed (same runs, objects and draws). Prints markdown tables of PSNR,\nobject PSNR and the paired differences against the run labelled full: each seed, the mean over seeds and\nthe standard error between seeds.');
    process.exit(0);
  } else dirs.push(args[i]);
}
if (dirs.length < 2) {
  console.error('seeds.mjs: give at least two sweep folders (one per seed), e.g. out/findings/variants-60min out/findings/variants-60min-seed1');
  process.exit(2);
}
const sweeps = dirs.map((d) => {
  const file = join(d, 'sweep.json');
  let s;
  try {
    s = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`seeds.mjs: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
  if (s.format !== 'lfkit-sweep') {
    console.error(`seeds.mjs: ${file}: not an lfkit sweep (format '${s.format}')`);
    process.exit(2);
  }
  return s;
});
const labels = sweeps[0].runs.map((r) => r.label).filter((l) => sweeps.every((s) => s.runs.some((r) => r.label === l)));
const counts = supports ?? sweeps[0].settings.supportCounts;

const point = (s, run, S) => s.points.find((p) => p.run === run && p.support === S)?.summary.model;
const paired = (s, run, S) => s.paired.find((p) => p.run === run && p.reference === 'full' && p.support === S);
const f = (x, sign = false) => (x === undefined ? '' : (sign && x >= 0 ? '+' : '') + x.toFixed(2));
const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return { m, se: sd / Math.sqrt(xs.length) };
};

function table(title, get, sign) {
  console.log(`\n${title}\n`);
  const head = ['run', 'S', ...dirs.map((_, i) => `seed ${i}`), 'mean over seeds', 's.e. between seeds'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map(() => '---').join(' | ')} |`);
  for (const l of labels)
    for (const S of counts) {
      const xs = sweeps.map((s) => get(s, l, S));
      if (xs.some((x) => x === undefined)) continue;
      const { m, se } = stats(xs);
      console.log(`| ${l} | ${S} | ${xs.map((x) => f(x, sign)).join(' | ')} | **${f(m, sign)}** | ${se.toFixed(2)} |`);
    }
}

console.log(`Seeds: ${dirs.map((d, i) => `${i}: ${d}`).join(', ')}; runs: ${labels.join(', ')}.`);
table('PSNR (dB, all pixels)', (s, l, S) => point(s, l, S)?.psnr.mean, false);
table('Object PSNR (dB)', (s, l, S) => point(s, l, S)?.objectPsnr.mean, false);
table('Δ PSNR against `full` (paired within each seed)', (s, l, S) => paired(s, l, S)?.psnr.mean, true);
table('Δ object PSNR against `full` (paired within each seed)', (s, l, S) => paired(s, l, S)?.objectPsnr.mean, true);
