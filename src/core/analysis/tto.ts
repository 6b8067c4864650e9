/**
 * Test-time optimisation (method.md section 7, the paper's Figure 7 applied to views): start
 * from the encoder's latent tokens Z of one object and fit the support views' pixels with Adam,
 * optimising Z only or (`all`) Z and every decoder weight. For few-shot views the outcome is
 * open: fitting the support views may raise or lower the query PSNR; `testTimeOptimize`
 * measures it at chosen steps.
 *
 * Loss: mean squared error over a minibatch of `rays` rays drawn uniformly (with replacement,
 * seeded) from all pixels of all support views, and the 3 channels (the training loss of
 * method.md section 3 on the support views instead of a query view).
 *
 * Weights: with `all`, the decoder weights are trained on a copy of the model; the model passed
 * in is never modified (its weights stay what was loaded). Gradients go through the model's
 * own decode path (2D matmuls with custom gradients, no gather or einsum: the wasm fast path).
 * No Node imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import { psnr, psnrFromMse } from '../metrics/metrics.ts';
import { LightFieldModel, type DecoderContext } from '../model/model.ts';
import { Adam } from '../nn/adam.ts';
import type { Camera } from '../rays/index.ts';
import type { SupportSet, ViewSynthesizer } from '../render/render.ts';
import { Rng } from '../util/rng.ts';
import { cameraRays, encodeSupport, type SupportArrays } from '../model/support.ts';

export interface TtoOptions {
  /** Also optimise every decoder weight (on a copy of the model). Default false: Z only. */
  all?: boolean;
  /** Adam learning rate (constant; default `TTO_DEFAULT_LR`). */
  lr?: number;
  /** Rays per step (default 1024). */
  rays?: number;
  /** Seed of the ray minibatches (default 0). */
  seed?: number;
}

/** Default Adam learning rate of test-time optimisation. */
export const TTO_DEFAULT_LR = 1e-3;
/** Default rays per test-time optimisation step. */
export const TTO_DEFAULT_RAYS = 1024;

/**
 * Optimises one object's latent tokens (and, with `all`, a copy of the decoder) on its support
 * views. Owns tensors: call `dispose()`.
 *
 * @example
 *   const tto = new TestTimeOptimizer(model, support, { lr: 1e-3 });
 *   tto.step(100);
 *   const ctx = tto.context();               // render with tto.model.renderRays(ctx, rays)
 *   ctx.dispose(); tto.dispose();
 */
export class TestTimeOptimizer {
  /** The model to render with: the one given, or (with `all`) its optimised copy. */
  readonly model: LightFieldModel;
  readonly support: SupportArrays;
  /** Adam steps taken so far. */
  steps = 0;
  /** Wall-clock seconds spent in `step` so far. */
  seconds = 0;
  private readonly Z: tf.Variable;
  private readonly adam: Adam;
  private readonly rng: Rng;
  private readonly lr: number;
  private readonly raysPerStep: number;
  private readonly copy: LightFieldModel | null;
  private readonly vars: Map<string, tf.Variable>;

  constructor(model: LightFieldModel, support: SupportSet, opts: TtoOptions = {}) {
    this.lr = opts.lr ?? TTO_DEFAULT_LR;
    this.raysPerStep = opts.rays ?? TTO_DEFAULT_RAYS;
    if (!(this.lr > 0 && Number.isFinite(this.lr))) throw new Error(`tto: lr must be a positive number, got ${this.lr}`);
    if (!(Number.isInteger(this.raysPerStep) && this.raysPerStep > 0)) throw new Error(`tto: rays must be a positive integer, got ${this.raysPerStep}`);
    this.rng = new Rng(opts.seed ?? 0);
    const { Z, arrays } = encodeSupport(model, support);
    this.support = arrays;
    this.Z = tf.variable(Z, true);
    Z.dispose();
    this.copy = opts.all ? copyModel(model) : null;
    this.model = this.copy ?? model;
    this.vars = new Map([['Z', this.Z]]);
    if (this.copy) for (const [n, v] of this.copy.params) if (n.startsWith('decoder.')) this.vars.set(n, v);
    this.adam = new Adam(this.vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: null });
  }

  /** Number of optimised scalars (Z, plus the decoder with `all`). */
  get parameterCount(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Runs `n` Adam steps; returns the mean minibatch loss of those steps (NaN for n = 0). */
  step(n = 1): number {
    if (n <= 0) return NaN;
    const t0 = performance.now();
    const { rgb, rays } = this.support;
    const total = rgb.length / 3;
    const K = this.raysPerStep;
    const names = [...this.vars.keys()];
    const list = names.map((k) => this.vars.get(k)!);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const r = new Float32Array(K * 6);
      const c = new Float32Array(K * 3);
      for (let k = 0; k < K; k++) {
        const p = this.rng.int(total);
        r.set(rays.subarray(p * 6, p * 6 + 6), k * 6);
        c.set(rgb.subarray(p * 3, p * 3 + 3), k * 3);
      }
      const rt = tf.tensor3d(r, [1, K, 6]);
      const ct = tf.tensor3d(c, [1, K, 3]);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.squaredDifference(this.model.decode(this.Z as tf.Tensor as tf.Tensor3D, rt), ct)) as tf.Scalar,
        list,
      );
      const byName: Record<string, tf.Tensor> = {};
      names.forEach((name, j) => { byName[name] = grads[list[j]!.name]!; });
      sum += value.dataSync()[0]!;
      this.adam.apply(byName, this.lr);
      tf.dispose([value, rt, ct, ...Object.values(grads)]);
      this.steps += 1;
    }
    this.seconds += (performance.now() - t0) / 1000;
    return sum / n;
  }

  /** The current latent tokens `[R * d]` (a copy). */
  latent(): Float32Array {
    return Float32Array.from(this.Z.dataSync() as Float32Array);
  }

  /** A decoder context from the current Z (and weights); the caller disposes it. */
  context(): DecoderContext {
    return this.model.prepare(this.Z as tf.Tensor as tf.Tensor3D);
  }

  /** Mean squared error over every pixel of every support view (all rays, no sampling). */
  supportMse(): number {
    const ctx = this.context();
    try {
      const pred = this.model.renderRays(ctx, this.support.rays);
      let s = 0;
      for (let i = 0; i < pred.length; i++) s += (pred[i]! - this.support.rgb[i]!) ** 2;
      return s / pred.length;
    } finally {
      ctx.dispose();
    }
  }

  /**
   * The optimised object as a `ViewSynthesizer` for `renderCamera`: `encode` ignores its
   * argument and returns a context of the current Z (dispose it as usual).
   */
  synthesizer(): ViewSynthesizer<DecoderContext> {
    const config = this.model.config;
    return {
      imageSize: config.imageSize,
      cameraRays: (camera, out) => cameraRays(config, camera, out),
      encode: () => this.context(),
      renderRays: (ctx, rays) => this.model.renderRays(ctx, rays),
      dispose: (ctx) => ctx.dispose(),
    };
  }

  dispose(): void {
    this.adam.dispose();
    this.Z.dispose();
    this.copy?.dispose();
  }
}

/** A model with the same config and a copy of every weight (independent variables). */
export function copyModel(model: LightFieldModel): LightFieldModel {
  const w = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [n, v] of model.params) w.set(n, { shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) });
  return LightFieldModel.fromWeights(model.config, w);
}

/** The steps at which `testTimeOptimize` measures: 0, N/4, N/2 and N (rounded down, distinct). */
export function ttoCheckpoints(steps: number): number[] {
  if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`ttoCheckpoints: steps must be a whole number >= 0, got ${steps}`);
  return [...new Set([0, Math.floor(steps / 4), Math.floor(steps / 2), steps])];
}

/** A query view with its ground truth (`[H, W, 3]` at the camera's size). */
export interface TtoQuery {
  name: string;
  camera: Camera;
  truth: Float32Array;
}

/** One measurement of `testTimeOptimize`. */
export interface TtoPoint {
  step: number;
  /** Optimisation wall-clock seconds so far (measurements excluded). */
  seconds: number;
  /** PSNR over all support pixels (the fitted objective as PSNR). */
  supportPsnr: number;
  /** Mean PSNR over the query views (unclamped prediction, method.md section 3); null without queries. */
  queryPsnr: number | null;
  /** Per query view, in the order given. */
  perQuery: number[];
}

export interface TtoReport {
  steps: number;
  all: boolean;
  lr: number;
  rays: number;
  seed: number;
  /** Scalars optimised. */
  parameters: number;
  points: TtoPoint[];
}

/**
 * Runs `steps` Adam steps of test-time optimisation and measures support and query PSNR at
 * `ttoCheckpoints(steps)`. Returns the report and the optimiser, left at the last step for
 * rendering (`optimizer.context()`); the caller disposes the optimiser.
 */
export function testTimeOptimize(
  model: LightFieldModel, support: SupportSet, opts: TtoOptions & { steps: number; queries?: readonly TtoQuery[]; onPoint?: (p: TtoPoint) => void },
): { report: TtoReport; optimizer: TestTimeOptimizer } {
  const optimizer = new TestTimeOptimizer(model, support, opts);
  try {
    const points: TtoPoint[] = [];
    const queryRays = (opts.queries ?? []).map((q) => cameraRays(model.config, q.camera));
    const measure = (): TtoPoint => {
      const ctx = optimizer.context();
      let perQuery: number[];
      try {
        perQuery = (opts.queries ?? []).map((q, i) => psnr(optimizer.model.renderRays(ctx, queryRays[i]!), q.truth));
      } finally {
        ctx.dispose();
      }
      const p: TtoPoint = {
        step: optimizer.steps, seconds: optimizer.seconds, supportPsnr: psnrFromMse(optimizer.supportMse()),
        queryPsnr: perQuery.length ? perQuery.reduce((a, b) => a + b, 0) / perQuery.length : null, perQuery,
      };
      opts.onPoint?.(p);
      return p;
    };
    for (const at of ttoCheckpoints(opts.steps)) {
      optimizer.step(at - optimizer.steps);
      points.push(measure());
    }
    const report: TtoReport = {
      steps: opts.steps, all: opts.all ?? false, lr: opts.lr ?? TTO_DEFAULT_LR, rays: opts.rays ?? TTO_DEFAULT_RAYS, seed: opts.seed ?? 0,
      parameters: optimizer.parameterCount, points,
    };
    return { report, optimizer };
  } catch (err) {
    optimizer.dispose();
    throw err;
  }
}

/** The report as a small text table (step, seconds, support PSNR, query PSNR). */
export function formatTtoTable(report: TtoReport): string {
  const head = `test-time optimisation (${report.all ? 'Z + decoder' : 'Z only'}, ${report.parameters} scalars, lr ${report.lr}, ${report.rays} rays/step)`;
  const rows = [head, '  step  seconds  support PSNR  query PSNR'];
  for (const p of report.points) {
    rows.push(`${String(p.step).padStart(6)}  ${p.seconds.toFixed(1).padStart(7)}  ${p.supportPsnr.toFixed(2).padStart(9)} dB  ${p.queryPsnr === null ? '         -' : `${p.queryPsnr.toFixed(2).padStart(7)} dB`}`);
  }
  return rows.join('\n');
}
