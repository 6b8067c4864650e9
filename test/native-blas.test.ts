/**
 * lfkit's native kernels on the wasm backend (`native/blas.c`, `src/node/native/blas.ts`): the
 * OpenBLAS matMul against the stock wasm kernels on every case the model uses (transposes,
 * broadcast batches, fused bias + ReLU) and the cases it hands back, the fused GELU against
 * its composition, and a whole training step's gradients against the wasm kernels. The addon
 * must be built (`npm ci` builds it when `libopenblas-dev` is installed, as `.ci/run` does):
 * without it this file fails with the cause.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightFieldModel, Trainer } from '../src/core/model/index.ts';
import { FUSED_GELU_KERNEL, geluExact } from '../src/core/nn/layers.ts';
import { transposedMatMulIsFast } from '../src/core/nn/matmul.ts';
import { loadNativeBlas, nativeBlasStatus } from '../src/node/native/blas.ts';
import { Rng } from '../src/core/util/rng.ts';
import { randomBatch, tinyConfig, useBackend } from './helpers/model-fixtures.ts';

const rng = new Rng(11);
const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape);

/** Runs `f` with the stock wasm kernels and with the native ones; returns both results' data. */
async function both(f: () => tf.Tensor): Promise<{ wasm: Float32Array; native: Float32Array; shapes: [number[], number[]] }> {
  await useBackend('wasm');
  const a = f();
  const wasm = a.dataSync() as Float32Array;
  await useBackend('wasm-native');
  const b = f();
  const native = b.dataSync() as Float32Array;
  const shapes: [number[], number[]] = [a.shape, b.shape];
  tf.dispose([a, b]);
  return { wasm, native, shapes };
}

function maxRel(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

describe('native kernels on the wasm backend', () => {
  beforeAll(async () => {
    expect(loadNativeBlas(), `native addon: ${nativeBlasStatus().detail}`).not.toBeNull();
    await useBackend('wasm-native');
  });
  afterAll(async () => { await useBackend('wasm'); });

  it('are active and announce the BLAS; transposed products take the flag path only while active', async () => {
    await useBackend('wasm-native');
    expect(nativeBlasStatus()).toMatchObject({ active: true });
    expect(nativeBlasStatus().detail).toMatch(/^OpenBLAS \d/);
    expect(transposedMatMulIsFast()).toBe(true);
    expect(tf.getKernel(FUSED_GELU_KERNEL, 'wasm')).toBeDefined();
    await useBackend('wasm');
    expect(nativeBlasStatus().active).toBe(false);
    expect(transposedMatMulIsFast()).toBe(false);
    expect(tf.getKernel(FUSED_GELU_KERNEL, 'wasm')).toBeUndefined();
  });

  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['2D', [37, 19], [19, 23], false, false],
    ['2D, transposeB', [37, 19], [23, 19], false, true],
    ['2D, transposeA', [19, 37], [19, 23], true, false],
    ['2D, both transposed', [19, 37], [23, 19], true, true],
    ['batched', [3, 8, 5], [3, 5, 6], false, false],
    ['batched, transposeB', [3, 8, 5], [3, 6, 5], false, true],
    ['batch broadcast from a', [1, 8, 5], [4, 5, 6], false, false],
    ['batch broadcast from b', [4, 8, 5], [5, 6], false, false],
    ['rank 4', [2, 3, 4, 5], [2, 3, 5, 2], false, false],
    ['k = 1', [6, 1], [1, 7], false, false],
  ];
  for (const [name, sa, sb, ta, tb] of cases) {
    it(`matMul ${name} equals the wasm kernel`, async () => {
      const a = rand(sa), b = rand(sb);
      const r = await both(() => tf.matMul(a, b, ta, tb));
      expect(r.shapes[1]).toEqual(r.shapes[0]);
      expect(maxRel(r.native, r.wasm)).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    });
  }

  it('fused matMul + bias + ReLU equals the wasm kernel; other activations fall back to it', async () => {
    const a = rand([33, 17]), b = rand([17, 9]), bias = rand([9]);
    for (const activation of ['linear', 'relu', 'elu'] as const) {
      const r = await both(() => tf.fused.matMul({ a, b, bias, activation }));
      expect(maxRel(r.native, r.wasm), activation).toBeLessThan(1e-5);
      if (activation === 'relu') expect(r.native.some((v) => v === 0) && r.native.some((v) => v > 0)).toBe(true);
    }
    tf.dispose([a, b, bias]);
  });

  it('an empty product is all zeros; mismatched inner sizes still raise the stock error', async () => {
    await useBackend('wasm-native');
    const z = tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4]));
    expect(Array.from(z.dataSync())).toEqual(new Array(12).fill(0));
    expect(() => tf.matMul(tf.zeros([3, 2]), tf.zeros([3, 4]))).toThrow(/inner shapes/i);
  });

  it('the fused GELU and its gradient equal the composed ones to 1e-6', async () => {
    const x = tf.mul(rand([4, 1000]), 6);
    const f = () => geluExact(x);
    const g = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(geluExact(t), tf.div(tf.reshape(tf.range(0, 4000), [4, 1000]), 4000))))(x);
    const v = await both(f);
    const d = await both(g);
    expect(maxRel(v.native, v.wasm)).toBeLessThan(1e-6);
    expect(maxRel(d.native, d.wasm)).toBeLessThan(1e-6);
    // and it is the fused kernel that ran: the native path calls no Erf
    await useBackend('wasm-native');
    const prof = await tf.profile(() => geluExact(x));
    expect(prof.kernelNames).toContain(FUSED_GELU_KERNEL);
    expect(prof.kernelNames).not.toContain('Erf');
    x.dispose();
  });

  for (const variant of ['full', 'ipc'] as const) {
    it(`a training step of a tiny ${variant} model: loss and every gradient equal the wasm kernels' within 1e-4 relative`, async () => {
      const c = tinyConfig({ 'model.variant': variant });
      const batch = randomBatch(c, 5);
      const run = async (backend: 'wasm' | 'wasm-native') => {
        await useBackend(backend);
        const model = LightFieldModel.create(c.model, 3);
        const t = new Trainer(model, c.train);
        const r = t.gradients(batch, 0);
        model.dispose();
        return r;
      };
      const w = await run('wasm');
      const n = await run('wasm-native');
      expect(Math.abs(n.loss - w.loss) / w.loss).toBeLessThan(1e-5);
      expect([...n.grads.keys()].sort()).toEqual([...w.grads.keys()].sort());
      // relative to the tensor's own norm, floored at 1e-3 of the typical tensor's: some
      // gradients are exactly zero in exact arithmetic (a key bias shifts every score of a
      // query equally, which softmax ignores) and hold only rounding noise
      const rms = (g: Float32Array) => Math.sqrt(g.reduce((a, v) => a + v * v, 0) / g.length);
      const typical = [...w.grads.values()].map(rms).sort((a, b) => a - b)[Math.floor(w.grads.size / 2)]!;
      for (const [k, gw] of w.grads) {
        const gn = n.grads.get(k)!;
        const diff = rms(gn.map((v, i) => v - gw[i]!));
        expect(diff / Math.max(rms(gw), 1e-3 * typical), `${k}: rms ${rms(gw)}`).toBeLessThan(1e-4);
      }
    });
  }
});
