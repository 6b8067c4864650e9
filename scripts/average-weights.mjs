#!/usr/bin/env node
// Weight-space ensembling (WiSE-FT, Wortsman et al., CVPR 2022): the tensor-by-tensor average
// `(1 - alpha) A + alpha B` of two checkpoints of the same model, typically a fine-tuned model (B)
// and the model it started from (A). The bundled model is such an average (its card says which).
// A and B must hold the same tensor names and shapes; the output is written to a temporary file
// and renamed.
//
//   node scripts/average-weights.mjs A/model.safetensors B/model.safetensors --alpha 0.5 --out OUT/model.safetensors
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { decodeSafetensors, encodeSafetensors } = await import('../src/core/model/safetensors.ts');

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
if (args.includes('-h') || args.includes('--help')) {
  console.log('usage: node scripts/average-weights.mjs A.safetensors B.safetensors --alpha 0.5 --out OUT.safetensors');
  process.exit(0);
}
const alphaText = flag('--alpha') ?? '0.5';
const out = flag('--out');
const alpha = Number(alphaText);
const fail = (msg) => { console.error(`average-weights: error: ${msg}`); process.exit(2); };
if (!/^\d*\.?\d+$/.test(alphaText) || !(alpha >= 0 && alpha <= 1)) fail(`--alpha: expected a number in [0, 1], got '${alphaText}'`);
if (!out) fail('--out: required');
if (args.length !== 2) fail('expected two input files, A and B');
const load = (file) => {
  try {
    return decodeSafetensors(new Uint8Array(readFileSync(file)));
  } catch (err) {
    return fail(`${file}: ${err.message}`);
  }
};
const a = load(args[0]);
const b = load(args[1]);
const names = Object.keys(b.tensors).sort();
if (JSON.stringify(Object.keys(a.tensors).sort()) !== JSON.stringify(names)) fail(`${args[0]} and ${args[1]} hold different tensors`);
const mixed = {};
for (const name of names) {
  const x = a.tensors[name], y = b.tensors[name];
  if (JSON.stringify(x.shape) !== JSON.stringify(y.shape)) fail(`${name}: shape [${x.shape}] in ${args[0]} vs [${y.shape}] in ${args[1]}`);
  const data = new Float32Array(y.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (1 - alpha) * x.data[i] + alpha * y.data[i];
  mixed[name] = { dtype: 'F32', shape: y.shape, data };
}
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, encodeSafetensors(mixed, { ...b.metadata, averaged: `(1 - ${alpha}) A + ${alpha} B` }));
renameSync(tmp, out);
console.log(`average-weights: wrote ${out} = (1 - ${alpha}) ${args[0]} + ${alpha} ${args[1]} (${names.length} tensors)`);
