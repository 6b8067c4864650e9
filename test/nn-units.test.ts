/**
 * The building blocks of `src/core/nn` on exact, hand-made inputs: shape checks and their
 * messages, the transpose-flag path of the matrix products, the dispatch to fused GELU kernels,
 * dropout's shortcuts, parameter declarations, Adam with gradient clipping and its state, and
 * the gradients lfkit registers for broadcasting ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../src/core/nn/adam.ts';
import { dense, dropout, FUSED_GELU_GRAD_KERNEL, FUSED_GELU_KERNEL, geluExact } from '../src/core/nn/layers.ts';
import { affine, matmul, setTransposedMatMulBackend, transposedMatMulIsFast } from '../src/core/nn/matmul.ts';
import { ParamSpecs, ParamStore } from '../src/core/nn/params.ts';
import { expectShape } from '../src/core/nn/shape.ts';
import { Rng } from '../src/core/util/rng.ts';
import { transposeInto } from '../src/core/nn/wasm-kernels.ts';
import { useBackend } from './helpers/model-fixtures.ts';

beforeAll(async () => { await useBackend('cpu'); });
afterEach(() => { setTransposedMatMulBackend(null); });

const rng = new Rng(21);
const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape);
const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe('shape checks', () => {
  it('expectShape binds names, checks fixed sizes and bound names, and says what it expected', () => {
    const t = { shape: [2, 3, 4] };
    expect(expectShape(t, ['B', 3, 'C'], 'x')).toEqual({ B: 2, C: 4 });
    expect(expectShape(t, ['B', 3, 'C'], 'x', { B: 2, Z: 9 })).toEqual({ B: 2, C: 4, Z: 9 });
    expect(() => expectShape(t, ['B', 'C'], 'x')).toThrow('x must be [B, C], got [2, 3, 4]');
    expect(() => expectShape(t, ['B', 5, 'C'], 'x')).toThrow('x must be [B, 5, C], got [2, 3, 4]');
    expect(() => expectShape(t, ['B', 3, 'C'], 'x', { B: 7, Z: 1 })).toThrow('x must be [B, 3, C] with B = 7, got [2, 3, 4]');
    expect(() => expectShape(t, ['B', 3, 'B'], 'x')).toThrow('x must be [B, 3, B], got [2, 3, 4]');
  });

  it('matmul, affine and dense name mismatched shapes', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => matmul(a, tf.zeros([4, 5]) as tf.Tensor2D)).toThrow('matmul: shapes [2,3] @ [4,5] do not fit');
    expect(() => matmul(tf.zeros([2, 3, 1]) as unknown as tf.Tensor2D, tf.zeros([1, 5]) as tf.Tensor2D)).toThrow('do not fit');
    expect(() => matmul(a, tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow('do not fit');
    expect(() => affine(a, tf.zeros([4, 5]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D)).toThrow('affine: shapes [2,3] @ [4,5] + [5] do not fit');
    expect(() => affine(a, tf.zeros([3, 5]) as tf.Tensor2D, tf.zeros([4]) as tf.Tensor1D)).toThrow('affine: shapes [2,3] @ [3,5] + [4] do not fit');
    expect(() => affine(tf.zeros([3]) as unknown as tf.Tensor2D, tf.zeros([3, 5]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D)).toThrow('do not fit');
    expect(() => affine(a, tf.zeros([3, 5, 1]) as unknown as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D)).toThrow('do not fit');
    expect(() => dense(tf.zeros([2, 4]), { w: tf.zeros([3, 5]), b: tf.zeros([5]) })).toThrow('dense: input [2,4] does not end in 3');
    expect(dense(tf.ones([2, 3, 3]), { w: tf.ones([3, 5]), b: tf.ones([5]) }).shape).toEqual([2, 3, 5]);
  });
});

describe('matrix products', () => {
  it('the transpose-flag path gives the explicit-transpose gradients, only on the declared backend', () => {
    const x = rand([5, 3]) as tf.Tensor2D, w = rand([3, 4]) as tf.Tensor2D, b = rand([4]) as tf.Tensor1D, up = rand([5, 4]);
    const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.add(tf.sum(tf.mul(matmul(xx as tf.Tensor2D, ww as tf.Tensor2D), up)), tf.sum(tf.mul(affine(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), up)));
    const grads = () => tf.grads(loss)([x, w, b]).map(arr);
    expect(transposedMatMulIsFast()).toBe(false);
    const plain = grads();
    setTransposedMatMulBackend('wasm'); // another backend: still explicit
    expect(transposedMatMulIsFast()).toBe(false);
    setTransposedMatMulBackend(tf.getBackend());
    expect(transposedMatMulIsFast()).toBe(true);
    const flagged = grads();
    for (let i = 0; i < 3; i++) flagged[i]!.forEach((v, j) => expect(v).toBeCloseTo(plain[i]![j]!, 5));
    // dx = up @ w^T (twice: matmul and affine), dw = x^T @ up (twice), db = column sums of up
    const dx = arr(tf.mul(tf.matMul(up, w, false, true), 2));
    const dw = arr(tf.mul(tf.matMul(x, up, true, false), 2));
    const db = arr(tf.sum(up, 0));
    flagged[0]!.forEach((v, j) => expect(v).toBeCloseTo(dx[j]!, 5));
    flagged[1]!.forEach((v, j) => expect(v).toBeCloseTo(dw[j]!, 5));
    flagged[2]!.forEach((v, j) => expect(v).toBeCloseTo(db[j]!, 5));
  });
});

describe('GELU dispatch', () => {
  it('uses a backend\'s fused GELU kernels when both are registered, for the value and the gradient', () => {
    type Cpu = { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
    const values = (be: unknown, t: tf.TensorInfo) => (be as Cpu).data.get(t.dataId).values;
    // stand-ins that are easy to recognise: y = 2x, dx = 3 dy x
    const fwd: tf.KernelFunc = ({ inputs, backend }) => (backend as unknown as Cpu).makeTensorInfo(inputs.x!.shape, 'float32', values(backend, inputs.x!).map((v) => 2 * v));
    const bwd: tf.KernelFunc = ({ inputs, backend }) => {
      const x = values(backend, inputs.x!), dy = values(backend, inputs.dy!);
      return (backend as unknown as Cpu).makeTensorInfo(inputs.x!.shape, 'float32', x.map((v, i) => 3 * v * dy[i]!));
    };
    const x = tf.tensor([-1, 0.5, 2]);
    const real = arr(geluExact(x));
    tf.registerKernel({ kernelName: FUSED_GELU_KERNEL, backendName: 'cpu', kernelFunc: fwd });
    try {
      expect(arr(geluExact(x))).toEqual(real); // the gradient kernel is missing: composed GELU
      tf.registerKernel({ kernelName: FUSED_GELU_GRAD_KERNEL, backendName: 'cpu', kernelFunc: bwd });
      expect(arr(geluExact(x))).toEqual([-2, 1, 4]);
      expect(arr(tf.grad((t: tf.Tensor) => tf.sum(geluExact(t)))(x))).toEqual([-3, 1.5, 6]);
    } finally {
      tf.unregisterKernel(FUSED_GELU_KERNEL, 'cpu');
      if (tf.getKernel(FUSED_GELU_GRAD_KERNEL, 'cpu')) tf.unregisterKernel(FUSED_GELU_GRAD_KERNEL, 'cpu');
    }
    expect(arr(geluExact(x))).toEqual(real);
  });
});

describe('dropout', () => {
  it('returns its input untouched at rate 0 or without generators; objects must split evenly', () => {
    const x = tf.ones([4, 3]);
    expect(dropout(x, 0, [new Rng(1)])).toBe(x);
    expect(dropout(x, 0.5, null)).toBe(x);
    expect(() => dropout(x, 0.5, [new Rng(1), new Rng(2), new Rng(3), new Rng(4), new Rng(5)])).toThrow('dropout: 12 values do not split into 5 objects');
    const y = arr(dropout(x, 0.5, [new Rng(1), new Rng(2)]));
    expect(y.every((v) => v === 0 || v === 2)).toBe(true);
    expect(y.some((v) => v === 0) && y.some((v) => v === 2)).toBe(true);
  });
});

describe('parameters', () => {
  it('refuses a duplicate name and names a missing parameter', () => {
    const specs = new ParamSpecs();
    specs.linear('a', 2, 3);
    expect(() => specs.add('a.weight', [1], { kind: 'const', value: 0 })).toThrow('duplicate parameter a.weight');
    const store = ParamStore.init(specs, 0);
    expect(store.has('a.bias')).toBe(true);
    expect(store.has('b.bias')).toBe(false);
    expect(() => store.get('b.bias')).toThrow('missing parameter b.bias');
    expect(store.linear('a').w.shape).toEqual([2, 3]);
  });
});

describe('Adam', () => {
  /** Two Adam steps in float64 on one scalar parameter, gradients g1, g2 scaled by the clip. */
  function reference(p0: number, gs: number[][], lr: number, clip: number | null): number[] {
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const p = [p0, p0];
    const m = [0, 0], v = [0, 0];
    gs.forEach((g, k) => {
      const t = k + 1;
      const norm = Math.hypot(...g);
      const s = clip !== null && norm > clip ? clip / (norm + 1e-12) : 1;
      for (let i = 0; i < 2; i++) {
        const gi = g[i]! * s;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        const mh = m[i]! / (1 - b1 ** t), vh = v[i]! / (1 - b2 ** t);
        p[i] = p[i]! - lr * mh / (Math.sqrt(vh) + eps);
      }
    });
    return p;
  }

  for (const clip of [null, 1, 10]) {
    it(`two steps with gradient clip ${clip ?? 'off'} match a float64 reference; the norm returned is before clipping`, () => {
      const p = { a: tf.variable(tf.tensor([0.5])), b: tf.variable(tf.tensor([-0.25])) };
      const adam = new Adam(new Map(Object.entries(p)), { beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: clip });
      const gs = [[3, 4], [0.3, -0.1]];
      const norms = gs.map((g) => adam.apply({ a: tf.tensor([g[0]!]), b: tf.tensor([g[1]!]) }, 0.1));
      expect(norms[0]).toBeCloseTo(5, 5);
      expect(norms[1]).toBeCloseTo(Math.hypot(0.3, 0.1), 5);
      const want = reference(0, gs, 0.1, clip).map((d, i) => d + [0.5, -0.25][i]!);
      expect(arr(p.a)[0]).toBeCloseTo(want[0]!, 5);
      expect(arr(p.b)[0]).toBeCloseTo(want[1]!, 5);
    });
  }

  it('clipping exactly at the norm leaves the gradient unscaled', () => {
    const mk = (clip: number | null) => {
      const p = { a: tf.variable(tf.tensor([0])), b: tf.variable(tf.tensor([0])) };
      const adam = new Adam(new Map(Object.entries(p)), { beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: clip });
      adam.apply({ a: tf.tensor([3]), b: tf.tensor([4]) }, 0.1);
      adam.apply({ a: tf.tensor([0.3]), b: tf.tensor([-0.1]) }, 0.1);
      return adam.state();
    };
    const unclipped = mk(null), atNorm = mk(5);
    for (const [k, v] of unclipped) expect(Array.from(atNorm.get(k)!)).toEqual(Array.from(v));
  });

  it('setState names what is missing or the wrong size', () => {
    const p = { a: tf.variable(tf.tensor([0, 0])) };
    const adam = new Adam(new Map(Object.entries(p)), { beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: null });
    const ok = adam.state();
    expect(() => adam.setState(new Map([...ok].filter(([k]) => k !== 'adam.t')))).toThrow('optimizer state: missing adam.t');
    expect(() => adam.setState(new Map([...ok].filter(([k]) => k !== 'adam.v.a')))).toThrow('optimizer state: missing adam.v.a');
    expect(() => adam.setState(new Map([...ok, ['adam.m.a', new Float32Array(3)]]))).toThrow('optimizer state: adam.m.a has 3 values, expected 2');
    adam.setState(new Map([...ok, ['adam.t', new Float32Array([7])], ['adam.m.a', new Float32Array([1, 2])]]));
    expect(adam.t).toBe(7);
    expect(Array.from(adam.state().get('adam.m.a')!)).toEqual([1, 2]);
  });
});

describe('gradients of broadcasting ops', () => {
  const X = () => tf.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
  const sums = (axes: number[], shape: number[]) => arr(tf.reshape(tf.sum(X(), axes, true), shape));

  for (const [shape, axes] of [
    [[4], [0, 1]], [[3, 4], [0]], [[1, 4], [0, 1]], [[1, 3, 4], [0]], [[3, 1], [0, 2]], [[2, 1, 4], [1]], [[1, 3, 1], [0, 2]], [[2, 3, 4], []],
  ] as Array<[number[], number[]]>) {
    it(`d sum(x * b) / db for b [${shape}] broadcast over [2, 3, 4]`, () => {
      const b = tf.ones(shape);
      const x = X();
      const g = tf.grad((bb: tf.Tensor) => tf.sum(tf.mul(x, bb)))(b);
      expect(g.shape).toEqual(shape);
      expect(arr(g)).toEqual(axes.length ? sums(axes, shape) : arr(x));
      const ga = tf.grad((bb: tf.Tensor) => tf.sum(tf.mul(tf.add(x, bb), 2)))(b);
      expect(arr(ga)).toEqual(arr(tf.mul(tf.ones(shape), 48 / shape.reduce((p, q) => p * q, 1))));
    });
  }

  it('broadcastTo, neg and cast', () => {
    const b = tf.tensor([[1], [2], [3]]);
    const x = X();
    const g = tf.grad((bb: tf.Tensor) => tf.sum(tf.mul(tf.broadcastTo(bb, [2, 3, 4]), x)))(b);
    expect(arr(g)).toEqual(sums([0, 2], [3, 1]));
    expect(arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.neg(t), tf.tensor([1, 2]))))(tf.tensor([5, 6])))).toEqual([-1, -2]);
    expect(arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(t, 'float32'), tf.tensor([3, 4]))))(tf.tensor([5, 6])))).toEqual([3, 4]);
  });
});

describe('lfkit\'s wasm kernels at their edges', () => {
  it('2D transposes of integer arrays; slices and transposes with an empty axis; unstack on a negative axis', async () => {
    const src = Int32Array.from({ length: 12 }, (_, i) => i);
    const dst = new Int32Array(12);
    transposeInto(src, [3, 4], [1, 0], dst);
    expect(Array.from(dst)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    const u8 = new Uint8Array(6);
    transposeInto(Uint8Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 3], [2, 0, 1], u8);
    expect(Array.from(u8)).toEqual([1, 4, 2, 5, 3, 6]);
    await useBackend('wasm');
    try {
      const x = tf.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
      const empty = tf.slice(x, [0, 1, 0], [2, 0, 4]);
      expect(empty.shape).toEqual([2, 0, 4]);
      expect(tf.transpose(tf.zeros([0, 3]), [1, 0]).shape).toEqual([3, 0]);
      const parts = tf.unstack(x, -1);
      expect(parts).toHaveLength(4);
      expect(arr(parts[1]!)).toEqual([1, 5, 9, 13, 17, 21]);
      expect(arr(tf.transpose(tf.tensor([[1, 2, 3], [4, 5, 6]], undefined, 'int32')))).toEqual([1, 4, 2, 5, 3, 6]);
    } finally {
      await useBackend('cpu');
    }
  });
});
