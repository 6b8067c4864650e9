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
