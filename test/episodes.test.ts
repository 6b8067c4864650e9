/** The episode sampler (docs/model.md#episodes-and-evaluation): seeded, without replacement, training views < 25. */
import { describe, expect, it } from 'vitest';
import { episodeViewPool, foregroundPixels, sampleEpisode, sampleQueryPixels, TRAIN_VIEWS } from '../src/core/data/episodes.ts';
import { Rng } from '../src/core/util/rng.ts';

describe('sampleEpisode', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const draw = (seed: number) => { const r = new Rng(seed); return Array.from({ length: 20 }, () => sampleEpisode(r, 50, 3, { split: 'train' })); };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    // resumable: a generator restored from a saved state continues the same episodes
    const r = new Rng(3);
    sampleEpisode(r, 50, 3, { split: 'train' });
    const resumed = new Rng(r.state());
    expect(sampleEpisode(resumed, 50, 3, { split: 'test' })).toEqual(sampleEpisode(r, 50, 3, { split: 'test' }));
  });

  it('draws without replacement; training views come from [0, 25) and cover it; testing uses all views', () => {
    const rng = new Rng(1);
    const seenTrain = new Set<number>();
    const seenTest = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const e = sampleEpisode(rng, 50, 5, { split: 'train', queries: 2 });
      expect(e.support).toHaveLength(5);
      expect(e.query).toHaveLength(2);
      const all = [...e.support, ...e.query];
      expect(new Set(all).size).toBe(7);
      for (const v of all) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThan(TRAIN_VIEWS); seenTrain.add(v); }
      const t = sampleEpisode(rng, 50, 3, { split: 'test' });
      expect(t.query).toHaveLength(1);
      expect(new Set([...t.support, ...t.query]).size).toBe(4);
      for (const v of [...t.support, ...t.query]) seenTest.add(v);
    }
    expect(seenTrain.size).toBe(25);
    expect(Math.max(...seenTest)).toBeGreaterThanOrEqual(25);
    expect(Math.max(...seenTest)).toBeLessThan(50);
  });

  it('an object with fewer than 25 views trains on all of them; too few views throw', () => {
    expect(episodeViewPool(50, 'train')).toBe(25);
    expect(episodeViewPool(10, 'train')).toBe(10);
    expect(episodeViewPool(50, 'test')).toBe(50);
    const rng = new Rng(2);
    const e = sampleEpisode(rng, 4, 3, { split: 'train' });
    expect([...e.support, ...e.query].sort()).toEqual([0, 1, 2, 3]);
    expect(() => sampleEpisode(rng, 3, 3, { split: 'train' })).toThrow(/cannot draw 3 support \+ 1 query views from 3/);
    expect(() => sampleEpisode(rng, 50, 0, { split: 'train' })).toThrow(/support/);
  });
});

describe('query pixels', () => {
  /** 4x4 image, white except pixels 5 and 10 (foreground: one channel < 1). */
  function image(): Float32Array {
    const img = new Float32Array(16 * 3).fill(1);
    img[5 * 3 + 2] = 0.99;
    img[10 * 3] = 0;
    return img;
  }

  it('foreground = pixels with any channel < 1', () => {
    expect(Array.from(foregroundPixels(image()))).toEqual([5, 10]);
  });

  it('draws distinct pixels, the foreground share first, deterministically', () => {
    const img = new Float32Array(32 * 32 * 3).fill(1);
    const fg = new Set<number>();
    for (let y = 10; y < 14; y++) for (let x = 8; x < 12; x++) { fg.add(y * 32 + x); img[(y * 32 + x) * 3 + 1] = 0.2; } // 16 foreground pixels
    const a = sampleQueryPixels(new Rng(5), img, 20, { foregroundFraction: 0.5 });
    expect(a).toEqual(sampleQueryPixels(new Rng(5), img, 20, { foregroundFraction: 0.5 }));
    expect(new Set(a).size).toBe(20);
    expect(Array.from(a.subarray(0, 10)).every((p) => fg.has(p))).toBe(true);
    // the other 10 are uniform over the remaining 1014 pixels: almost surely mostly background
    expect(Array.from(a.subarray(10)).filter((p) => fg.has(p)).length).toBeLessThan(4);
    // fraction 1 with a foreground smaller than k: all 16, then the rest from the background
    const b = sampleQueryPixels(new Rng(6), img, 24, { foregroundFraction: 1 });
    expect(new Set(b.subarray(0, 16))).toEqual(fg);
    expect(Array.from(b.subarray(16)).some((p) => fg.has(p))).toBe(false);
    expect(new Set(b).size).toBe(24);
  });

  it('fraction 0 is uniform over the image; k = all pixels is a permutation; k > pixels throws', () => {
    const img = image();
    const counts = new Array(16).fill(0);
    const rng = new Rng(9);
    for (let i = 0; i < 4000; i++) for (const p of sampleQueryPixels(rng, img, 2, { foregroundFraction: 0 })) counts[p]++;
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(120); // 8000 draws / 16 pixels
    const all = sampleQueryPixels(new Rng(1), img, 16, { foregroundFraction: 0.5 });
    expect(Array.from(all).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(() => sampleQueryPixels(new Rng(1), img, 17, { foregroundFraction: 0 })).toThrow(/17 distinct pixels/);
    // a precomputed foreground gives the same draws
    expect(sampleQueryPixels(new Rng(4), img, 6, { foregroundFraction: 0.5, foreground: foregroundPixels(img) }))
      .toEqual(sampleQueryPixels(new Rng(4), img, 6, { foregroundFraction: 0.5 }));
  });
});

describe('episode and pixel arguments', () => {
  it('queries and k must be non-negative integers; zero is allowed', () => {
    expect(sampleEpisode(new Rng(1), 50, 2, { split: 'train', queries: 0 }).query).toEqual([]);
    for (const q of [-1, 1.5]) {
      expect(() => sampleEpisode(new Rng(1), 50, 2, { split: 'train', queries: q })).toThrow(`queries must be a non-negative integer, got ${q}`);
    }
    const img = new Float32Array(4 * 3).fill(1);
    expect(sampleQueryPixels(new Rng(1), img, 0, { foregroundFraction: 0.5 }).length).toBe(0);
    for (const k of [-1, 2.5]) {
      expect(() => sampleQueryPixels(new Rng(1), img, k, { foregroundFraction: 0.5 })).toThrow(`k must be a non-negative integer, got ${k}`);
    }
    for (const f of [-0.1, 1.1, Number.NaN]) {
      expect(() => sampleQueryPixels(new Rng(1), img, 2, { foregroundFraction: f })).toThrow(`foregroundFraction must be in [0, 1], got ${f}`);
    }
    expect(sampleQueryPixels(new Rng(1), img, 2, { foregroundFraction: 0 }).length).toBe(2);
    expect(sampleQueryPixels(new Rng(1), img, 2, { foregroundFraction: 1 }).length).toBe(2);
  });

  it('foreground pixels of a 4-channel image; a fraction that rounds to no foreground draws uniformly', () => {
    // 3 pixels, RGBA: only pixel 1 has a channel below 1
    const rgba = new Float32Array([1, 1, 1, 1, 1, 0.5, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(foregroundPixels(rgba, 4))).toEqual([1]);
    // all k pixels of an image with k pixels: every pixel once, whatever the fraction
    const img = new Float32Array([0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    for (const f of [0, 0.2, 0.5, 1]) {
      expect(Array.from(sampleQueryPixels(new Rng(3), img, 4, { foregroundFraction: f })).sort()).toEqual([0, 1, 2, 3]);
    }
    // k = 3, fraction 0.1 rounds to 0 foreground pixels: the same draw as fraction 0
    const a = sampleQueryPixels(new Rng(4), img, 3, { foregroundFraction: 0.1 });
    const b = sampleQueryPixels(new Rng(4), img, 3, { foregroundFraction: 0 });
    expect(Array.from(a)).toEqual(Array.from(b));
    // fraction 1 with 2 foreground pixels of 4: both foreground pixels first, then one other
    const c = sampleQueryPixels(new Rng(4), img, 3, { foregroundFraction: 1 });
    expect(Array.from(c.slice(0, 2)).sort()).toEqual([0, 3]);
    expect([1, 2]).toContain(c[2]);
  });
});
