/**
 * Layer primitives on top of `matmul` (fast 2D path). Weights are stored `[in, out]` (so
 * `y = x @ W + b`); PyTorch's `nn.Linear.weight` is the transpose (docs/checkpoint-format.md).
 * Every function is pure in its tensors; call inside `tf.tidy` or a gradient scope.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.ts';
import { affine } from './matmul.ts';

/**
 * Observer of a forward pass's intermediate activations, called with a layer name and the
 * activation while it is alive (read it synchronously, e.g. `dataSync()`; it is disposed after).
 * Lets tests compare each layer with an independent reference so a mismatch names the layer.
 */
export type LayerTrace = (layer: string, value: tf.Tensor) => void;

/** Weight and bias of a dense layer: `w [in, out]`, `b [out]`. */
export interface DenseParams { w: tf.Tensor; b: tf.Tensor }

/** `x [..., in] -> [..., out]` = `x @ w + b`, reshaped through 2D for the fast matMul. */
export function dense(x: tf.Tensor, p: DenseParams): tf.Tensor {
  const inDim = p.w.shape[0]!;
  const outDim = p.w.shape[1]!;
  const lead = x.shape.slice(0, -1);
  if (x.shape[x.shape.length - 1] !== inDim) throw new Error(`dense: input [${x.shape}] does not end in ${inDim}`);
  const y = affine(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, p.w as tf.Tensor2D, p.b as tf.Tensor1D);
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

const GELU_C = 2 * Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

const geluOp = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
  // u = 2 sqrt(2/pi) (x + 0.044715 x^3); gelu = x sigmoid(u) (= 0.5 x (1 + tanh(u / 2))).
  const x2 = tf.square(x);
  const s = tf.sigmoid(tf.mul(tf.mul(x, tf.add(tf.mul(x2, GELU_A), 1)), GELU_C));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ss] = saved as [tf.Tensor, tf.Tensor];
      // d/dx = s + x s (1 - s) u',  u' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)
      const du = tf.mul(tf.add(tf.mul(tf.square(xs), 3 * GELU_A), 1), GELU_C);
      const g = tf.add(ss, tf.mul(tf.mul(tf.mul(xs, ss), tf.sub(1, ss)), du));
      return [tf.mul(dy, g)];
    },
  };
});

/**
 * GELU, tanh form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` = PyTorch's
 * `F.gelu(x, approximate='tanh')` (differs from the exact erf form by < 1e-3), written as
 * `x sigmoid(2 u)` with a custom gradient. Kept for checkpoints trained with it
 * (`model.gelu: 'tanh'`); new models use the exact form, `geluExact`.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluExactOp = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
  // Phi(x) = 0.5 (1 + erf(x / sqrt 2)), the standard normal CDF; gelu = x Phi(x).
  const phi = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  save([x, phi]);
  return {
    value: tf.mul(x, phi),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ph] = saved as [tf.Tensor, tf.Tensor];
      // d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(ph, tf.mul(xs, pdf)))];
    },
  };
});

/**
 * Names of fused GELU kernels (exact form) a backend may provide: forward `{x} -> x Phi(x)`,
 * gradient `{x, dy} -> dy (Phi(x) + x phi(x))`, one pass each. lfkit's native kernels register
 * them on wasm in Node (`src/node/native/blas.ts`); without them GELU is composed of tfjs ops.
 */
export const FUSED_GELU_KERNEL = 'LfkitGeluErf';
export const FUSED_GELU_GRAD_KERNEL = 'LfkitGeluErfGrad';

const geluExactFused = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.engine().runKernel(FUSED_GELU_KERNEL, { x }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(FUSED_GELU_GRAD_KERNEL, { x: saved[0]!, dy }, {}) as tf.Tensor],
  };
});

const fusedGeluAvailable = (): boolean =>
  tf.getKernel(FUSED_GELU_KERNEL, tf.getBackend()) !== undefined && tf.getKernel(FUSED_GELU_GRAD_KERNEL, tf.getBackend()) !== undefined;

/**
 * GELU, exact form `x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`: PyTorch's default `F.gelu`, so
 * weights move between lfkit and PyTorch implementations unchanged.
 */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return fusedGeluAvailable() ? geluExactFused(x) : geluExactOp(x);
}

/** The GELU of a model config's `gelu` field. */
export function gelu(x: tf.Tensor, form: 'erf' | 'tanh' = 'erf'): tf.Tensor {
  return form === 'erf' ? geluExact(x) : geluOp(x);
}

/**
 * Inverted dropout with masks drawn from our seeded `Rng`s (so a resumed run draws the same
 * masks): keeps each entry with probability `1 - rate`, scaled by `1 / (1 - rate)`. `rngs`
 * holds one generator per object; `x`'s values are split into `rngs.length` equal contiguous
 * blocks (one per object, e.g. `[B*T, D]` rows), so an object's mask does not depend on which
 * other objects share its batch (data-parallel training gives the same masks).
 */
export function dropout(x: tf.Tensor, rate: number, rngs: Rng[] | null): tf.Tensor {
  if (!rngs || rate <= 0) return x;
  const n = x.size;
  const per = n / rngs.length;
  if (!Number.isInteger(per)) throw new Error(`dropout: ${n} values do not split into ${rngs.length} objects`);
  const mask = new Float32Array(n);
  const keep = 1 / (1 - rate);
  for (let b = 0; b < rngs.length; b++) {
    const rng = rngs[b]!;
    for (let i = b * per, e = i + per; i < e; i++) mask[i] = rng.next() >= rate ? keep : 0;
  }
  return tf.mul(x, tf.tensor(mask, x.shape));
}
