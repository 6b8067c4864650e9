/**
 * The episode sampler (method.md section 3): which views of an object are the support views
 * and which the query, and which query pixels (rays) a training step supervises.
 * Pure and seeded: the same `Rng` state gives the same episodes. No Node imports, so shared
 * code (trainer, evaluator, viewer) can use it.
 */
import type { Rng } from '../util/rng.ts';
import { silhouetteEdges } from '../metrics/metrics.ts';

/** Training episodes draw from views [0, TRAIN_VIEWS) (method.md section 2: "views 0..24"). */
export const TRAIN_VIEWS = 25;

/** Support and query view indices within one object. */
export interface Episode {
  support: number[];
  query: number[];
}

export interface EpisodeOptions {
  /** `train` draws from views [0, 25); `test` from all views. */
  split: 'train' | 'test';
  /** Query views per episode (default 1). */
  queries?: number;
}

/**
 * Views an episode may draw from: `min(25, numViews)` for training, all for testing. An object
 * with fewer than 25 views (a user's own capture, a small synthetic set) trains on all of them.
 */
export function episodeViewPool(numViews: number, split: 'train' | 'test'): number {
  return split === 'train' ? Math.min(TRAIN_VIEWS, numViews) : numViews;
}

/**
 * Draws `support` support views and `queries` query views (default 1), all distinct (without
 * replacement), uniformly from the split's view pool. Throws when the pool is too small.
 *
 * @example sampleEpisode(new Rng(0), 50, 3, { split: 'train' })  // { support: [a, b, c], query: [d] }, all < 25
 */
export function sampleEpisode(rng: Rng, numViews: number, support: number, opts: EpisodeOptions): Episode {
  const queries = opts.queries ?? 1;
  if (!(Number.isInteger(support) && support >= 1)) throw new Error(`support must be a positive integer, got ${support}`);
  if (!(Number.isInteger(queries) && queries >= 0)) throw new Error(`queries must be a non-negative integer, got ${queries}`);
  const pool = episodeViewPool(numViews, opts.split);
  if (support + queries > pool) {
    throw new Error(`cannot draw ${support} support + ${queries} query views from ${pool} ${opts.split} views (object has ${numViews})`);
  }
  const idx = rng.sample(pool, support + queries);
  return { support: idx.slice(0, support), query: idx.slice(support) };
}

/** Pixel indices (row-major, `y * W + x`) of the foreground: any channel < 1 in a white-composited `[H, W, 3]` image. */
export function foregroundPixels(image: Float32Array, channels = 3): Uint32Array {
  const n = image.length / channels;
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    for (let c = 0; c < channels; c++) {
      if (image[p + c]! < 1) { out[k++] = i; break; }
    }
  }
  return out.slice(0, k);
}

/**
 * Silhouette-edge mask `[H, W]` of a view from its foreground pixel indices (`foregroundPixels`,
 * which the training cache keeps per view): `silhouetteEdges`, both sides of the outline. A leg
 * one or two pixels wide is all edge.
 *
 * @example edgeMask(foregroundPixels(view.image), 64, 64)  // Uint8Array of 4096
 */
export function edgeMask(foreground: Uint32Array, width: number, height: number): Uint8Array {
  const fg = new Uint8Array(width * height);
  for (const i of foreground) {
    if (i >= fg.length) throw new Error(`edgeMask: foreground pixel ${i} outside a ${width}x${height} image`);
    fg[i] = 1;
  }
  return silhouetteEdges(fg, width, height);
}

/**
 * Per-ray loss weights of one object's query pixels: `1 + edgeWeight` on silhouette-edge pixels
 * (`edgeMask`), 1 elsewhere, rescaled to average 1 over the object's rays so that the loss stays
 * an average per object (and `edgeWeight` 0 is the plain MSE).
 */
export function edgeLossWeights(mask: Uint8Array, pixels: Uint32Array, edgeWeight: number, out = new Float32Array(pixels.length)): Float32Array {
  if (!(edgeWeight >= 0)) throw new Error(`edgeWeight must be >= 0, got ${edgeWeight}`);
  let sum = 0;
  for (let k = 0; k < pixels.length; k++) {
    const w = mask[pixels[k]!] ? 1 + edgeWeight : 1;
    out[k] = w;
    sum += w;
  }
  const scale = pixels.length > 0 ? pixels.length / sum : 1;
  for (let k = 0; k < pixels.length; k++) out[k] = out[k]! * scale;
  return out;
}

export interface QueryPixelOptions {
  /**
   * Share of the K pixels drawn from the foreground (method.md section 3: 0.5 during the first
   * epoch, else 0). If the foreground is smaller, all of it is taken and the rest filled uniformly.
   */
  foregroundFraction: number;
  /** Channels per pixel of `image` (default 3). */
  channels?: number;
  /** Precomputed `foregroundPixels(image)`, to skip the scan. */
  foreground?: Uint32Array;
}

/**
 * `k` distinct pixel indices of a white-composited query image `[H, W, C]`: `round(k *
 * foregroundFraction)` uniformly from the foreground pixels, the rest uniformly from the pixels
 * not yet drawn. Returned in draw order (foreground first).
 *
 * @example sampleQueryPixels(rng, view.image, 512, { foregroundFraction: 0.5 })
 */
export function sampleQueryPixels(rng: Rng, image: Float32Array, k: number, opts: QueryPixelOptions): Uint32Array {
  const channels = opts.channels ?? 3;
  const n = image.length / channels;
  const frac = opts.foregroundFraction;
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`k must be a non-negative integer, got ${k}`);
  if (!(frac >= 0 && frac <= 1)) throw new Error(`foregroundFraction must be in [0, 1], got ${frac}`);
  if (k > n) throw new Error(`cannot draw ${k} distinct pixels from an image of ${n}`);
  const out = new Uint32Array(k);
  const taken = new Uint8Array(n);
  let m = 0;
  const wantFg = Math.round(k * frac);
  if (wantFg > 0) {
    const fg = Uint32Array.from(opts.foreground ?? foregroundPixels(image, channels)); // copy: shuffled in place
    const take = Math.min(wantFg, fg.length);
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(fg.length - i);
      const t = fg[j]!; fg[j] = fg[i]!; fg[i] = t;
      out[m++] = t;
      taken[t] = 1;
    }
  }
  if (m < k) {
    // the rest: uniform over pixels not drawn yet (partial Fisher-Yates over the remainder)
    const rest = new Uint32Array(n - m);
    let r = 0;
    for (let i = 0; i < n; i++) if (!taken[i]) rest[r++] = i;
    for (let i = 0; m < k; i++) {
      const j = i + rng.int(r - i);
      const t = rest[j]!; rest[j] = rest[i]!; rest[i] = t;
      out[m++] = t;
    }
  }
  return out;
}
