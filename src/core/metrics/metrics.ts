/**
 * Image metrics of the evaluation protocol (method.md section 3). Pure functions on row-major
 * `Float32Array` images `[H, W, 3]` in [0, 1]; no tensors, no Node imports.
 *
 * - `psnr`: `-10 log10(MSE)` over all pixels and channels, on the prediction as given
 *   (unclamped, as the IPC code reports it).
 * - `maskedPsnr`: the same over object pixels only (query alpha > 0).
 * - `edgePsnr`: the same over silhouette-edge pixels (`silhouetteEdges`: within one pixel of the
 *   object's outline, both sides), where thin parts such as chair legs are. Not in the paper.
 * - `ssim`: Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5), constants
 *   `C1 = (0.01)^2`, `C2 = (0.03)^2` for data range 1, "valid" windows only (as MATLAB's
 *   reference and `tf.image.ssim`), computed per channel and averaged; the prediction is
 *   clamped to [0, 1] first. Images smaller than 11 pixels use the largest odd window that fits.
 * - `meanStdErr`: mean and standard error (sample std / sqrt(n)) of per-image figures.
 */

/** Mean squared error over all values. */
export function mse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  if (pred.length !== target.length) throw new Error(`mse: length ${pred.length} != ${target.length}`);
  if (pred.length === 0) throw new Error('mse: empty images');
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - target[i]!;
    s += d * d;
  }
  return s / pred.length;
}

/** PSNR for data range 1 from an MSE: `-10 log10(mse)` (Infinity for a perfect match). */
export function psnrFromMse(m: number): number {
  return -10 * Math.log10(m);
}

/** `-10 log10(MSE)` over all pixels and channels; the prediction is not clamped. */
export function psnr(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  return psnrFromMse(mse(pred, target));
}

/**
 * PSNR over the pixels where `alpha > 0` (object pixels), all channels. `alpha` is `[H, W]`,
 * images `[H, W, C]`. Returns NaN when the mask is empty.
 */
export function maskedPsnr(pred: ArrayLike<number>, target: ArrayLike<number>, alpha: ArrayLike<number>, channels = 3): number {
  if (pred.length !== target.length || pred.length !== alpha.length * channels) {
    throw new Error(`maskedPsnr: sizes ${pred.length}, ${target.length} and alpha ${alpha.length} x ${channels} disagree`);
  }
  let s = 0, n = 0;
  for (let p = 0; p < alpha.length; p++) {
    if (!(alpha[p]! > 0)) continue;
    for (let c = 0; c < channels; c++) {
      const d = pred[p * channels + c]! - target[p * channels + c]!;
      s += d * d;
    }
    n += channels;
  }
  return n === 0 ? NaN : psnrFromMse(s / n);
}

/**
 * Silhouette-edge mask `[H, W]` of a foreground mask `[H, W]` (nonzero = object): 1 where a pixel
 * and one of its 8 neighbours lie on different sides of the outline (both sides), else 0. A leg
 * one or two pixels wide is all edge; a seat's interior is not.
 */
export function silhouetteEdges(fg: ArrayLike<number>, width: number, height: number): Uint8Array {
  if (fg.length !== width * height) throw new Error(`silhouetteEdges: mask has ${fg.length} values, expected ${width * height} for ${width}x${height}`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const me = fg[y * width + x]! > 0;
      let edge = 0;
      for (let dy = -1; dy <= 1 && !edge; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && (fg[yy * width + xx]! > 0) !== me) { edge = 1; break; }
        }
      }
      out[y * width + x] = edge;
    }
  }
  return out;
}

/**
 * PSNR over the silhouette-edge pixels of `alpha` (`silhouetteEdges(alpha > 0)`), all channels;
 * NaN when the outline is empty. Images `[H, W, C]`.
 */
export function edgePsnr(pred: ArrayLike<number>, target: ArrayLike<number>, alpha: ArrayLike<number>, width: number, height: number, channels = 3): number {
  return maskedPsnr(pred, target, silhouetteEdges(alpha, width, height), channels);
}

/** Normalised 1D Gaussian of `size` taps (odd) and standard deviation `sigma`. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    s += k[i]!;
  }
  for (let i = 0; i < size; i++) k[i]! /= s;
  return k;
}

/** Separable "valid" filtering of one plane `[H, W]` with a 1D kernel along both axes. */
function filterValid(x: Float64Array, H: number, W: number, k: Float64Array): Float64Array {
  const n = k.length;
  const Wo = W - n + 1, Ho = H - n + 1;
  const tmp = new Float64Array(H * Wo);
  for (let y = 0; y < H; y++) {
    for (let xo = 0; xo < Wo; xo++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += k[t]! * x[y * W + xo + t]!;
      tmp[y * Wo + xo] = s;
    }
  }
  const out = new Float64Array(Ho * Wo);
  for (let yo = 0; yo < Ho; yo++) {
    for (let xo = 0; xo < Wo; xo++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += k[t]! * tmp[(yo + t) * Wo + xo]!;
      out[yo * Wo + xo] = s;
    }
  }
  return out;
}

export interface SsimOptions {
  /** Window size (odd); default 11, shrunk to fit small images. */
  window?: number;
  sigma?: number;
  channels?: number;
}

/**
 * Structural similarity of `pred` (clamped to [0, 1]) against `target`, images `[H, W, C]`,
 * averaged over the valid windows and the channels.
 */
export function ssim(pred: ArrayLike<number>, target: ArrayLike<number>, H: number, W: number, opts: SsimOptions = {}): number {
  const C = opts.channels ?? 3;
  if (pred.length !== H * W * C || target.length !== H * W * C) {
    throw new Error(`ssim: images must hold ${H}x${W}x${C} values, got ${pred.length} and ${target.length}`);
  }
  let win = Math.min(opts.window ?? 11, H, W);
  if (win % 2 === 0) win -= 1;
  const k = gaussianKernel(win, opts.sigma ?? 1.5);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  const x = new Float64Array(H * W), y = new Float64Array(H * W);
  const xx = new Float64Array(H * W), yy = new Float64Array(H * W), xy = new Float64Array(H * W);
  let total = 0;
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < H * W; p++) {
      const a = Math.min(1, Math.max(0, pred[p * C + c]!));
      const b = target[p * C + c]!;
      x[p] = a; y[p] = b; xx[p] = a * a; yy[p] = b * b; xy[p] = a * b;
    }
    const mx = filterValid(x, H, W, k), my = filterValid(y, H, W, k);
    const sxx = filterValid(xx, H, W, k), syy = filterValid(yy, H, W, k), sxy = filterValid(xy, H, W, k);
    let s = 0;
    for (let i = 0; i < mx.length; i++) {
      const ux = mx[i]!, uy = my[i]!;
      const vx = sxx[i]! - ux * ux, vy = syy[i]! - uy * uy, cxy = sxy[i]! - ux * uy;
      s += ((2 * ux * uy + C1) * (2 * cxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
    }
    total += s / mx.length;
  }
  return total / C;
}

export interface MeanStdErr {
  mean: number;
  /** Sample standard deviation / sqrt(n); 0 when n = 1. */
  stderr: number;
  n: number;
}

/** Mean and standard error of finite values (NaNs are skipped, counted out of `n`). */
export function meanStdErr(values: readonly number[]): MeanStdErr {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, stderr: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, stderr: 0, n };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, stderr: Math.sqrt(v / n), n };
}

/** Clamp every value to [0, 1] (saved images and SSIM use clamped predictions). */
export function clamp01(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(1, Math.max(0, x[i]!));
  return out;
}
