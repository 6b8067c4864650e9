import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { edgeLossWeights, edgeMask, foregroundPixels } from '../src/core/data/episodes.ts';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { LightFieldModel, Trainer, batchLoss, batchTensors, resolveConfig } from '../src/core/model/index.ts';
import { sliceBatch } from '../src/node/parallel/split.ts';
import { buildBatch, cachedView, ObjectCache } from '../src/node/training/data.ts';
import { Rng } from '../src/core/util/rng.ts';
import { randomBatch, tinyConfig, useBackend } from './helpers/model-fixtures.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

afterAll(async () => { await useBackend('wasm'); });

/** A white 6x5 image with a dark one-pixel vertical line at x = 2 (a "leg"). */
function lineImage(): Float32Array {
  const W = 6, H = 5;
  const img = new Float32Array(W * H * 3).fill(1);
  for (let y = 0; y < H; y++) img.fill(0.2, (y * W + 2) * 3, (y * W + 3) * 3);
  return img;
}

describe('edgeMask', () => {
  it('marks both sides of the silhouette and nothing away from it', () => {
    const m = edgeMask(foregroundPixels(lineImage()), 6, 5);
    for (let y = 0; y < 5; y++) {
      expect(Array.from(m.subarray(y * 6, y * 6 + 6))).toEqual([0, 1, 1, 1, 0, 0]);
    }
    expect(Array.from(edgeMask(foregroundPixels(new Float32Array(12).fill(1)), 2, 2))).toEqual([0, 0, 0, 0]);
    expect(() => edgeMask(Uint32Array.from([4]), 2, 2)).toThrow(/edgeMask: foreground pixel 4 outside a 2x2 image/);
  });
});

describe('edgeLossWeights', () => {
  it('weighs edge rays 1 + edgeWeight against 1, averaging 1 per object; 0 is uniform', () => {
    const m = edgeMask(foregroundPixels(lineImage()), 6, 5);
    const px = Uint32Array.from([0, 1, 2, 3, 4, 5]); // the first row: edge at 1, 2, 3
    const w = edgeLossWeights(m, px, 3);
    expect(w.reduce((a, b) => a + b, 0) / w.length).toBeCloseTo(1, 6);
    expect(w[1]! / w[0]!).toBeCloseTo(4, 6);
    expect(w[2]).toBeCloseTo(w[3]!, 6);
    expect(w[4]).toBeCloseTo(w[0]!, 6);
    expect(Array.from(edgeLossWeights(m, px, 0))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => edgeLossWeights(m, px, -1)).toThrow(/edgeWeight must be >= 0/);
  });
});

describe('train.edgeWeight', () => {
  it('is validated and defaults to 0 (the paper\'s plain MSE)', () => {
    expect(resolveConfig('cpu').train.edgeWeight).toBe(0);
    expect(resolveConfig('cpu', { 'train.edgeWeight': 4 }).train.edgeWeight).toBe(4);
    expect(() => resolveConfig('cpu', { 'train.edgeWeight': -1 })).toThrow(/train\.edgeWeight/);
  });

  it('buildBatch adds per-ray weights only when edgeWeight > 0, matching the query images\' edges', async () => {
    const root = await makeTinyLearnit({ objects: { train: 2, val: 0, test: 0 }, views: 8, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const cache = new ObjectCache(ds, 16);
    const objs = await Promise.all(ds.ids('train').map((id) => cache.get(id)));
    const K = 64;
    const plain = buildBatch(objs, 2, new Rng(9), { rays: K, originScale: 0.5, foregroundFraction: 0.5 });
    expect(plain.queryWeight).toBeUndefined();
    const b = buildBatch(objs, 2, new Rng(9), { rays: K, originScale: 0.5, foregroundFraction: 0.5, edgeWeight: 4 });
    // same draws: weights change nothing else
    expect(Array.from(b.queryRgb)).toEqual(Array.from(plain.queryRgb));
    expect(b.queryWeight!.length).toBe(2 * K);
    for (let o = 0; o < 2; o++) {
      const w = b.queryWeight!.subarray(o * K, (o + 1) * K);
      expect(w.reduce((a, x) => a + x, 0) / K).toBeCloseTo(1, 5);
      const levels = [...new Set(Array.from(w, (x) => x.toFixed(5)))];
      expect(levels.length).toBe(2); // the tiny objects have edge and non-edge pixels among the draws
      const [lo, hi] = levels.map(Number).sort((a, c) => a - c);
      expect(hi! / lo!).toBeCloseTo(5, 4);
    }
    expect(cachedView(objs[0]!, 0).length).toBe(16 * 16 * 3);
    const s = sliceBatch(b, 1, 1, true);
    expect(Array.from(s.queryWeight!)).toEqual(Array.from(b.queryWeight!.subarray(K)));
  });

  it('batchLoss: unit weights give the plain MSE; weights scale each ray\'s squared error', async () => {
    await useBackend('cpu');
    const cfg = tinyConfig({ 'model.dropout': 0, 'train.batch': 2 });
    const model = LightFieldModel.create(cfg.model, 4);
    const batch = randomBatch(cfg, 17, 2);
    const N = batch.B * batch.K;
    const loss = (b: typeof batch) => {
      const t = batchTensors(b);
      const l = batchLoss(model, t);
      const v = l.dataSync()[0]!;
      tf.dispose([l, ...Object.values(t)]);
      return v;
    };
    // per-ray squared errors from the model's predictions
    const t = batchTensors(batch);
    const perRay = tf.tidy(() => tf.mean(tf.squaredDifference(model.decode(model.encode(t.rgb, t.plucker), t.rays), t.target), -1).dataSync() as Float32Array);
    tf.dispose(Object.values(t));
    const plain = loss(batch);
    expect(loss({ ...batch, queryWeight: new Float32Array(N).fill(1) })).toBeCloseTo(plain, 6);
    const w = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 2.5 : 0.25));
    const want = perRay.reduce((a, e, i) => a + w[i]! * e, 0) / N;
    expect(Math.abs(loss({ ...batch, queryWeight: w }) - want)).toBeLessThan(1e-6);
    expect(Math.abs(want - plain)).toBeGreaterThan(1e-4);
    // and the trainer takes weighted batches
    const tr = new Trainer(model, cfg.train);
    expect(Number.isFinite(tr.step({ ...batch, queryWeight: w }, 0).loss)).toBe(true);
    expect(() => tr.step({ ...batch, queryWeight: new Float32Array(3) }, 1)).toThrow(/batch\.queryWeight: 3 values/);
    tr.dispose();
    model.dispose();
  }, 60_000);
});
