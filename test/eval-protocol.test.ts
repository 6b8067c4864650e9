import { describe, expect, it } from 'vitest';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { drawEpisodes, evaluateSynthesizer, formatEvalTable, type EvalStore, type ObjectRecord } from '../src/core/analysis/evaluate.ts';
import { renderCamera, type SupportSet, type ViewSynthesizer } from '../src/core/render/render.ts';
import { cameraAt, orbitPose, pluckerImage, type Camera } from '../src/core/rays/index.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

/** A test double: predicts the support views' mean colour everywhere (= the supportMean baseline). */
function meanColourSynth(size: number): ViewSynthesizer<number[]> & { live: number; rays: number } {
  const s = {
    imageSize: size,
    cameraRays: (cam: Camera, out?: Float32Array) => pluckerImage(cam, 1, out),
    live: 0,
    rays: 0,
    encode(support: SupportSet) {
      const m = [0, 0, 0];
      let n = 0;
      for (const img of support.images) for (let i = 0; i < img.length; i += 3) { m[0] += img[i]!; m[1] += img[i + 1]!; m[2] += img[i + 2]!; n++; }
      s.live++;
      return m.map((x) => x / n);
    },
    renderRays(ctx: number[], rays: Float32Array) {
      s.rays += rays.length / 6;
      const out = new Float32Array((rays.length / 6) * 3);
      for (let i = 0; i < out.length; i++) out[i] = ctx[i % 3]!;
      return out;
    },
    dispose() { s.live--; },
  };
  return s;
}

describe('evaluation protocol', () => {
  it('draws depend only on (seed, S, object) and use all views', () => {
    const a = drawEpisodes(0, 3, 'obj1', 50, 10);
    expect(drawEpisodes(0, 3, 'obj1', 50, 10)).toEqual(a);
    expect(drawEpisodes(1, 3, 'obj1', 50, 10)).not.toEqual(a);
    expect(drawEpisodes(0, 3, 'obj2', 50, 10)).not.toEqual(a);
    for (const e of a) {
      expect(new Set([...e.support, e.query]).size).toBe(4);
    }
    expect(Math.max(...drawEpisodes(0, 5, 'x', 50, 40).flatMap((e) => [...e.support, e.query]))).toBeGreaterThanOrEqual(25);
  });

  it('model, baselines and wrong-object control on the same draws; resumable through a store', async () => {
    const root = await makeTinyLearnit({ objects: { train: 1, val: 0, test: 3 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const synth = meanColourSynth(16);
    const trainMean = new Float32Array(16 * 16 * 3).fill(0.9);
    const saved = new Map<string, ObjectRecord>();
    const store: EvalStore = { get: (s, o) => saved.get(`${s}/${o}`), put: (r) => { saved.set(`${r.support}/${r.object}`, r); } };
    const progress: boolean[] = [];
    const rep = await evaluateSynthesizer(synth, ds, { supportCounts: [2, 1], draws: 3, seed: 4, trainMean, store, onProgress: (_d, _t, _r, cached) => progress.push(cached) });
    expect(synth.live).toBe(0);
    expect(rep.results.map((r) => r.support)).toEqual([1, 2]);
    for (const r of rep.results) {
      expect(r.objects).toBe(3);
      expect(r.images).toBe(9);
      // the double predicts the support mean colour: its scores equal that baseline's exactly
      expect(r.model.psnr.mean).toBeCloseTo(r.baselines.supportMean!.psnr.mean, 5);
      for (const b of ['white', 'supportMean', 'nearestSupport', 'trainMean', 'wrongObject'] as const) {
        expect(Number.isFinite(r.baselines[b]!.psnr.mean)).toBe(true);
        expect(Number.isFinite(r.baselines[b]!.objectPsnr.mean)).toBe(true);
      }
      expect(r.baselines.wrongObject!.psnr.mean).not.toBeCloseTo(r.model.psnr.mean, 3);
      expect(r.model.psnr.stderr).toBeGreaterThan(0);
    }
    expect(progress).toEqual([false, false, false, false, false, false]);
    // every draw: 1 query image for the model and 1 for the control, 16x16 rays each
    expect(synth.rays).toBe(2 * 3 * 3 * 2 * 256);
    const rays = synth.rays;
    const again = await evaluateSynthesizer(synth, ds, { supportCounts: [1, 2], draws: 3, seed: 4, trainMean, store, onProgress: (_d, _t, _r, cached) => progress.push(cached) });
    expect(synth.rays).toBe(rays); // all from the store
    expect(again.results).toEqual(rep.results);
    // a subset of objects sees the same draws for those objects
    const one = await evaluateSynthesizer(synth, ds, { supportCounts: [1], draws: 3, seed: 4, objects: 1, wrongObject: false });
    expect(one.objects).toEqual([rep.objects[0]]);
    expect(one.results[0]!.baselines.wrongObject).toBeUndefined();
    const table = formatEvalTable(rep);
    expect(table).toMatch(/wrong-object control/);
    expect(table).toMatch(/per-pixel training mean/);
  });

  it('renderCamera renders any size through the synthesiser', async () => {
    const synth = meanColourSynth(16);
    const ctx = synth.encode({ images: [new Float32Array(16 * 16 * 3).fill(0.25)], cameras: [] });
    const img = await renderCamera(synth, ctx, cameraAt(orbitPose(0.1, 0.2, 4), 37, 23), { chunk: 100 });
    expect([img.width, img.height]).toEqual([37, 23]);
    expect(img.data.every((v) => v === 0.25)).toBe(true);
  });
});
