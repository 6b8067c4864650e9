#!/usr/bin/env node
/**
 * Builds lfkit's native matrix product (`native/blas.c` against the system's OpenBLAS) with
 * node-gyp; run by `npm install` / `npm ci`. Optional: when it cannot be built (no C compiler,
 * no OpenBLAS headers: Debian's `libopenblas-dev`), lfkit prints one line and runs on the wasm
 * kernels alone. `LFKIT_NATIVE=0` skips the build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native');
const log = path.join(dir, 'build.log');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: node scripts/build-native.mjs   (npm install runs it)

Builds native/build/Release/lfkit_blas.node with node-gyp: lfkit's matrix products (OpenBLAS
sgemm) and fused GELU for the wasm backend in Node. Needs a C compiler, make and OpenBLAS's
headers (Debian: apt-get install -y libopenblas-dev). When the build fails it prints one line
and exits 0: lfkit then runs on the wasm kernels alone. LFKIT_NATIVE=0 skips the build.`);
  process.exit(0);
}
if ((process.env.LFKIT_NATIVE ?? '').trim() === '0') {
  console.log('lfkit: native matMul not built (LFKIT_NATIVE=0); the wasm kernels do all the work');
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the copy bundled with npm beside this node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

const gyp = nodeGyp();
if (!gyp) {
  console.log('lfkit: native matMul not built (node-gyp not found); the wasm kernels do all the work');
  process.exit(0);
}
// Node's own headers when they are installed beside it (Debian, most packages): no download
const prefix = path.resolve(path.dirname(process.execPath), '..');
const localHeaders = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'));
const args = [gyp, 'rebuild', '--release'];
if (!process.env.npm_config_nodedir && localHeaders) args.push(`--nodedir=${prefix}`);
const t0 = Date.now();
const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: process.env });
fs.writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`);
if (r.status === 0 && fs.existsSync(path.join(dir, 'build', 'Release', 'lfkit_blas.node'))) {
  console.log(`lfkit: built the native matMul (OpenBLAS) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} else {
  const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  const cause = /cblas\.h/.test(text) ? 'OpenBLAS headers not found: Debian `apt-get install libopenblas-dev`'
    : /not found|ENOENT/.test(text) && /(cc|gcc|make|g\+\+)\b/.test(text) ? 'no C compiler or make'
      : `node-gyp failed, see ${path.relative(root, log)}`;
  console.log(`lfkit: native matMul not built (${cause}); the wasm kernels do all the work`);
}
