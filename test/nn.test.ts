import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { transposeInto } from '../src/core/nn/wasm-kernels.ts';
import { gelu, geluExact, geluTanh } from '../src/core/nn/layers.ts';
import { Rng } from '../src/core/util/rng.ts';
import { useBackend } from './helpers/model-fixtures.ts';

function naiveTranspose(src: Float32Array, shape: number[], perm: number[]): Float32Array {
  const r = shape.length;
  const st = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) { st[i] = acc; acc *= shape[i]!; }
  const outShape = perm.map((a) => shape[a]!);
  const out = new Float32Array(src.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let j = 0; j < r; j++) off += idx[j]! * st[perm[j]!]!;
    out[o] = src[off]!;
    for (let j = r - 1; j >= 0; j--) { if (++idx[j]! < outShape[j]!) break; idx[j] = 0; }
  }
  return out;
}

describe('wasm kernel replacements', () => {
  it('transposeInto matches a naive transpose for random shapes and permutations', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 300; trial++) {
      const r = 1 + rng.int(5);
      const shape = Array.from({ length: r }, () => 1 + rng.int(4));
      const perm = rng.shuffle(Array.from({ length: r }, (_, i) => i));
      const n = shape.reduce((a, b) => a * b, 1);
      const src = Float32Array.from({ length: n }, (_, i) => i);
      const dst = new Float32Array(n);
      transposeInto(src, shape, perm, dst);
      expect(Array.from(dst), `shape [${shape}] perm [${perm}]`).toEqual(Array.from(naiveTranspose(src, shape, perm)));
    }
  });

  it('matMul on wasm is right when the same data is reused as b under another shape (cache guard)', async () => {
    await useBackend('wasm');
    const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    expect(Array.from(tf.matMul(tf.ones([1, 3]), x).dataSync())).toEqual([15, 18, 21, 24]);
    expect(Array.from(tf.matMul(tf.ones([1, 6]), tf.reshape(x, [6, 2])).dataSync())).toEqual([36, 42]);
    expect(Array.from(tf.matMul(tf.ones([1, 2]), tf.reshape(x, [2, 6])).dataSync())).toEqual([8, 10, 12, 14, 16, 18]);
    expect(Array.from(tf.fused.matMul({ a: tf.ones([1, 4]), b: tf.reshape(x, [4, 3]) }).dataSync())).toEqual([22, 26, 30]);
    expect(Array.from(tf.matMul(tf.ones([1, 3]), x).dataSync())).toEqual([15, 18, 21, 24]);
  });

  it('GELU (tanh form) is within 1e-3 of the exact erf GELU and its gradient matches finite differences', async () => {
    await useBackend('wasm');
    const xs = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
    const x = tf.tensor1d(xs);
    const y = geluTanh(x).dataSync();
    const exact = tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)).dataSync();
    for (let i = 0; i < xs.length; i++) expect(Math.abs(y[i]! - exact[i]!)).toBeLessThan(1e-3);
    const g = tf.grad((t: tf.Tensor) => tf.sum(geluTanh(t)))(x).dataSync();
    const h = 1e-2;
    const fd = tf.div(tf.sub(geluTanh(tf.add(x, h)), geluTanh(tf.sub(x, h))), 2 * h).dataSync();
    for (let i = 0; i < xs.length; i++) expect(Math.abs(g[i]! - fd[i]!)).toBeLessThan(2e-3);
  });

  it('GELU (exact form) equals x Phi(x) from a float64 erf series, and its gradient Phi + x phi', async () => {
    await useBackend('wasm');
    // float64 reference: erf by its Maclaurin series (converges for |z| <= 3 with 60 terms)
    const erf = (z: number): number => {
      let sum = 0, term = z;
      for (let n = 0; n < 80; n++) { sum += term / (2 * n + 1); term *= (-z * z) / (n + 1); }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    const xs = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
    const x = tf.tensor1d(xs);
    const y = geluExact(x).dataSync();
    const g = tf.grad((t: tf.Tensor) => tf.sum(geluExact(t)))(x).dataSync();
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      const phi = 0.5 * (1 + erf(v / Math.SQRT2));
      const pdf = Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
      expect(Math.abs(y[i]! - v * phi)).toBeLessThan(2e-6);
      expect(Math.abs(g[i]! - (phi + v * pdf))).toBeLessThan(2e-6);
    }
    // the tanh form differs measurably (so the two cannot be confused)
    const t = geluTanh(x).dataSync();
    expect(Math.max(...xs.map((_, i) => Math.abs(t[i]! - y[i]!)))).toBeGreaterThan(1e-4);
    // gelu(x, form) dispatches
    expect(Array.from(gelu(x, 'erf').dataSync())).toEqual(Array.from(y));
    expect(Array.from(gelu(x, 'tanh').dataSync())).toEqual(Array.from(t));
  });

  it('registered gradients of common ops match finite differences', async () => {
    await useBackend('wasm');
    const x = tf.tensor1d([-1.3, -0.4, 0.2, 0.7, 1.6]);
    const fns: [string, (t: tf.Tensor) => tf.Tensor][] = [
      ['exp', (t) => tf.exp(t)], ['log', (t) => tf.log(tf.add(t, 2))], ['sigmoid', (t) => tf.sigmoid(t)],
      ['tanh', (t) => tf.tanh(t)], ['abs', (t) => tf.abs(t)], ['clip', (t) => tf.clipByValue(t, -0.5, 1)],
      ['max', (t) => tf.maximum(t, 0.1)], ['min', (t) => tf.minimum(t, 0.1)], ['softmax', (t) => tf.mul(tf.softmax(t), tf.range(0, 5))],
      ['layer ops', (t) => tf.mul(tf.rsqrt(tf.add(tf.mean(tf.square(t)), 1)), tf.sqrt(tf.add(tf.square(t), 1)))],
      ['erf', (t) => tf.erf(t)], ['sub/div', (t) => tf.div(tf.sub(t, 3), tf.add(tf.square(t), 1))],
    ];
    for (const [name, f] of fns) {
      const g = tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x).dataSync();
      const xs = x.dataSync();
      for (let i = 0; i < xs.length; i++) {
        const h = 1e-2;
        const at = (d: number) => tf.sum(f(tf.tensor1d(Array.from(xs, (v, j) => (j === i ? v + d : v))))).dataSync()[0]!;
        expect(Math.abs(g[i]! - (at(h) - at(-h)) / (2 * h)), `${name} at ${i}`).toBeLessThan(5e-3);
      }
    }
  });

  it('patched slice / unstack / transpose on wasm agree with the cpu backend', async () => {
    const rng = new Rng(2);
    const data = Float32Array.from({ length: 2 * 3 * 4 * 5 }, () => rng.normal());
    const run = () => tf.tidy(() => {
      const x = tf.tensor(data, [2, 3, 4, 5]);
      return [
        tf.slice(x, [1, 0, 2, 1], [1, 3, 2, 3]),
        tf.slice(tf.reshape(x, [24, 5]), [3, 1], [10, 4]),
        ...tf.unstack(x, 2),
        tf.transpose(x, [2, 0, 3, 1]),
        tf.transpose(tf.reshape(x, [6, 20])),
      ].map((t) => Array.from(t.dataSync()));
    });
    await useBackend('cpu');
    const want = run();
    await useBackend('wasm');
    expect(run()).toEqual(want);
  });
});
