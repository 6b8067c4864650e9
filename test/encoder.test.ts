import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LightFieldModel, patchify } from '../src/core/model/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { maxAbsDiff } from './helpers/assert-close.ts';
import { tinyConfig, useBackend } from './helpers/model-fixtures.ts';

beforeAll(async () => { await useBackend('wasm'); });

function views(S: number, seed: number, H = 16): { rgb: tf.Tensor; pl: tf.Tensor } {
  const rng = new Rng(seed);
  const n = S * H * H;
  return {
    rgb: tf.tensor(Float32Array.from({ length: n * 3 }, () => rng.next()), [1, S, H, H, 3]),
    pl: tf.tensor(Float32Array.from({ length: n * 6 }, () => rng.uniform(-1, 1)), [1, S, H, H, 6]),
  };
}

describe('tokenizer', () => {
  it('orders token values [py, px, channel] and patches row-major', () => {
    // 1 view, 4x4 image, p 2: pixel (y, x) rgb = (100y + 10x + c), plucker = 1000 + same.
    const H = 4, p = 2;
    const rgb = new Float32Array(H * H * 3), pl = new Float32Array(H * H * 6);
    for (let y = 0; y < H; y++) for (let x = 0; x < H; x++) {
      for (let c = 0; c < 3; c++) rgb[(y * H + x) * 3 + c] = 100 * y + 10 * x + c;
      for (let c = 0; c < 6; c++) pl[(y * H + x) * 6 + c] = 1000 + 100 * y + 10 * x + c;
    }
    const t = patchify(tf.tensor(rgb, [1, 1, H, H, 3]), tf.tensor(pl, [1, 1, H, H, 6]), p);
    expect(t.shape).toEqual([4, 2 * 2 * 9]);
    const v = t.arraySync();
    // Patch 1 = patch row 0, patch column 1: pixels x in {2, 3}. Value (py, px, c) at (py*2+px)*9+c.
    const at = (patch: number, py: number, px: number, c: number) => v[patch]![(py * p + px) * 9 + c];
    expect(at(1, 0, 0, 0)).toBe(20); // y 0, x 2, r
    expect(at(1, 1, 1, 2)).toBe(100 + 30 + 2); // y 1, x 3, b
    expect(at(2, 0, 1, 3)).toBe(1000 + 200 + 10 + 0); // patch row 1 col 0: y 2, x 1, d_hat_x
    expect(at(3, 1, 0, 8)).toBe(1000 + 300 + 20 + 5); // y 3, x 2, m_z
  });
});

describe('encoder', () => {
  it('Z does not depend on the order of the support views', () => {
    const model = LightFieldModel.create(tinyConfig().model, 11);
    const { rgb, pl } = views(3, 12);
    const perm = [2, 0, 1];
    const permute = (t: tf.Tensor) => tf.concat(perm.map((i) => tf.slice(t, [0, i, 0, 0, 0], [1, 1, -1, -1, -1])), 1);
    const a = model.encode(rgb, pl);
    const b = model.encode(permute(rgb), permute(pl));
    expect(a.shape).toEqual([1, 8, 16]);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);
    // ... while a different view set does change Z.
    const other = views(3, 13);
    expect(maxAbsDiff(a.dataSync(), model.encode(other.rgb, other.pl).dataSync())).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('one set of weights runs for S = 1..5 support views', () => {
    const model = LightFieldModel.create(tinyConfig().model, 14);
    const outs: Float32Array[] = [];
    for (let S = 1; S <= 5; S++) {
      const { rgb, pl } = views(S, 20 + S);
      const z = model.encode(rgb, pl);
      expect(z.shape).toEqual([1, 8, 16]);
      outs.push(z.dataSync() as Float32Array);
      tf.dispose([rgb, pl, z]);
    }
    expect(outs.every((o) => o.every(Number.isFinite))).toBe(true);
    model.dispose();
  });

  it('rejects wrong support shapes naming the argument', () => {
    const model = LightFieldModel.create(tinyConfig().model, 1);
    const { rgb, pl } = views(2, 1);
    expect(() => model.encode(tf.zeros([1, 2, 8, 8, 3]), pl)).toThrow(/supportRgb must be \[B, S, 16, 16, 3\], got \[1, 2, 8, 8, 3\]/);
    expect(() => model.encode(rgb, tf.zeros([1, 2, 16, 16, 3]))).toThrow(/supportPlucker/);
    model.dispose();
  });

  it('dropout is active only in training and is reproducible from its seed', () => {
    const model = LightFieldModel.create(tinyConfig().model, 3);
    const { rgb, pl } = views(2, 4);
    const a = model.encode(rgb, pl).dataSync();
    const b = model.encode(rgb, pl, { training: true, dropoutSeed: 5 }).dataSync();
    const c = model.encode(rgb, pl, { training: true, dropoutSeed: 5 }).dataSync();
    const d = model.encode(rgb, pl, { training: true, dropoutSeed: 6 }).dataSync();
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(b, c)).toBe(0);
    expect(maxAbsDiff(b, d)).toBeGreaterThan(1e-4);
    model.dispose();
  });
});
