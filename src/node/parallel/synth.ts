/**
 * Split-ray rendering over threads: a `ViewSynthesizer` for lfkit's model whose `renderRays`
 * gives every replica worker (`pool.ts`) an equal share of the rays and decodes the first
 * share on the main thread meanwhile. The encoder runs once, on the main thread; the workers
 * get Z `[1, R, d]` (R d floats) and fold their own decoder context from it, so a view costs
 * one small message per worker plus one per chunk each way.
 *
 * The replicas must hold the main model's weights: `sync` (called before every encode) lets a
 * training engine send them after an update. Colours equal the single-thread synthesizer's
 * (same backend, same weights, rays decoded independently).
 *
 * @example
 *   const par = await openParallelSynthesizer(model, config, 2);   // main + 1 worker
 *   const img = await renderCamera(par.synth, await par.synth.encode(support), camera);
 *   await par.close();
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LfkitConfig } from '../../core/model/config.ts';
import type { DecoderContext, LightFieldModel } from '../../core/model/model.ts';
import type { SupportSet, ViewSynthesizer } from '../../core/render/render.ts';
import { encodeSupport } from '../../core/model/support.ts';
import { modelSynthesizer } from '../../core/model/support.ts';
import type { LoadedRun } from '../runs/run.ts';
import { ReplicaPool } from './pool.ts';
import { splitCounts } from './split.ts';

/**
 * What a parallel context adds to the main thread's `DecoderContext` (kept in a WeakMap, so the
 * synthesizer is a drop-in `ViewSynthesizer<DecoderContext>`): the id of the workers' copies.
 */
interface WorkerCopies {
  readonly id: number;
  /** Resolves when every worker has folded its copy (rejects with a worker's error). */
  readonly ready: Promise<unknown>;
}

export interface ParallelSynthOptions {
  /** Called (and awaited) before each encode, e.g. to send updated weights to the workers. */
  sync?: () => Promise<void>;
  /** Below this many rays a call is decoded on the main thread alone (default 256). */
  minSplit?: number;
}

let nextContextId = 1;

/**
 * Threads worth starting for `threads` requested: 1 on the native `tensorflow` backend (it
 * already runs every op on all cores; replicas would only compete) and on `webgpu` (one device
 * queue does the work; a replica per thread would need its own device and copies through the
 * host), else `threads`.
 */
export function usefulThreads(threads: number): number {
  const b = tf.getBackend();
  return b === 'tensorflow' || b === 'webgpu' ? 1 : Math.max(1, Math.floor(threads));
}

/** The parallel synthesizer over an existing pool (the caller owns and closes the pool). */
export function parallelSynthesizer(model: LightFieldModel, pool: ReplicaPool, opts: ParallelSynthOptions = {}): ViewSynthesizer<DecoderContext> {
  const copies = new WeakMap<DecoderContext, WorkerCopies>();
  const single = modelSynthesizer(model);
  const minSplit = opts.minSplit ?? 256;
  const { latentTokens: R, decoderWidth: d } = model.config;
  return {
    imageSize: single.imageSize,
    cameraRays: single.cameraRays,
    async encode(support: SupportSet): Promise<DecoderContext> {
      await opts.sync?.();
      // Encode once here; every thread folds its own decoder context from Z.
      const Zdata = encodeSupportFloats(model, support);
      const Z = tf.tensor3d(Zdata, [1, R, d]);
      let main: DecoderContext;
      try {
        main = model.prepare(Z);
      } finally {
        Z.dispose();
      }
      const id = nextContextId++;
      const ready = Promise.all(pool.workers.map((w) => w.request({ type: 'prepare', ctx: id, Z: Zdata })));
      ready.catch(() => {}); // surfaced by renderRays
      // ctx.dispose() (or synth.dispose(ctx)) also frees the workers' copies
      const ctx: DecoderContext = {
        batch: main.batch, qMat: main.qMat, qBias: main.qBias, vMat: main.vMat, vBias: main.vBias,
        dispose: () => {
          main.dispose();
          for (const w of pool.workers) w.request({ type: 'release', ctx: id }).catch(() => {});
        },
      };
      copies.set(ctx, { id, ready });
      return ctx;
    },
    async renderRays(ctx: DecoderContext, rays: Float32Array): Promise<Float32Array> {
      const n = rays.length / 6;
      if (!Number.isInteger(n)) throw new Error(`renderRays: rays length ${rays.length} is not a multiple of 6`);
      const c = copies.get(ctx);
      if (!c) throw new Error('renderRays: the context was not made by this synthesizer');
      if (n < minSplit) return model.renderRays(ctx, rays);
      const counts = splitCounts(n, 1 + pool.size);
      const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
      const replies = pool.workers.slice(0, counts.length - 1).map((w, i) => {
        const part = rays.slice(starts[i + 1]! * 6, (starts[i + 1]! + counts[i + 1]!) * 6);
        return w.request<Float32Array>({ type: 'render', ctx: c.id, rays: part, chunk: 4096 }, [part.buffer as ArrayBuffer]);
      });
      const out = new Float32Array(n * 3);
      out.set(model.renderRays(ctx, rays.subarray(0, counts[0]! * 6)), 0);
      await c.ready;
      const parts = await Promise.all(replies);
      parts.forEach((p, i) => out.set(p, starts[i + 1]! * 3));
      return out;
    },
    dispose: (ctx: DecoderContext) => ctx.dispose(),
  };
}

/** Z `[1, R, d]` of one object's support views as plain floats (the encoder, on this thread). */
function encodeSupportFloats(model: LightFieldModel, support: SupportSet): Float32Array {
  const { Z } = encodeSupport(model, support);
  try {
    return Z.dataSync() as Float32Array;
  } finally {
    Z.dispose();
  }
}

/**
 * A parallel synthesizer with its own pool of `threads - 1` workers (threads counts the main
 * thread; `threads <= 1` gives the single-thread synthesizer and no workers). `close()` stops
 * the workers.
 */
export async function openParallelSynthesizer(model: LightFieldModel, config: LfkitConfig, threads: number): Promise<{ synth: ViewSynthesizer<DecoderContext>; threads: number; close(): Promise<void> }> {
  const n = usefulThreads(threads);
  if (n <= 1) return { synth: modelSynthesizer(model), threads: 1, close: async () => {} };
  const pool = await ReplicaPool.start(n - 1, { backend: tf.getBackend(), config, model });
  return { synth: parallelSynthesizer(model, pool), threads: n, close: () => pool.close() };
}

/**
 * The run with `threads` decoding every render call (`threads - 1` worker replicas; `threads <= 1`
 * returns the run as is). The returned run's `dispose()` also stops the workers.
 */
export async function withThreads(run: LoadedRun, threads: number | undefined): Promise<LoadedRun> {
  if (threads === undefined || threads <= 1) return run;
  const par = await openParallelSynthesizer(run.model, run.config, threads);
  return {
    ...run,
    synth: par.synth,
    threads: par.threads,
    dispose: () => {
      void par.close();
      run.dispose();
    },
  };
}
