/**
 * Locality analysis (method.md section 7, the paper's Figure 5): replace one latent token of Z
 * with zeros, render a query view, and look at where the image changes. LA-GINR's tokens should
 * each change a region; IPC's tokens change everything.
 *
 * Pure pieces (no tensors): the per-pixel difference map, its rescale to max 1, the
 * concentration figure (share of the total difference in the top 10% of pixels) and a small
 * colormap LUT. `tokenEffects` runs a model. No Node imports.
 *
 * Shapes: images `[H, W, 3]` row-major, maps `[H, W]`, Z `[1, R, d]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LightFieldModel } from '../model/model.ts';
import type { Camera } from '../rays/index.ts';
import type { RgbImage } from '../render/image-ops.ts';
import type { SupportSet } from '../render/render.ts';
import { Rng } from '../util/rng.ts';
import { cameraRays, encodeSupport } from '../model/support.ts';

/**
 * Per-pixel `|a - b|` averaged over the channels: `[H, W, C]` x 2 -> `[H, W]`.
 *
 * @example absDiffMap(new Float32Array([1, 1, 1]), new Float32Array([0, 0.5, 1])) // [0.5]
 */
export function absDiffMap(a: ArrayLike<number>, b: ArrayLike<number>, channels = 3): Float32Array {
  if (a.length !== b.length || a.length % channels !== 0) throw new Error(`absDiffMap: lengths ${a.length} and ${b.length} (channels ${channels}) disagree`);
  const n = a.length / channels;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += Math.abs(a[p * channels + c]! - b[p * channels + c]!);
    out[p] = s / channels;
  }
  return out;
}

/** The map divided by its maximum (so the largest value is 1); an all-zero map stays zero. */
export function rescaleToMax(map: ArrayLike<number>): Float32Array {
  let max = 0;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  const out = new Float32Array(map.length);
  if (max > 0) for (let i = 0; i < map.length; i++) out[i] = map[i]! / max;
  return out;
}

/**
 * Concentration of a non-negative map: the share of its total that falls in its top `fraction`
 * of pixels (the `ceil(fraction * n)` largest values). 1 when one pixel holds everything,
 * `fraction` (about) for a uniform map; NaN for an all-zero map (nothing changed: no locality
 * to measure).
 *
 * @example concentration([4, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.1) // 0.8
 */
export function concentration(map: ArrayLike<number>, fraction = 0.1): number {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`concentration: fraction must be in (0, 1], got ${fraction}`);
  const n = map.length;
  if (n === 0) throw new Error('concentration: empty map');
  const sorted = Float64Array.from(map as ArrayLike<number>).sort();
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(sorted[i]! >= 0)) throw new Error(`concentration: map values must be non-negative, got ${sorted[i]}`);
    total += sorted[i]!;
  }
  if (total === 0) return NaN;
  const k = Math.max(1, Math.ceil(fraction * n - 1e-9));
  let top = 0;
  for (let i = n - k; i < n; i++) top += sorted[i]!;
  return top / total;
}

/** Mean of the finite values (NaN when there are none). */
export function finiteMean(xs: readonly number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/** 17 stops of matplotlib's magma (0 = black, 1 = pale yellow), 8-bit RGB. */
const MAGMA_LUT: readonly (readonly [number, number, number])[] = [
  [0, 0, 4], [10, 8, 34], [29, 17, 71], [54, 16, 107], [81, 18, 124], [106, 28, 129], [131, 38, 129], [156, 46, 127],
  [183, 55, 121], [208, 65, 111], [231, 82, 99], [245, 107, 92], [252, 137, 97], [254, 167, 114], [254, 196, 136],
  [253, 226, 163], [252, 253, 191],
];

/** 17 stops of matplotlib's viridis (0 = purple, 1 = yellow), 8-bit RGB. */
const VIRIDIS_LUT: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [72, 24, 106], [71, 45, 123], [66, 64, 134], [59, 82, 139], [51, 99, 141], [44, 114, 142], [38, 130, 142],
  [33, 145, 140], [31, 160, 136], [40, 174, 128], [63, 188, 115], [94, 201, 98], [132, 212, 75], [173, 220, 48],
  [216, 226, 25], [253, 231, 37],
];

export type ColormapName = 'magma' | 'viridis';

/**
 * Maps values in [0, 1] (clamped) to RGB in [0, 1] by linear interpolation between the LUT's
 * evenly spaced stops: `[N] -> [N, 3]`.
 *
 * @example colormap([0, 1], 'magma') // [0, 0, 4/255, 252/255, 253/255, 191/255]
 */
export function colormap(values: ArrayLike<number>, name: ColormapName = 'magma'): Float32Array {
  const lut = name === 'magma' ? MAGMA_LUT : VIRIDIS_LUT;
  const segs = lut.length - 1;
  const out = new Float32Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]!) ? Math.min(1, Math.max(0, values[i]!)) : 0;
    const x = v * segs;
    const j = Math.min(segs - 1, Math.floor(x));
    const t = x - j;
    const a = lut[j]!, b = lut[j + 1]!;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = (a[c]! * (1 - t) + b[c]! * t) / 255;
  }
  return out;
}

/**
 * `count` distinct token indices out of `R`, chosen by a seeded shuffle and returned sorted, so
 * the same tokens are shown for every object (the paper's Figure 12). All of them when
 * `count >= R`.
 */
export function chooseTokens(R: number, count: number, seed = 0): number[] {
  if (!(Number.isInteger(R) && R > 0)) throw new Error(`chooseTokens: R must be a positive integer, got ${R}`);
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`chooseTokens: count must be a positive integer, got ${count}`);
  const idx = Array.from({ length: R }, (_, i) => i);
  if (count >= R) return idx;
  const rng = new Rng(seed);
  for (let i = R - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, count).sort((a, b) => a - b);
}

/** What zeroing each token does to one query render. */
export interface TokenEffects {
  /** The unmodified render `[H, W, 3]` (unclamped). */
  base: RgbImage;
  /** Token indices, in the order of `maps`. */
  tokens: number[];
  /** Per token: `|render(Z with the token zeroed) - base|`, mean over channels, `[H, W]` (not rescaled). */
  maps: Float32Array[];
  /** Per token: `concentration(map, 0.1)`. */
  concentration: number[];
}

/**
 * Encodes the support views, renders `camera`, then for each token zeroes its row of Z, renders
 * again and records the difference map (module header). Works for every variant: for `no-sta`
 * and `ipc` the tokens are IPC's U = Z. Leaves no tensors behind.
 */
export function tokenEffects(model: LightFieldModel, support: SupportSet, camera: Camera, tokens: readonly number[], opts: { fraction?: number; chunk?: number } = {}): TokenEffects {
  const { latentTokens: R, decoderWidth: d } = model.config;
  for (const t of tokens) if (!(Number.isInteger(t) && t >= 0 && t < R)) throw new Error(`tokenEffects: token ${t} is not in 0..${R - 1}`);
  const rays = cameraRays(model.config, camera);
  const Z = encodeSupport(model, support).Z;
  let z0: Float32Array;
  try {
    z0 = Z.dataSync() as Float32Array;
  } finally {
    Z.dispose();
  }
  const render = (z: Float32Array): Float32Array => {
    const zt = tf.tensor3d(z, [1, R, d]);
    const ctx = model.prepare(zt);
    zt.dispose();
    try {
      return model.renderRays(ctx, rays, opts.chunk);
    } finally {
      ctx.dispose();
    }
  };
  const base = render(z0);
  const maps: Float32Array[] = [];
  const conc: number[] = [];
  for (const t of tokens) {
    const z = Float32Array.from(z0);
    z.fill(0, t * d, (t + 1) * d);
    const map = absDiffMap(render(z), base);
    maps.push(map);
    conc.push(concentration(map, opts.fraction ?? 0.1));
  }
  return { base: { data: base, width: camera.width, height: camera.height }, tokens: [...tokens], maps, concentration: conc };
}
