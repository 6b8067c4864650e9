/**
 * The one matrix product every layer uses: 2D `x [M, K] @ w [K, N] -> [M, N]` with a custom
 * gradient `dx = dy @ transpose(w)`, `dw = transpose(x) @ dy`, where the transposes are explicit
 * ops. Why: on tfjs-backend-wasm a plain 2D matMul runs at ~12-19 GFLOP/s while matMul with
 * `transposeA/transposeB` (which the built-in matMul gradient uses) or batched matMul runs at
 * ~1 GFLOP/s (measured, DEVELOPERS.md). A transpose is a cheap memory pass.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradient functions of the other core ops (see gradients.ts); every layer imports this file.
import './gradients.ts';

/**
 * The backend whose matMul reads transposed operands at full speed (lfkit's native kernel on
 * wasm in Node, `src/node/native/blas.ts`): there the gradients pass transpose flags instead
 * of explicit transposes. null: explicit transposes everywhere.
 */
let transposedMatMulBackend: string | null = null;

/** Declares that `backend`'s matMul is fast with `transposeA/B` (or null: it is not). */
export function setTransposedMatMulBackend(backend: string | null): void {
  transposedMatMulBackend = backend;
}

/** True when the active backend reads transposed matMul operands at full speed. */
export function transposedMatMulIsFast(): boolean {
  return transposedMatMulBackend !== null && tf.getBackend() === transposedMatMulBackend;
}

/** `a @ b` with optional transposes, as flags where that is fast, else as explicit transposes. */
function mmT(a: tf.Tensor2D, b: tf.Tensor2D, ta: boolean, tb: boolean): tf.Tensor2D {
  if (transposedMatMulIsFast()) return tf.matMul(a, b, ta, tb);
  return tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b);
}

const mm2d = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [mmT(dy as tf.Tensor2D, ws, false, true), mmT(xs, dy as tf.Tensor2D, true, false)];
    },
  };
});

/** `x [M, K] @ w [K, N] -> [M, N]`, fast forward and backward on wasm. */
export function matmul(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`matmul: shapes [${x.shape}] @ [${w.shape}] do not fit`);
  }
  return mm2d(x, w) as tf.Tensor2D;
}

/** `a [M, K] @ transpose(b [N, K]) -> [M, N]` via an explicit transpose (fast on wasm). */
export function matmulT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matmul(a, tf.transpose(b));
}

const affine2d = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, b, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // db = column sums of dy as a [1, M] @ [M, N] product: a reduction over axis 0 on wasm
      // transposes first and is ~30x slower than this matMul.
      const db = tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), [g.shape[1]]);
      return [mmT(g, ws, false, true), mmT(xs, g, true, false), db];
    },
  };
});

/** `x [M, K] @ w [K, N] + b [N] -> [M, N]` with the fast gradient of `matmul` (and a matMul for db). */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0] || b.shape[0] !== w.shape[1]) {
    throw new Error(`affine: shapes [${x.shape}] @ [${w.shape}] + [${b.shape}] do not fit`);
  }
  return affine2d(x, w, b) as tf.Tensor2D;
}

/**
 * Sums `x [A, C]` over its first axis -> `[C]`, as `ones [1, A] @ x` (a reduction over a leading
 * axis is slow on wasm: it transposes first).
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]) as tf.Tensor1D;
}
