/**
 * Training: Adam on every parameter, loss = mean squared error over the sampled rays and the 3
 * channels, averaged over the batch (method.md section 3), optionally with per-ray weights
 * (`train.edgeWeight`, not in the paper). Dropout masks are seeded from
 * `(train.seed, step)` so a resumed run repeats the exact same masks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../nn/adam.ts';
import { learningRate, type TrainConfig } from './config.ts';
import type { LightFieldModel } from './model.ts';

/** One training batch as plain row-major typed arrays (filled by the data pipeline). */
export interface Batch {
  /** B objects, S support views of H x W pixels, K query rays per object. */
  B: number; S: number; H: number; W: number; K: number;
  /** [B, S, H, W, 3], colours in [0, 1]. */
  supportRgb: Float32Array;
  /** [B, S, H, W, 6], Plücker `[d_hat, m]` (origins already scaled by `originScale`). */
  supportPlucker: Float32Array;
  /** [B, K, 6] */
  queryRays: Float32Array;
  /** [B, K, 3] */
  queryRgb: Float32Array;
  /**
   * [B, K] per-ray loss weights averaging 1 per object (`train.edgeWeight`); absent = plain MSE.
   */
  queryWeight?: Float32Array;
}

/** Tensors of a batch, checked against its declared sizes. */
export function batchTensors(b: Batch): { rgb: tf.Tensor; plucker: tf.Tensor; rays: tf.Tensor3D; target: tf.Tensor3D; weight?: tf.Tensor3D } {
  const want: [string, Float32Array, number][] = [
    ['supportRgb', b.supportRgb, b.B * b.S * b.H * b.W * 3],
    ['supportPlucker', b.supportPlucker, b.B * b.S * b.H * b.W * 6],
    ['queryRays', b.queryRays, b.B * b.K * 6],
    ['queryRgb', b.queryRgb, b.B * b.K * 3],
  ];
  if (b.queryWeight) want.push(['queryWeight', b.queryWeight, b.B * b.K]);
  for (const [name, arr, n] of want) if (arr.length !== n) throw new Error(`batch.${name}: ${arr.length} values, expected ${n} for B=${b.B} S=${b.S} H=${b.H} W=${b.W} K=${b.K}`);
  return {
    rgb: tf.tensor(b.supportRgb, [b.B, b.S, b.H, b.W, 3]),
    plucker: tf.tensor(b.supportPlucker, [b.B, b.S, b.H, b.W, 6]),
    rays: tf.tensor3d(b.queryRays, [b.B, b.K, 6]),
    target: tf.tensor3d(b.queryRgb, [b.B, b.K, 3]),
    ...(b.queryWeight ? { weight: tf.tensor3d(b.queryWeight, [b.B, b.K, 1]) } : {}),
  };
}

/** The dropout seed of a training step: a hash of (seed, step). */
export function dropoutSeed(seed: number, step: number): number {
  return (Math.imul((seed + 1) >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

/**
 * The training loss of a batch as a scalar tensor (caller disposes or runs in a tidy/grad
 * scope): MSE over rays and channels, averaged over the batch; with per-ray weights
 * (`batch.queryWeight`, mean 1 per object) each ray's squared error is scaled by its weight.
 */
export function batchLoss(model: LightFieldModel, t: ReturnType<typeof batchTensors>, opts: { training?: boolean; dropoutSeed?: number; objectOffset?: number } = {}): tf.Scalar {
  return tf.tidy(() => {
    const Z = model.encode(t.rgb, t.plucker, opts);
    const pred = model.decode(Z, t.rays);
    const se = tf.squaredDifference(pred, t.target);
    return tf.mean(t.weight ? tf.mul(se, t.weight) : se) as tf.Scalar;
  });
}

export class Trainer {
  readonly optimizer: Adam;

  constructor(readonly model: LightFieldModel, readonly train: TrainConfig) {
    this.optimizer = new Adam(model.params, { beta1: train.adamBeta1, beta2: train.adamBeta2, eps: train.adamEps, gradClip: train.gradClip });
  }

  /** One Adam step on `batch` at schedule position `step`; returns the loss before the update. */
  step(batch: Batch, step: number): { loss: number; lr: number; gradNorm: number } {
    const { loss, grads } = this.gradientTensors(batch, step, 0);
    try {
      return { loss, ...this.applyGradientTensors(grads, step) };
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /**
   * `step` with asynchronous reads of the loss and gradient norm (`data()`), for backends that
   * cannot read synchronously (webgpu in Node). The same update as `step`.
   */
  async stepAsync(batch: Batch, step: number): Promise<{ loss: number; lr: number; gradNorm: number }> {
    const { value, grads } = this.lossAndGradients(batch, step, 0);
    try {
      const loss = (await value.data())[0]!;
      const lr = learningRate(this.train, step);
      const gradNorm = await this.optimizer.applyAsync(grads, lr);
      return { loss, lr, gradNorm };
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /** Reads the weights and Adam moments to the host, so that a checkpoint needs no synchronous GPU read. */
  async prefetch(): Promise<void> {
    await Promise.all([...this.model.params.values()].map((v) => v.data()));
    await this.optimizer.prefetch();
  }

  /**
   * Data-parallel building block: the loss and gradients of the mean loss over `batch`, whose
   * first object is object `objectOffset` of the whole step's batch (dropout masks depend on
   * the object's index, not on the split). A combiner averages worker gradients weighted by
   * their object counts and calls `applyGradients` on every replica; the result equals a
   * single-worker step up to float rounding.
   */
  gradients(batch: Batch, step: number, objectOffset = 0): { loss: number; grads: Map<string, Float32Array> } {
    const { loss, grads } = this.gradientTensors(batch, step, objectOffset);
    const out = new Map<string, Float32Array>();
    for (const [n, g] of Object.entries(grads)) out.set(n, g.dataSync() as Float32Array);
    tf.dispose(Object.values(grads));
    return { loss, grads: out };
  }

  /** Applies (averaged) gradients by parameter name with the schedule's learning rate at `step`. */
  applyGradients(grads: Map<string, Float32Array>, step: number): { lr: number; gradNorm: number } {
    const t: Record<string, tf.Tensor> = {};
    for (const [n, v] of this.model.params) {
      const g = grads.get(n);
      if (!g || g.length !== v.size) throw new Error(`applyGradients: gradient of ${n} missing or of the wrong size`);
      t[n] = tf.tensor(g, v.shape);
    }
    try {
      return this.applyGradientTensors(t, step);
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  private gradientTensors(batch: Batch, step: number, objectOffset: number): { loss: number; grads: Record<string, tf.Tensor> } {
    const { value, grads } = this.lossAndGradients(batch, step, objectOffset);
    const loss = value.dataSync()[0]!;
    value.dispose();
    return { loss, grads };
  }

  private lossAndGradients(batch: Batch, step: number, objectOffset: number): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
    const t = batchTensors(batch);
    const seed = dropoutSeed(this.train.seed, step);
    const names = [...this.model.params.keys()];
    const vars = names.map((n) => this.model.params.get(n)!);
    const { value, grads } = tf.variableGrads(() => batchLoss(this.model, t, { training: true, dropoutSeed: seed, objectOffset }), vars);
    const byName: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => { byName[n] = grads[vars[i]!.name]!; });
    tf.dispose(Object.values(t));
    return { value, grads: byName };
  }

  private applyGradientTensors(grads: Record<string, tf.Tensor>, step: number): { lr: number; gradNorm: number } {
    const lr = learningRate(this.train, step);
    const gradNorm = this.optimizer.apply(grads, lr);
    return { lr, gradNorm };
  }

  /** The loss of a batch without dropout and without updating (for evaluation). */
  evalLoss(batch: Batch): number {
    const t = batchTensors(batch);
    const l = batchLoss(this.model, t);
    const v = l.dataSync()[0]!;
    tf.dispose([l, ...Object.values(t)]);
    return v;
  }

  /** Adam moments and step count for a checkpoint. */
  optimizerState(): Map<string, Float32Array> {
    return this.optimizer.state();
  }

  setOptimizerState(state: Map<string, Float32Array>): void {
    this.optimizer.setState(state);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
