#!/usr/bin/env node
// The capacity figure of docs/findings.md from the fits of scripts/findings/capacity.sh: one row of ground
// truth, then one row of fitted views per model, labelled.
//
//   node scripts/findings/capacity-figure.mjs [--in out/findings/capacity] [--out docs/images/capacity-fits.png]
//
// Each fit's grid.png (lfkit render) has three rows of 64 px cells on a 66 px pitch: the support
// views, the predictions, the ground truth; the first 8 targets are shown.
import { existsSync, readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node scripts/findings/capacity-figure.mjs [--in DIR] [--out FILE.png]\n' +
    'Builds the labelled figure of the decoder-capacity fits (scripts/findings/capacity.sh) from DIR/<model>.png.');
  process.exit(0);
}
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  if (!args[i + 1]) { console.error(`${name} needs a value`); process.exit(2); }
  return args[i + 1];
};
const dir = opt('--in', 'out/findings/capacity');
const out = opt('--out', 'docs/images/capacity-fits.png');

const PITCH = 66, CELL = 64, COLS = 8, LABEL = 380;
const report = (name) => {
  const file = path.join(dir, `${name}.json`);
  if (!existsSync(file)) { console.error(`${file} does not exist: run scripts/findings/capacity.sh first`); process.exit(2); }
  return JSON.parse(readFileSync(file, 'utf8'));
};
const dB = (name, point) => `: ${report(name).points.at(point).supportPsnr.toFixed(1)} dB`;
// [label, fit whose grid.png is shown, grid row]; fitted rows carry the support-view PSNR
// (bundled-none has no report: its PSNR is step 0 of the bundled fit, same model and views)
const rows = [
  ['ground truth (13 views fitted, 8 shown)', 'bundled', 2],
  [`bundled model, Z + decoder${dB('bundled', -1)}`, 'bundled', 1],
  [`fresh, bands (32, 16), 4, Z + decoder${dB('b32', -1)}`, 'b32', 1],
  [`fresh, bands (8, 4), 2, Z + decoder${dB('b8', -1)}`, 'b8', 1],
  [`bundled model, Z only (lr 1e-2)${dB('bundled-z-lr1e-2', -1)}`, 'bundled-z-lr1e-2', 1],
  [`bundled model, 13 views, not fitted${dB('bundled', 0)}`, 'bundled-none', 1],
];
const W = LABEL + COLS * PITCH + 2;
const H = rows.length * PITCH + 2;
const composites = [];
const text = [];
for (const [r, [label, name, row]] of rows.entries()) {
  const y = 2 + r * PITCH;
  text.push(`<text x="${LABEL - 8}" y="${y + CELL / 2 + 5}" text-anchor="end" font-family="DejaVu Sans" font-size="14" fill="#222">${label}</text>`);
  const file = path.join(dir, `${name}.png`);
  if (!existsSync(file)) { console.error(`${file} does not exist: run scripts/findings/capacity.sh first`); process.exit(2); }
  const strip = await sharp(file).extract({ left: 0, top: row * PITCH, width: COLS * PITCH + 2, height: PITCH + 2 }).png().toBuffer();
  composites.push({ input: strip, left: LABEL, top: y - 2 });
}
const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${text.join('')}</svg>`);
const tmp = `${out}.tmp-${process.pid}.png`;
await sharp({ create: { width: W, height: H, channels: 3, background: 'white' } })
  .composite([...composites, { input: svg, left: 0, top: 0 }]).png().toFile(tmp);
await rename(tmp, out);
console.log(`wrote ${out}`);
