/**
 * Messages between the main thread and a model-replica worker (`replica-worker.ts`). Every
 * request carries an `id`; the worker answers each with `{ id, ok: true, value }` or
 * `{ id, ok: false, error, name }`, in order. Float32Arrays are transferred, not copied.
 */
import type { LfkitConfig } from '../../core/model/config.ts';
import type { Batch } from '../../core/model/trainer.ts';

export type ReplicaRequest =
  /** Backend, config and the initial weights (packed in `names` order with `sizes`). */
  | { type: 'init'; backend: string; config: LfkitConfig; names: string[]; sizes: number[]; weights: Float32Array }
  /** Gradients of the mean loss over `batch` (objects `offset..` of the step's batch); `weights` first when given. */
  | { type: 'grads'; step: number; offset: number; batch: Batch; weights?: Float32Array }
  | { type: 'setWeights'; weights: Float32Array }
  /** A decoder context from Z `[1, R, d]` under `ctx`. */
  | { type: 'prepare'; ctx: number; Z: Float32Array }
  /** Decodes rays `[N * 6]` with context `ctx` -> rgb `[N * 3]`. */
  | { type: 'render'; ctx: number; rays: Float32Array; chunk: number }
  | { type: 'release'; ctx: number }
  /** `{ numTensors, cpuSeconds }` of the worker (leak checks, per-thread CPU time). */
  | { type: 'stats' };

/** `cpuSeconds`: the worker thread's CPU time for this request (weights + gradients). */
export interface GradsReply { loss: number; grads: Float32Array; cpuSeconds: number }
export interface StatsReply { numTensors: number; cpuSeconds: number }

export type ReplicaReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; name: string; stack?: string };
