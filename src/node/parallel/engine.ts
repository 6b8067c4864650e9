/**
 * Data-parallel training over threads: the training loop's `TrainEngine` for lfkit's model
 * with the main thread plus `workers - 1` replica workers (`pool.ts`).
 *
 * A step splits the batch by objects (`splitCounts`: 8 objects on 2 threads = 4 + 4); each
 * worker gets its part (objects `offset..`, so dropout masks are the whole batch's: they are
 * seeded per object index) and computes the loss and gradients of its part's mean loss while
 * the main thread computes its own part. The main thread averages the gradients weighted by
 * object count (equal to the whole batch's gradient up to float rounding), applies the one Adam
 * update, and sends the new weights with the next step's request, so every replica always
 * holds exactly the main thread's weights and checkpoints, validation and the optimiser state
 * live on the main thread only (resume is unchanged). Validation renders (`engine.synth`)
 * split each chunk's rays over the same threads (`synth.ts`).
 *
 * Adam runs as one loop over the packed parameters (`packed-adam.ts`, the same update as the
 * Trainer's tfjs Adam, whose state it loads and stores back for checkpoints).
 *
 * Why broadcast weights rather than Adam on every replica: the same volume crosses threads
 * (one parameter vector each way), the workers need no optimiser state (resume and checkpoints
 * stay single-threaded), and replicas cannot drift; the cost is one copy of the packed weights
 * per step (measured in `npm run bench -- perf`: a few ms of a ~1.5 s step).
 *
 * `workers <= 1` is today's single-thread engine (`modelEngines`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LfkitConfig } from '../../core/model/config.ts';
import { LightFieldModel } from '../../core/model/model.ts';
import { Trainer, type Batch } from '../../core/model/trainer.ts';
import type { ViewSynthesizer } from '../../core/render/render.ts';
import type { EngineFactory, TrainEngine } from '../training/engine.ts';
import type { LoopState } from '../runs/run-folder.ts';
import { modelEngines } from '../training/model-engine.ts';
import { modelSynthesizer } from '../../core/model/support.ts';
import { loadInitCheckpoint, loadModelCheckpoint, saveModelCheckpoint } from '../runs/checkpoint.ts';
import { learningRate } from '../../core/model/config.ts';
import { PackedAdam } from './packed-adam.ts';
import { ReplicaPool, packWeights } from './pool.ts';
import { parallelSynthesizer, usefulThreads } from './synth.ts';
import { sliceBatch, splitCounts, unpack, weightedMean } from './split.ts';
import type { GradsReply } from './protocol.ts';
import { threadCpuSeconds } from './thread-cpu.ts';

/** Timing of the last data-parallel step (for benchmarks). */
export interface ParallelStepTiming {
  /** Objects per thread, main thread first. */
  counts: number[];
  /** Wall seconds: main thread's gradients, waiting for workers, average + Adam, weights read. */
  mainGradS: number;
  waitS: number;
  applyS: number;
  weightsS: number;
  /** CPU seconds of each thread during the step's gradient phase (main first; NaN when unknown). */
  cpuS: number[];
}

/** A `TrainEngine` that also exposes its pool and the last step's timing. */
export interface ParallelTrainEngine extends TrainEngine {
  readonly threads: number;
  readonly pool: ReplicaPool | null;
  readonly model: LightFieldModel;
  readonly trainer: Trainer;
  lastTiming: ParallelStepTiming | null;
  /** Stops the workers and waits for them (dispose() does the same without waiting). */
  close(): Promise<void>;
}

export interface ParallelEngineOptions {
  /**
   * `packed` (default): Adam over one packed array in TypeScript on the main thread
   * (`packed-adam.ts`); `tfjs`: the Trainer's own Adam (tfjs ops per parameter). Same update;
   * the bench compares their cost.
   */
  optimizer?: 'packed' | 'tfjs';
}

/** Assigns packed weights (views by name) to the model's variables. */
function assignWeights(model: LightFieldModel, weights: Map<string, Float32Array>): void {
  tf.tidy(() => {
    for (const [n, v] of model.params) v.assign(tf.tensor(weights.get(n)!, v.shape));
  });
}

/**
 * Builds the engine around a main-thread model + trainer. `threads` counts the main thread:
 * 2 = main + 1 worker. The batch is never split into more parts than it has objects, and the
 * native `tensorflow` backend (already multi-threaded) gets no workers (`usefulThreads`).
 */
export async function parallelEngine(config: LfkitConfig, model: LightFieldModel, trainer: Trainer, threads: number, opts: ParallelEngineOptions = {}): Promise<ParallelTrainEngine> {
  const nWorkers = Math.max(0, Math.min(usefulThreads(threads), config.train.batch) - 1);
  const pool = nWorkers > 0 ? await ReplicaPool.start(nWorkers, { backend: tf.getBackend(), config, model }) : null;
  let weightsDirty = false; // main's weights changed since the workers last got them
  let grads: Float32Array | null = null;
  let disposed = false;
  // Packed Adam: master weights + moments as plain arrays, the Trainer's state loaded into them.
  let adam: PackedAdam | null = null;
  if (pool && (opts.optimizer ?? 'packed') === 'packed') {
    const t = config.train;
    adam = new PackedAdam(pool.layout, packWeights(model, pool.layout), { beta1: t.adamBeta1, beta2: t.adamBeta2, eps: t.adamEps, gradClip: t.gradClip });
    adam.setState(trainer.optimizerState());
  }
  /** The current weights, packed, for the workers (a copy of the master when there is one). */
  const currentWeights = (): Float32Array => (adam ? adam.params.slice() : packWeights(model, pool!.layout));

  const engine: ParallelTrainEngine = {
    threads: 1 + nWorkers,
    pool,
    model,
    trainer,
    lastTiming: null,
    // Validation renders split their rays over the same workers (weights sent first if stale).
    synth: (pool
      ? parallelSynthesizer(model, pool, {
        sync: async () => {
          if (!weightsDirty) return;
          weightsDirty = false;
          const w = currentWeights();
          await Promise.all(pool.workers.map((x) => x.request({ type: 'setWeights', weights: w })));
        },
      })
      : modelSynthesizer(model)) as ViewSynthesizer<unknown>,
    async step(batch: Batch, step: number) {
      // webgpu (always one thread) reads asynchronously: it has no synchronous read in Node.
      if (!pool) return tf.getBackend() === 'webgpu' ? trainer.stepAsync(batch, step) : trainer.step(batch, step);
      const counts = splitCounts(batch.B, 1 + pool.size);
      const offsets = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
      let weights: Float32Array | undefined;
      const t0 = performance.now();
      if (weightsDirty) {
        weights = currentWeights();
        weightsDirty = false;
      }
      const tW = performance.now();
      const cpu0 = threadCpuSeconds() ?? NaN;
      // Workers first (they start at once), then the main thread's own part, synchronously.
      const replies = pool.workers.slice(0, counts.length - 1).map((w, i) => {
        const part = sliceBatch(batch, offsets[i + 1]!, counts[i + 1]!, true);
        const buffers = [part.supportRgb, part.supportPlucker, part.queryRays, part.queryRgb, ...(part.queryWeight ? [part.queryWeight] : [])].map((a) => a.buffer as ArrayBuffer);
        const wCopy = weights && pool.size > 1 ? weights.slice() : weights;
        return w.request<GradsReply>({ type: 'grads', step, offset: offsets[i + 1]!, batch: part, weights: wCopy }, wCopy ? [...buffers, wCopy.buffer as ArrayBuffer] : buffers);
      });
      const mine = trainer.gradients(sliceBatch(batch, 0, counts[0]!), step, 0);
      const cpu1 = threadCpuSeconds() ?? NaN;
      const t1 = performance.now();
      const others = await Promise.all(replies);
      const t2 = performance.now();
      grads ??= new Float32Array(pool.layout.total);
      const mineFlat = new Float32Array(pool.layout.total);
      const mineViews = unpack(pool.layout, mineFlat);
      for (const [n, g] of mine.grads) mineViews.get(n)!.set(g);
      weightedMean([mineFlat, ...others.map((o) => o.grads)], counts, grads);
      const loss = [mine.loss, ...others.map((o) => o.loss)].reduce((a, l, i) => a + (counts[i]! / batch.B) * l, 0);
      let lr: number;
      if (adam) {
        lr = learningRate(config.train, step);
        adam.step(grads, lr);
        assignWeights(model, unpack(pool.layout, adam.params));
      } else {
        lr = trainer.applyGradients(unpack(pool.layout, grads), step).lr;
      }
      weightsDirty = true;
      const t3 = performance.now();
      engine.lastTiming = {
        counts, mainGradS: (t1 - tW) / 1000, waitS: (t2 - t1) / 1000, applyS: (t3 - t2) / 1000, weightsS: (tW - t0) / 1000,
        cpuS: [cpu1 - cpu0, ...others.map((o) => o.cpuSeconds)],
      };
      return { loss, lr };
    },
    async save(dir: string, state: LoopState) {
      if (adam) trainer.setOptimizerState(adam.state()); // the checkpoint stores the Trainer's state
      if (tf.getBackend() === 'webgpu') await trainer.prefetch();
      saveModelCheckpoint(dir, config, model, trainer, state.step, { time: state.time, bestVal: state.bestVal, bestStep: state.bestStep });
    },
    numTensors: () => tf.memory().numTensors,
    dispose() {
      if (disposed) return;
      disposed = true;
      void pool?.close();
      trainer.dispose();
      model.dispose();
    },
    async close() {
      const p = pool?.close();
      engine.dispose();
      await p;
    },
  };
  return engine;
}

/**
 * The engine factory of lfkit's model over `threads` threads (main + threads - 1 workers);
 * `threads <= 1` is `modelEngines` itself.
 */
export function parallelModelEngines(threads: number): EngineFactory<LfkitConfig> {
  if (threads <= 1) return modelEngines;
  return {
    async create(config) {
      const model = LightFieldModel.create(config.model, config.train.seed);
      return parallelEngine(config, model, new Trainer(model, config.train), threads);
    },
    async load(dir, config, opts) {
      const { model, optimizer } = opts?.init ? loadInitCheckpoint(dir, config) : loadModelCheckpoint(dir, config);
      const trainer = new Trainer(model, config.train);
      if (optimizer) trainer.setOptimizerState(optimizer);
      return parallelEngine(config, model, trainer, threads);
    },
  };
}
