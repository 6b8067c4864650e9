import { describe, expect, it } from 'vitest';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { batchForStep, buildBatch, cachedView, ObjectCache, planStep } from '../src/node/training/data.ts';
import { pluckerAtPixels, pluckerImage } from '../src/core/rays/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { assertClose } from './helpers/assert-close.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

describe('planStep', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  it('is a pure function of (seed, step) and covers every object once per epoch', () => {
    const p = planStep(3, 7, ids, 4, [1, 2, 3]);
    const q = planStep(3, 7, ids, 4, [1, 2, 3]);
    expect(q.ids).toEqual(p.ids);
    expect(q.S).toBe(p.S);
    expect(q.rng.state()).toEqual(p.rng.state());
    // 5 objects, batch 5: each step is one epoch, a permutation
    for (let s = 0; s < 4; s++) expect([...planStep(0, s, ids, 5, [3]).ids].sort()).toEqual(ids);
    // batch 2: positions 0..9 = epochs 0 and 1, each a permutation
    const flat = Array.from({ length: 5 }, (_, s) => planStep(0, s, ids, 2, [3]).ids).flat();
    expect([...flat.slice(0, 5)].sort()).toEqual(ids);
    expect([...flat.slice(5)].sort()).toEqual(ids);
    expect(planStep(0, 2, ids, 2, [3]).epoch).toBe(0);
    expect(planStep(0, 3, ids, 2, [3]).epoch).toBe(1);
    const counts = new Set(Array.from({ length: 60 }, (_, s) => planStep(1, s, ids, 2, [1, 2, 3, 4, 5]).S));
    expect([...counts].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('buildBatch', () => {
  it('support images and Plücker images, query rays and colours at the drawn pixels', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 0, test: 0 }, views: 8, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const cache = new ObjectCache(ds, 16);
    const objs = await Promise.all(ds.ids('train').map((id) => cache.get(id)));
    expect(cache.count).toBe(3);
    const K = 20, S = 2;
    const batch = buildBatch(objs, S, new Rng(5), { rays: K, originScale: 0.5, foregroundFraction: 0.5 });
    expect([batch.B, batch.S, batch.H, batch.W, batch.K]).toEqual([3, 2, 16, 16, 20]);
    expect(batch.supportRgb.length).toBe(3 * 2 * 256 * 3);
    expect(batch.supportPlucker.length).toBe(3 * 2 * 256 * 6);
    // replay the same draws to know which views and pixels were taken
    const { sampleEpisode, sampleQueryPixels } = await import('../src/core/data/episodes.ts');
    const rng = new Rng(5);
    objs.forEach((o, b) => {
      const ep = sampleEpisode(rng, 8, S, { split: 'train' });
      ep.support.forEach((v, s) => {
        const slot = b * S + s;
        assertClose(batch.supportRgb.subarray(slot * 768, (slot + 1) * 768), cachedView(o, v), 0);
        assertClose(batch.supportPlucker.subarray(slot * 1536, (slot + 1) * 1536), pluckerImage(o.cameras[v]!, 0.5), 0);
      });
      const q = ep.query[0]!;
      const img = cachedView(o, q);
      const px = sampleQueryPixels(rng, img, K, { foregroundFraction: 0.5, foreground: o.foreground[q] });
      // half of the rays from the foreground (any channel < 1)
      const fg = new Set(o.foreground[q]);
      expect(Array.from(px.slice(0, 10)).every((p) => fg.has(p))).toBe(true);
      assertClose(batch.queryRays.subarray(b * K * 6, (b + 1) * K * 6), pluckerAtPixels(o.cameras[q]!, px, 0.5), 0);
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < 3; c++) expect(batch.queryRgb[(b * K + k) * 3 + c]).toBe(img[px[k]! * 3 + c]);
      }
    });
    // errors name the object
    await expect(new ObjectCache(ds, 32).get(ds.ids('train')[0]!)).rejects.toThrow(/16x16, the model takes 32x32/);
    expect(() => buildBatch(objs, 8, new Rng(0), { rays: 4, originScale: 1, foregroundFraction: 0 })).toThrow(/8 support views \+ 1 query need 9 training views, it has 8/);
    // batchForStep: the plan's objects, and no foreground preference after the first epoch
    const plan = planStep(0, 0, ds.ids('train'), 2, [1]);
    const b2 = await batchForStep(cache, plan, { rays: 8, originScale: 1, foregroundFraction: 0.5 });
    expect(b2.B).toBe(2);
    expect(b2.S).toBe(1);
    // train.foregroundEpochs: epoch 1 (step 2 of batch 2 over 3 objects) draws foreground rays
    // only when the setting covers it (default 1 = method.md: first epoch only; null = always)
    const ids = ds.ids('train');
    expect(planStep(0, 2, ids, 2, [1]).epoch).toBe(1);
    const reference = async (fg: number) => {
      const p = planStep(0, 2, ids, 2, [1]);
      return buildBatch(await Promise.all(p.ids.map((id) => cache.get(id))), 1, p.rng, { rays: 8, originScale: 1, foregroundFraction: fg });
    };
    const [withFg, withoutFg] = [await reference(0.5), await reference(0)];
    expect(Array.from(withFg.queryRgb)).not.toEqual(Array.from(withoutFg.queryRgb));
    const at = async (foregroundEpochs: number | null | undefined) =>
      Array.from((await batchForStep(cache, planStep(0, 2, ids, 2, [1]), { rays: 8, originScale: 1, foregroundFraction: 0.5, foregroundEpochs })).queryRgb);
    expect(await at(undefined)).toEqual(Array.from(withoutFg.queryRgb));
    expect(await at(1)).toEqual(Array.from(withoutFg.queryRgb));
    expect(await at(2)).toEqual(Array.from(withFg.queryRgb));
    expect(await at(null)).toEqual(Array.from(withFg.queryRgb));
  });
});
