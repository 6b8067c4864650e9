/**
 * `LightFieldModel`: the encoder (docs/model.md#encoder) and the light-field decoder (section 5)
 * under one set of named parameters.
 *
 * Shape glossary (docs/model.md#code-conventions): B objects, S support views, H = W image side, R latent
 * tokens, d decoder width, N rays per object.
 *
 * @example
 *   const model = LightFieldModel.create(resolveConfig('cpu').model, 0);
 *   const Z = model.encode(supportRgb, supportPlucker);   // [B, S, H, W, 3], [B, S, H, W, 6] -> [B, R, d]
 *   const ctx = model.prepare(Z);                          // per-object keys/values, once
 *   const rgb = model.decode(ctx, rays);                   // [B, N, 6] -> [B, N, 3]
 *   ctx.dispose(); tf.dispose([Z, rgb]);
 */
import * as tf from '@tensorflow/tfjs-core';
import { declareEncoder, encodeViews } from '../encoder/encoder.ts';
import { decodeRays, declareDecoder, prepareDecoder, type DecoderContext } from '../lightfield/decoder.ts';
import type { LayerTrace } from '../nn/layers.ts';
import { ParamSpecs, ParamStore } from '../nn/params.ts';
import { Rng } from '../util/rng.ts';
import type { ModelConfig } from './config.ts';

export type { DecoderContext } from '../lightfield/decoder.ts';

/** Every parameter's name and shape for a config, in initialisation order (no allocation). */
export function parameterSpecs(config: ModelConfig): ParamSpecs {
  const specs = new ParamSpecs();
  declareEncoder(specs, config);
  declareDecoder(specs, config);
  return specs;
}

/** Number of trainable scalars of a config, from shapes alone. */
export function countParameters(config: ModelConfig): number {
  return parameterSpecs(config).count();
}

/** The dropout seed of object `index` of a batch whose step seed is `seed` (a 32-bit hash). */
export function dropoutObjectSeed(seed: number, index: number): number {
  return (Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index + 1, 0x165667b1)) >>> 0;
}

function isContext(x: DecoderContext | tf.Tensor3D): x is DecoderContext {
  return typeof (x as DecoderContext).dispose === 'function' && Array.isArray((x as DecoderContext).qMat);
}

export class LightFieldModel {
  private readonly store: ParamStore;
  private disposed = false;

  private constructor(readonly config: ModelConfig, store: ParamStore) {
    this.store = store;
  }

  /** A freshly initialised model (docs/model.md#light-field-decoder init), deterministic in `seed`. */
  static create(config: ModelConfig, seed: number): LightFieldModel {
    return new LightFieldModel(config, ParamStore.init(parameterSpecs(config), seed));
  }

  /**
   * A model with given weights (e.g. from a checkpoint): `tensors` maps every parameter name
   * to its values; shapes are checked against the config.
   */
  static fromWeights(config: ModelConfig, tensors: Map<string, { shape: number[]; data: Float32Array }>): LightFieldModel {
    const specs = parameterSpecs(config);
    const vars = new Map<string, tf.Variable>();
    const names = new Set(specs.specs.map((s) => s.name));
    for (const name of tensors.keys()) if (!names.has(name)) throw new Error(`weights: unexpected tensor '${name}' for this config`);
    for (const s of specs.specs) {
      const t = tensors.get(s.name);
      if (!t) throw new Error(`weights: missing tensor '${s.name}'`);
      if (t.shape.join(',') !== s.shape.join(',')) throw new Error(`weights: '${s.name}' has shape [${t.shape}], expected [${s.shape}]`);
      const x = tf.tensor(t.data, s.shape);
      vars.set(s.name, tf.variable(x, true));
      x.dispose();
    }
    return new LightFieldModel(config, new ParamStore(vars));
  }

  /** Parameters by checkpoint name (docs/checkpoint-format.md). */
  get params(): ReadonlyMap<string, tf.Variable> {
    return this.store.vars;
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.store.vars.values()) n += v.size;
    return n;
  }

  /**
   * Encoder: supportRgb `[B, S, H, W, 3]` in [0, 1], supportPlucker `[B, S, H, W, 6]` -> Z `[B, R, d]`.
   * Any S >= 1 works with the same weights. `training` turns on dropout: object `b` draws its
   * masks from `Rng(dropoutObjectSeed(dropoutSeed, objectOffset + b))`, so a batch split across
   * workers (each passing its first object's index as `objectOffset`) draws the same masks.
   * `trace` observes the intermediate activations (see `encodeViews`).
   */
  encode(supportRgb: tf.Tensor, supportPlucker: tf.Tensor, opts: { training?: boolean; dropoutSeed?: number; objectOffset?: number; trace?: LayerTrace } = {}): tf.Tensor3D {
    const B = supportRgb.shape[0]!;
    const off = opts.objectOffset ?? 0;
    const rngs = opts.training && this.config.dropout > 0 ? Array.from({ length: B }, (_, b) => new Rng(dropoutObjectSeed(opts.dropoutSeed ?? 0, off + b))) : null;
    return encodeViews(this.store, this.config, supportRgb, supportPlucker, rngs, opts.trace);
  }

  /** Per-object keys/values and folded projections from Z `[B, R, d]`; the caller disposes it. */
  prepare(Z: tf.Tensor3D): DecoderContext {
    return prepareDecoder(this.store, this.config, Z);
  }

  /**
   * Decoder: rays `[B, N, 6]` (Plücker) -> rgb `[B, N, 3]` given a context or Z `[B, R, d]`.
   * `trace` observes the intermediate activations (see `decodeRays`).
   */
  decode(ctxOrZ: DecoderContext | tf.Tensor3D, rays: tf.Tensor3D, opts: { trace?: LayerTrace } = {}): tf.Tensor3D {
    if (isContext(ctxOrZ)) return decodeRays(this.store, this.config, ctxOrZ, rays, opts);
    return tf.tidy(() => decodeRays(this.store, this.config, prepareDecoder(this.store, this.config, ctxOrZ), rays, opts));
  }

  /**
   * Rendering convenience for one object (`ctx.batch === 1`): rays `Float32Array [N * 6]` ->
   * rgb `Float32Array [N * 3]`, in chunks of `chunk` rays; leaves no tensors behind.
   */
  renderRays(ctx: DecoderContext, rays: Float32Array, chunk = 4096): Float32Array {
    const out = this.renderOutput(ctx, rays);
    for (let start = 0; start * 6 < rays.length; start += chunk) {
      out.set(tf.tidy(() => this.decodeChunk(ctx, rays, start, chunk).dataSync()), start * 3);
    }
    return out;
  }

  /** `renderRays` with asynchronous reads (`data()`), for backends without synchronous reads (webgpu in Node). */
  async renderRaysAsync(ctx: DecoderContext, rays: Float32Array, chunk = 4096): Promise<Float32Array> {
    const out = this.renderOutput(ctx, rays);
    for (let start = 0; start * 6 < rays.length; start += chunk) {
      const y = tf.tidy(() => this.decodeChunk(ctx, rays, start, chunk));
      try {
        out.set(await y.data(), start * 3);
      } finally {
        y.dispose();
      }
    }
    return out;
  }

  /** Checks a one-object render request; the output buffer `[N * 3]`. */
  private renderOutput(ctx: DecoderContext, rays: Float32Array): Float32Array {
    if (ctx.batch !== 1) throw new Error(`renderRays: context must hold one object, got ${ctx.batch}`);
    if (rays.length % 6 !== 0) throw new Error(`renderRays: rays length ${rays.length} is not a multiple of 6`);
    return new Float32Array((rays.length / 6) * 3);
  }

  /** Colours of rays `[start, start + chunk)` (clipped to the end) as a `[1, m, 3]` tensor; call inside `tf.tidy`. */
  private decodeChunk(ctx: DecoderContext, rays: Float32Array, start: number, chunk: number): tf.Tensor {
    const m = Math.min(chunk, rays.length / 6 - start);
    const r = tf.tensor3d(rays.subarray(start * 6, (start + m) * 6), [1, m, 6]);
    return decodeRays(this.store, this.config, ctx, r, { inference: true });
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.store.vars.values()) v.dispose();
    this.disposed = true;
  }
}
