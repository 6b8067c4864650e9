/**
 * Layer primitives on top of `matmul` (fast 2D path). Weights are stored `[in, out]` (so
 * `y = x @ W + b`); PyTorch's `nn.Linear.weight` is the transpose (docs/checkpoint-format.md).
 * Every function is pure in its tensors; call inside `tf.tidy` or a gradient scope.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.ts';
import { matmul } from './matmul.ts';

/** Weight and bias of a dense layer: `w [in, out]`, `b [out]`. */
export interface DenseParams { w: tf.Tensor; b: tf.Tensor }

/** `x [..., in] -> [..., out]` = `x @ w + b`, reshaped through 2D for the fast matMul. */
export function dense(x: tf.Tensor, p: DenseParams): tf.Tensor {
  const inDim = p.w.shape[0]!;
  const outDim = p.w.shape[1]!;
  const lead = x.shape.slice(0, -1);
  if (x.shape[x.shape.length - 1] !== inDim) throw new Error(`dense: input [${x.shape}] does not end in ${inDim}`);
  const y = tf.add(matmul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, p.w as tf.Tensor2D), p.b);
  return lead.length === 1 ? y : tf.reshape(y, [...lead, outDim]);
}

/** LayerNorm over the last axis, eps 1e-5 (PyTorch default): `x [..., D] -> [..., D]`. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), axis, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** Exact GELU `0.5 x (1 + erf(x / sqrt 2))` (PyTorch's default `F.gelu`). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * Inverted dropout with a mask drawn from our seeded `Rng` (so a resumed run draws the same
 * masks): keeps each entry with probability `1 - rate`, scaled by `1 / (1 - rate)`.
 */
export function dropout(x: tf.Tensor, rate: number, rng: Rng | null): tf.Tensor {
  if (!rng || rate <= 0) return x;
  const n = x.size;
  const mask = new Float32Array(n);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < n; i++) mask[i] = rng.next() >= rate ? keep : 0;
  return tf.mul(x, tf.tensor(mask, x.shape));
}
