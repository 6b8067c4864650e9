/**
 * The viewer's progressive scheduler (`viewer/src/progressive.ts`) in Node: coarse pass sized
 * from rays/s, refinement to full size once the camera is still, cancellation of the pass in
 * flight, and no work when nothing changed. The ray source is a plain function of the ray
 * (colour = direction), so every shown image can be checked exactly.
 */
import { describe, expect, it } from 'vitest';
import { cameraAt, orbitPose, pluckerImage, type Camera } from '../src/core/rays/index.ts';
import { VIEWER_CONFIG } from '../viewer/src/config.ts';
import { coarseScale, nextScale, ProgressiveRenderer, scaledSize, trainedDomain, type RaySource, type RenderedImage, type ViewRequest } from '../viewer/src/progressive.ts';
import { assertClose } from './helpers/assert-close.ts';

/** rgb = first three Plücker channels (the unit direction). */
const directionSource = (log: number[] = []): RaySource => ({
  async render(rays, n) {
    log.push(n);
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = rays[i * 6 + c]!;
    return out;
  },
});

function view(key: string, azimuth: number, width = 40, height = 30, domain: number | null = null): ViewRequest {
  const c2w = orbitPose(azimuth, 0.3, 4);
  return {
    key, width, height, originScale: 1, domain,
    camera: (w: number, h: number): Camera => {
      const cam = cameraAt(c2w, w, h);
      return { ...cam, fx: cam.fx, fy: (cam.fx * h) / w * (width / height) };
    },
  };
}

function expectedRgb(img: RenderedImage): Float32Array {
  const pl = pluckerImage(img.camera);
  const out = new Float32Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = pl[i * 6 + c]!;
  return out;
}

describe('pass sizes', () => {
  const cfg = { ...VIEWER_CONFIG, targetFrameMs: 100, minSide: 10, minLongSide: 10 };
  it('sizes the coarse pass from rays/s and the frame budget', () => {
    // 40,000 rays/s * 0.1 s = 4,000 rays of a 200 x 100 image -> scale sqrt(4000/20000)
    expect(coarseScale(200, 100, 40_000, cfg)).toBeCloseTo(Math.sqrt(0.2), 12);
    expect(coarseScale(200, 100, 1e9, cfg)).toBe(1);
    expect(coarseScale(200, 100, 10, cfg)).toBeCloseTo(0.1, 12); // floor: short side 10 px
    expect(scaledSize(200, 100, 0.25)).toEqual({ width: 50, height: 25 });
    expect(scaledSize(3, 3, 0.01)).toEqual({ width: 1, height: 1 });
    expect([0.1, 0.2, 0.4, 0.8].map(nextScale)).toEqual([0.2, 0.4, 0.8, 1]);
    expect(nextScale(0.48)).toBe(0.96 >= 0.95 ? 1 : 0.96);
  });

  it('never goes below 64 x 48 with the viewer\'s defaults, however slow the decoder', () => {
    for (const [w, h] of [[256, 195], [256, 128], [195, 256], [256, 256]] as const) {
      const s = scaledSize(w, h, coarseScale(w, h, 1, VIEWER_CONFIG));
      expect(Math.max(s.width, s.height), `${w}x${h}`).toBeGreaterThanOrEqual(64);
      expect(Math.min(s.width, s.height), `${w}x${h}`).toBeGreaterThanOrEqual(48);
    }
    expect(scaledSize(256, 195, coarseScale(256, 195, 1, VIEWER_CONFIG))).toEqual({ width: 64, height: 49 });
  });

  it('budgets decoded rays: when only a fraction of the pixels is decoded the pass is larger', () => {
    const all = coarseScale(256, 192, 40_000, cfg);
    expect(coarseScale(256, 192, 40_000, cfg, 0.25)).toBeCloseTo(Math.min(1, all * 2), 12);
  });
});

describe('trainedDomain', () => {
  it('is the corner rays\' distance from the origin: 4 sin(atan(sqrt(2) tan(0.6911 / 2))) for the learnit cameras', () => {
    const t = Math.SQRT2 * Math.tan(0.6911 / 2);
    const want = 4 * Math.sin(Math.atan(t));
    expect(want).toBeCloseTo(1.815, 3); // docs/model.md#cameras-and-rays: "at most about 1.8 in frame"
    const cams = [0, 1, 2].map((i) => cameraAt(orbitPose(i, 0.1 * i, 4), 64));
    expect(trainedDomain(cams, 1)).toBeCloseTo(want, 9);
    expect(trainedDomain(cams, 0.55)).toBeCloseTo(0.55 * want, 9);
  });
});

describe('ProgressiveRenderer', () => {
  it('decodes only rays inside the domain; the rest get the background colour', async () => {
    const log: number[] = [];
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(directionSource(log), (img) => shown.push(img), { idleMs: 1, chunkRays: 97, background: 1 });
    // a camera far out (radius 4 orbit at 40x30 but domain 0.5): only rays near the centre are inside
    r.update(view('d', 0.7, 40, 30, 0.5));
    await r.whenIdle();
    const img = shown.at(-1)!;
    expect(img.final).toBe(true);
    const pl = pluckerImage(img.camera);
    const want = expectedRgb(img);
    let inside = 0;
    for (let i = 0; i < 40 * 30; i++) {
      const m = Math.hypot(pl[i * 6 + 3]!, pl[i * 6 + 4]!, pl[i * 6 + 5]!);
      if (m <= 0.5) inside++;
      for (let c = 0; c < 3; c++) expect(img.rgb[i * 3 + c]).toBe(m <= 0.5 ? want[i * 3 + c] : 1);
    }
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(40 * 30);
    const finalRays = log.slice(-Math.ceil(inside / 97)).reduce((a, b) => a + b, 0);
    expect(finalRays).toBe(inside); // the full pass asked the decoder about the inside rays only
  });

  it('coarse passes decode only rays within coarseDomain, the full pass every ray within domain', async () => {
    const log: number[] = [];
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(directionSource(log), (img) => shown.push(img),
      { idleMs: 1, chunkRays: 100_000, initialRaysPerSecond: 2000, targetFrameMs: 100, minSide: 6, minLongSide: 8 });
    r.update({ ...view('c', 0.7, 40, 30, 0.9), coarseDomain: 0.4 });
    await r.whenIdle();
    expect(shown.length).toBeGreaterThan(1);
    shown.forEach((img, k) => {
      const limit = img.final ? 0.9 : 0.4;
      const pl = pluckerImage(img.camera);
      const want = expectedRgb(img);
      let inside = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const inDomain = Math.hypot(pl[i * 6 + 3]!, pl[i * 6 + 4]!, pl[i * 6 + 5]!) <= limit;
        if (inDomain) inside++;
        for (let c = 0; c < 3; c++) expect(img.rgb[i * 3 + c]).toBe(inDomain ? want[i * 3 + c] : 1);
      }
      expect(log[k], `${img.width}x${img.height}`).toBe(inside); // one job per pass: only those rays
    });
    expect(shown.at(-1)!.final).toBe(true);
  });

  it('refines to the full size once still, each image exactly the source on src/rays rays', async () => {
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(directionSource(), (img) => shown.push(img), { idleMs: 5, chunkRays: 100, initialRaysPerSecond: 2000, targetFrameMs: 100, minSide: 6, minLongSide: 8 });
    r.update(view('a', 0.4));
    await r.whenIdle();
    expect(shown.length).toBeGreaterThan(1);
    expect(shown[0]!.width).toBeLessThan(40);
    for (let i = 1; i < shown.length; i++) expect(shown[i]!.width).toBeGreaterThan(shown[i - 1]!.width);
    const last = shown.at(-1)!;
    expect([last.width, last.height, last.final]).toEqual([40, 30, true]);
    expect(shown.slice(0, -1).every((s) => !s.final)).toBe(true);
    for (const img of shown) assertClose(img.rgb, expectedRgb(img), 0, 0, `${img.width}x${img.height}`);
    expect(r.stats().shown).toEqual({ key: 'a', width: 40, height: 30, final: true });
  });

  it('recomputes nothing when nothing changed', async () => {
    const log: number[] = [];
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(directionSource(log), (img) => shown.push(img), { idleMs: 1 });
    r.update(view('a', 0.4));
    await r.whenIdle();
    const rays = r.stats().raysRendered;
    const passes = shown.length;
    r.update(view('a', 0.4)); // same key
    await r.whenIdle();
    expect(r.stats().raysRendered).toBe(rays);
    expect(shown.length).toBe(passes);
    expect(log.reduce((a, b) => a + b, 0)).toBe(rays);
    r.update(view('b', 0.9));
    await r.whenIdle();
    expect(r.stats().raysRendered).toBeGreaterThan(rays);
    expect(shown.at(-1)!.key).toBe('b');
  });

  /** A source whose first job waits for `release()`. */
  function gatedSource(): { source: RaySource; release: () => void; calls: () => number } {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let calls = 0;
    const inner = directionSource();
    return {
      source: {
        async render(rays, n) {
          calls++;
          if (calls === 1) await gate; // hold the first job of the first view
          return inner.render(rays, n);
        },
      },
      release: () => release(),
      calls: () => calls,
    };
  }

  it('a change of scene cancels the pass in flight; its result is never shown', async () => {
    const g = gatedSource();
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(g.source, (img) => shown.push(img), { idleMs: 1, chunkRays: 50 });
    r.update({ ...view('a', 0.4), scene: 'latents-1' });
    await new Promise((res) => setTimeout(res, 10));
    r.update({ ...view('b', 1.5), scene: 'latents-2' });
    g.release();
    await r.whenIdle();
    expect(shown.some((s) => s.key === 'a')).toBe(false);
    expect(r.stats().cancelled).toBeGreaterThanOrEqual(1);
    expect(shown.at(-1)!).toMatchObject({ key: 'b', final: true });
  });

  it('a pose change lets the coarse pass in flight finish (frames keep coming while dragging), then renders the newest pose', async () => {
    const g = gatedSource();
    const shown: RenderedImage[] = [];
    const cfg = { idleMs: 1, chunkRays: 50, initialRaysPerSecond: 1000, targetFrameMs: 100, minSide: 6, minLongSide: 8 };
    const r = new ProgressiveRenderer(g.source, (img) => shown.push(img), cfg);
    r.update({ ...view('a', 0.4), scene: 's' });
    await new Promise((res) => setTimeout(res, 10));
    // three moves while the first coarse pass waits: it still completes and is shown
    for (const [k, az] of [['b', 0.6], ['c', 0.8], ['d', 1.0]] as const) r.update({ ...view(k, az), scene: 's' });
    g.release();
    await r.whenIdle();
    expect(shown[0]!.key).toBe('a');
    expect(shown[0]!.final).toBe(false);
    assertClose(shown[0]!.rgb, expectedRgb(shown[0]!), 0);
    // the intermediate poses b, c were never rendered; the newest one was, up to full size
    expect(shown.map((s) => s.key).filter((k) => k === 'b' || k === 'c')).toEqual([]);
    expect(shown.at(-1)!).toMatchObject({ key: 'd', final: true });
    expect(r.stats().cancelled).toBe(0);
  });

  it('a pose change cancels a refinement pass in flight', async () => {
    let hold: (() => void) | null = null;
    let holdNext = false;
    const inner = directionSource();
    const source: RaySource = {
      async render(rays, n) {
        if (holdNext) {
          holdNext = false;
          await new Promise<void>((r) => { hold = r; });
        }
        return inner.render(rays, n);
      },
    };
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(source, (img) => {
      shown.push(img);
      if (img.key === 'a' && !img.final) holdNext = true; // hold the first job of the refinement
    }, { idleMs: 1, chunkRays: 50, initialRaysPerSecond: 1000, targetFrameMs: 100, minSide: 6, minLongSide: 8 });
    r.update({ ...view('a', 0.4), scene: 's' });
    while (!hold) await new Promise((res) => setTimeout(res, 2));
    r.update({ ...view('b', 1.2), scene: 's' });
    (hold as () => void)();
    await r.whenIdle();
    expect(shown.filter((s) => s.key === 'a')).toHaveLength(1); // the coarse pass only
    expect(r.stats().cancelled).toBe(1);
    expect(shown.at(-1)!).toMatchObject({ key: 'b', final: true });
  });

  it('stays coarse while changes keep arriving, refines when they stop', async () => {
    let t = 0;
    const shown: RenderedImage[] = [];
    const r = new ProgressiveRenderer(directionSource(), (img) => shown.push(img),
      { idleMs: 1000, initialRaysPerSecond: 3000, targetFrameMs: 100, chunkRays: 64, minSide: 6, minLongSide: 8 }, () => t);
    r.update(view('a', 0.1));
    await new Promise((res) => setTimeout(res, 50)); // fake clock frozen: the camera is "moving"
    expect(shown.length).toBe(1);
    expect(shown[0]!.final).toBe(false);
    for (let i = 0; i < 3; i++) {
      r.update(view(`m${i}`, 0.2 + 0.1 * i)); // each move: one coarse pass, no refinement
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(shown.every((s) => !s.final)).toBe(true);
    t += 1000; // now the camera has been still for idleMs
    r.update(view('final', 1)); // a last move...
    t += 1000; // ...then stillness
    await r.whenIdle();
    expect(shown.at(-1)!).toMatchObject({ key: 'final', final: true, width: 40, height: 30 });
  });
});
