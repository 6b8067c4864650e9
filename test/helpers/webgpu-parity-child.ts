/**
 * Child process of `test/webgpu.test.ts` (SwiftShader needs its loader path set before the
 * process starts): `parityRun()` on `--backend webgpu`, plus the message a synchronous read of a
 * GPU tensor gives, as JSON to the file in argv[2].
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { gpuAdapter, initBackend } from '../../src/node/backend.ts';
import { parityRun } from './webgpu-parity.ts';

await initBackend('webgpu');
const result = await parityRun();
let syncRead = 'no error';
// A matMul always runs on the GPU (small element-wise ops may run on the host).
const t = tf.matMul(tf.ones([32, 32]), tf.ones([32, 32]));
try {
  t.dataSync();
} catch (err) {
  syncRead = `${(err as Error).name}: ${(err as Error).message}`;
}
fs.writeFileSync(process.argv[2]!, JSON.stringify({ ...result, adapter: gpuAdapter(), syncRead }));
