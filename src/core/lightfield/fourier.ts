/**
 * Eq. 2, Fourier features of a ray: `gamma_sigma(v) = [cos(pi w_j v_i), sin(pi w_j v_i)]` for
 * `i = 1..din`, `j = 0..n-1`, `w_j = sigma^(j/(n-1))` (log-spaced from 1 to sigma), with
 * `n = floor(dF / (2 din))`; the real width is `F = 2 din n` (method.md section 5).
 *
 * Feature order (matches the PyTorch reference): first all cosines, then all sines; within each
 * half, index `i * n + j` (input coordinate major, frequency minor).
 */
import * as tf from '@tensorflow/tfjs-core';

/** n = floor(dF / (2 din)): frequencies per input coordinate. */
export function fourierFrequencies(fourierWidth: number, din = 6): number {
  return Math.floor(fourierWidth / (2 * din));
}

/** F = 2 din n: the real Fourier feature width (252 for din 6, dF 256; 120 for dF 128). */
export function fourierFeatureWidth(fourierWidth: number, din = 6): number {
  return 2 * din * fourierFrequencies(fourierWidth, din);
}

/** `w_j = sigma^(j/(n-1))`, j = 0..n-1. */
export function fourierOmegas(sigma: number, n: number): Float32Array {
  const w = new Float32Array(n);
  for (let j = 0; j < n; j++) w[j] = n === 1 ? 1 : sigma ** (j / (n - 1));
  return w;
}

/** Plain-array reference of Eq. 2 for one ray `v` (din values): F = 2 din n features. */
export function fourierFeaturesRef(v: ArrayLike<number>, sigma: number, n: number): Float64Array {
  const din = v.length;
  const w = fourierOmegas(sigma, n);
  const out = new Float64Array(2 * din * n);
  for (let i = 0; i < din; i++) {
    for (let j = 0; j < n; j++) {
      const a = Math.PI * w[j]! * v[i]!;
      out[i * n + j] = Math.cos(a);
      out[din * n + i * n + j] = Math.sin(a);
    }
  }
  return out;
}

/** Eq. 2 on a batch: `v [M, din] -> [M, 2 din n]` (order in the module header). */
export function fourierFeatures(v: tf.Tensor2D, sigma: number, n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [M, din] = v.shape;
    const w = fourierOmegas(sigma, n).map((x) => x * Math.PI);
    const x = tf.reshape(tf.mul(tf.reshape(v, [M, din, 1]), tf.tensor1d(w)), [M, din * n]);
    return tf.concat([tf.cos(x), tf.sin(x)], 1) as tf.Tensor2D;
  });
}

const TWO_OVER_PI = 2 / Math.PI;
const PI_OVER_2 = Math.PI / 2;

/**
 * Eq. 2 for many rays at once, in plain TypeScript: `rays [M, din]` (row-major) ->
 * `out [M, 2 din n]` (order in the module header). Why not tf.cos / tf.sin: on wasm they cost
 * ~80 ns per element, which made the Fourier features the largest cost of decoding; this
 * quadrant-reduced polynomial sincos is accurate to ~3e-8 (double arithmetic, float32 output)
 * and ~5x faster. The rays need no gradient, so the features can be plain inputs.
 */
export function fourierFeaturesInto(rays: ArrayLike<number>, M: number, din: number, sigma: number, n: number, out: Float32Array): Float32Array {
  const F = 2 * din * n;
  if (out.length < M * F) throw new Error(`fourierFeaturesInto: out holds ${out.length} values, need ${M * F}`);
  const w = fourierOmegas(sigma, n);
  const pw = new Float64Array(n);
  for (let j = 0; j < n; j++) pw[j] = Math.PI * w[j]!;
  const half = din * n;
  for (let r = 0; r < M; r++) {
    const base = r * F;
    for (let i = 0; i < din; i++) {
      const v = rays[r * din + i]!;
      for (let j = 0; j < n; j++) {
        const x = pw[j]! * v;
        const q = Math.round(x * TWO_OVER_PI);
        const t = x - q * PI_OVER_2;
        const t2 = t * t;
        const sn = t * (1 + t2 * (-1 / 6 + t2 * (1 / 120 + t2 * (-1 / 5040 + t2 * (1 / 362880)))));
        const cs = 1 + t2 * (-0.5 + t2 * (1 / 24 + t2 * (-1 / 720 + t2 * (1 / 40320 + t2 * (-1 / 3628800)))));
        const k = q & 3;
        const o = base + i * n + j;
        out[o] = k === 0 ? cs : k === 1 ? -sn : k === 2 ? -cs : sn;
        out[o + half] = k === 0 ? sn : k === 1 ? cs : k === 2 ? -sn : -cs;
      }
    }
  }
  return out;
}
