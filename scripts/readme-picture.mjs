#!/usr/bin/env node
// The picture at the top of the README, made from the bundled model so that it shows what the
// code does today: `lfkit demo` renders held-out test chairs from 1, 3 and 5 support views next
// to the ground truth (its views.png); this copies that grid to docs/images/demo-views.png as a
// palette PNG (a quarter of the bytes, the same picture to the eye).
//
//   node scripts/readme-picture.mjs                 run the demo into out/readme-demo, then copy
//   node scripts/readme-picture.mjs --from DIR      copy DIR/views.png of a demo already run
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const i = args.indexOf('--from');
if (args.includes('-h') || args.includes('--help')) {
  console.log('usage: node scripts/readme-picture.mjs [--from DEMO_OUT_DIR]');
  process.exit(0);
}
let dir = i >= 0 ? path.resolve(args[i + 1] ?? '') : path.join(root, 'out', 'readme-demo');
if (i < 0) execFileSync(process.execPath, [path.join(root, 'bin', 'lfkit.mjs'), 'demo', '--out', dir], { stdio: 'inherit', cwd: root });
const src = path.join(dir, 'views.png');
if (!existsSync(src)) {
  console.error(`--from: ${src} does not exist (run: node bin/lfkit.mjs demo --out ${dir})`);
  process.exit(2);
}
const out = path.join(root, 'docs', 'images', 'demo-views.png');
mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}.png`;
await sharp(src).png({ palette: true, quality: 80, effort: 10 }).toFile(tmp);
renameSync(tmp, out);
console.log(`wrote ${path.relative(root, out)} from ${path.relative(root, src) || src}`);
