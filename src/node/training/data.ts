/**
 * Training data pipeline: dataset -> in-memory object cache -> episodes -> `Batch`
 * (style.md item 6: dataset -> episode sampler -> model).
 *
 * - `ObjectCache` decodes each training object once and keeps its training views
 *   (`[0, 25)`, method.md section 2) as 8-bit RGB (a quarter of the float size: the `cpu`
 *   preset's 400 objects x 25 views of 64x64 take 123 MB) with each view's foreground pixels.
 *   Loading is asynchronous (sharp decodes on libuv's threads), so prefetching the next step's
 *   objects overlaps decoding with the current step's compute.
 * - `planStep` is a pure function of (seed, step): the support count, the objects (epochs are
 *   seeded shuffles of the training ids) and the episode RNG. A resumed run therefore draws
 *   exactly the batches an uninterrupted run draws, with nothing but the step to store.
 * - `buildBatch` draws, per object, S support + 1 query view and K query pixels (half from the
 *   foreground during the first epoch, method.md section 3), and embeds cameras as Plücker rays
 *   (origins scaled by `originScale`).
 *
 * Batch layout (plain Float32Arrays, row-major): `supportRgb [B, S, H, W, 3]`,
 * `supportPlucker [B, S, H, W, 6]`, `queryRays [B, K, 6]`, `queryRgb [B, K, 3]`, and
 * `queryWeight [B, K]` with `edgeWeight` > 0.
 */
import { edgeLossWeights, edgeMask, episodeViewPool, foregroundPixels, sampleEpisode, sampleQueryPixels } from '../../core/data/episodes.ts';
import type { Dataset } from '../../core/data/types.ts';
import { hashSeed } from '../../core/analysis/evaluate.ts';
import type { Camera } from '../../core/rays/index.ts';
import { cameraRays, cameraRaysAtPixels } from '../../core/model/support.ts';
import { Rng } from '../../core/util/rng.ts';
import type { Batch } from '../../core/model/trainer.ts';

/** One training batch, as the trainer takes it (`queryWeight [B, K]` when `edgeWeight` > 0). */
export type { Batch };

/** A decoded training object: 8-bit views, cameras and foreground pixels. */
export interface CachedObject {
  id: string;
  width: number;
  height: number;
  /** `[V, H, W, 3]` 8-bit RGB of the training views (composited on white). */
  rgb8: Uint8Array;
  cameras: Camera[];
  /** Per view: flat indices of pixels with any channel < 1. */
  foreground: Uint32Array[];
}

const INV255 = 1 / 255;

/** Float view `v` of a cached object, `[H, W, 3]` in [0, 1]. */
export function cachedView(obj: CachedObject, v: number, out?: Float32Array): Float32Array {
  const n = obj.width * obj.height * 3;
  const res = out ?? new Float32Array(n);
  const src = obj.rgb8.subarray(v * n, (v + 1) * n);
  for (let i = 0; i < n; i++) res[i] = src[i]! * INV255;
  return res;
}

/** Decodes training objects once and keeps them in memory. */
export class ObjectCache {
  private readonly objects = new Map<string, Promise<CachedObject>>();

  /** `size`: the square size every view must have (the model's input); `maxViews`: views kept. */
  constructor(private readonly dataset: Dataset, readonly size: number, readonly maxViews = 25) {}

  get count(): number {
    return this.objects.size;
  }

  /** The object, decoding it on first use. Errors name the object. */
  get(id: string): Promise<CachedObject> {
    let p = this.objects.get(id);
    if (!p) {
      p = this.load(id);
      this.objects.set(id, p);
      p.catch(() => this.objects.delete(id));
    }
    return p;
  }

  /** Starts decoding objects without waiting (errors surface at `get`). */
  prefetch(ids: readonly string[]): void {
    for (const id of ids) this.get(id).catch(() => {});
  }

  private async load(id: string): Promise<CachedObject> {
    const obj = await this.dataset.loadObject(id);
    if (obj.width !== this.size || obj.height !== this.size) {
      throw new Error(`object ${id}: views are ${obj.width}x${obj.height}, the model takes ${this.size}x${this.size}`);
    }
    const V = episodeViewPool(obj.views.length, 'train');
    const n = obj.width * obj.height * 3;
    const rgb8 = new Uint8Array(V * n);
    const foreground: Uint32Array[] = [];
    for (let v = 0; v < V; v++) {
      const img = obj.views[v]!.image;
      for (let i = 0; i < n; i++) rgb8[v * n + i] = Math.round(Math.min(1, Math.max(0, img[i]!)) * 255);
      foreground.push(foregroundPixels(img));
    }
    return { id, width: obj.width, height: obj.height, rgb8, cameras: obj.views.slice(0, V).map((w) => w.camera), foreground };
  }
}

/** What one training step draws: support count, objects, and the RNG for its episodes. */
export interface StepPlan {
  step: number;
  S: number;
  ids: string[];
  /** Epoch of the step's first object (0 = the first pass over the training objects). */
  epoch: number;
  rng: Rng;
}

/**
 * The plan of step `step` (0-based), a pure function of its arguments. Objects are taken in
 * order from per-epoch seeded shuffles of `ids`; the support count is drawn uniformly from
 * `support`.
 */
export function planStep(seed: number, step: number, ids: readonly string[], batch: number, support: readonly number[]): StepPlan {
  if (ids.length === 0) throw new Error('no training objects');
  const rng = new Rng(hashSeed(`${seed}:step:${step}`));
  const S = support[rng.int(support.length)]!;
  const perms = new Map<number, string[]>();
  const perm = (e: number) => {
    let p = perms.get(e);
    if (!p) {
      p = new Rng(hashSeed(`${seed}:epoch:${e}`)).shuffle([...ids]);
      perms.set(e, p);
    }
    return p;
  };
  const out: string[] = [];
  for (let b = 0; b < batch; b++) {
    const pos = step * batch + b;
    const e = Math.floor(pos / ids.length);
    out.push(perm(e)[pos % ids.length]!);
  }
  return { step, S, ids: out, epoch: Math.floor((step * batch) / ids.length), rng };
}

export interface BatchOptions {
  /** K: query rays per object. */
  rays: number;
  originScale: number;
  /** Share of query rays from foreground pixels (method.md section 3: 0.5 in the first epoch). */
  foregroundFraction: number;
  /**
   * Extra loss weight on silhouette-edge rays (`edgeLossWeights`; `train.edgeWeight`, not in the
   * paper). 0 or absent: plain MSE, no `queryWeight` in the batch.
   */
  edgeWeight?: number;
}

/** Draws episodes for `objects` with `rng` and assembles the batch (see the module header). */
export function buildBatch(objects: readonly CachedObject[], S: number, rng: Rng, opts: BatchOptions): Batch {
  const B = objects.length;
  if (B === 0) throw new Error('buildBatch: no objects');
  const { width: W, height: H } = objects[0]!;
  const K = opts.rays;
  const P = H * W;
  const supportRgb = new Float32Array(B * S * P * 3);
  const supportPlucker = new Float32Array(B * S * P * 6);
  const queryRays = new Float32Array(B * K * 6);
  const queryRgb = new Float32Array(B * K * 3);
  const qimg = new Float32Array(P * 3);
  const edgeWeight = opts.edgeWeight ?? 0;
  const queryWeight = edgeWeight > 0 ? new Float32Array(B * K) : undefined;
  objects.forEach((obj, b) => {
    if (obj.width !== W || obj.height !== H) throw new Error(`buildBatch: object ${obj.id} is ${obj.width}x${obj.height}, not ${W}x${H}`);
    const V = obj.cameras.length;
    if (S + 1 > V) throw new Error(`object ${obj.id}: ${S} support views + 1 query need ${S + 1} training views, it has ${V}`);
    const ep = sampleEpisode(rng, V, S, { split: 'train' });
    ep.support.forEach((v, s) => {
      const slot = b * S + s;
      cachedView(obj, v, supportRgb.subarray(slot * P * 3, (slot + 1) * P * 3));
      cameraRays(opts, obj.cameras[v]!, supportPlucker.subarray(slot * P * 6, (slot + 1) * P * 6));
    });
    const q = ep.query[0]!;
    cachedView(obj, q, qimg);
    const pixels = sampleQueryPixels(rng, qimg, K, { foregroundFraction: opts.foregroundFraction, foreground: obj.foreground[q] });
    cameraRaysAtPixels(opts, obj.cameras[q]!, pixels, queryRays.subarray(b * K * 6, (b + 1) * K * 6));
    if (queryWeight) edgeLossWeights(edgeMask(obj.foreground[q]!, W, H), pixels, edgeWeight, queryWeight.subarray(b * K, (b + 1) * K));
    for (let k = 0; k < K; k++) {
      const p = pixels[k]!;
      queryRgb[(b * K + k) * 3] = qimg[p * 3]!;
      queryRgb[(b * K + k) * 3 + 1] = qimg[p * 3 + 1]!;
      queryRgb[(b * K + k) * 3 + 2] = qimg[p * 3 + 2]!;
    }
  });
  return { B, S, H, W, K, supportRgb, supportPlucker, queryRays, queryRgb, ...(queryWeight ? { queryWeight } : {}) };
}

/** Loads the objects of a plan (from the cache) and builds its batch. */
export async function batchForStep(
  cache: ObjectCache, plan: StepPlan, opts: Omit<BatchOptions, 'foregroundFraction'> & { foregroundFraction: number; foregroundEpochs?: number | null },
): Promise<Batch> {
  const objs = await Promise.all(plan.ids.map((id) => cache.get(id)));
  const epochs = opts.foregroundEpochs === undefined ? 1 : opts.foregroundEpochs;
  const fg = epochs === null || plan.epoch < epochs ? opts.foregroundFraction : 0;
  return buildBatch(objs, plan.S, plan.rng, { ...opts, foregroundFraction: fg });
}
