/**
 * A pool of model-replica worker threads (`replica-worker.ts`), each with its own tfjs backend
 * and a copy of a model's weights. The main thread stays a full participant (it keeps its own
 * model): data-parallel training (`engine.ts`) and split-ray rendering (`synth.ts`) give the
 * workers a share of every step or chunk and compute the rest themselves.
 *
 * Why workers and not tfjs's threaded wasm: the threaded build does not run in Node, so one
 * wasm backend per thread is the only way to use more than one core.
 *
 * @example
 *   const pool = await ReplicaPool.start(1, { backend: 'wasm', config, model });
 *   ...; await pool.close();
 */
import { Worker } from 'node:worker_threads';
import type { LfkitConfig } from '../../core/model/config.ts';
import type { LightFieldModel } from '../../core/model/model.ts';
import { pack, packLayout, type PackLayout } from './split.ts';
import type { ReplicaReply, ReplicaRequest, StatsReply } from './protocol.ts';

/** Requests without their id (the worker handle adds it). */
type Request = ReplicaRequest;

/** One worker thread and its pending requests. */
export class ReplicaWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private closing = false;

  constructor(readonly index: number, private readonly worker: Worker) {
    worker.on('message', (r: ReplicaReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      if (r.ok) p.resolve(r.value);
      else {
        const e = new Error(`replica worker ${index}: ${r.error}`);
        e.name = r.name;
        if (r.stack) e.stack = `${e.name}: ${e.message}\n(worker stack) ${r.stack}`;
        p.reject(e);
      }
    });
    worker.on('error', (err) => this.fail(new Error(`replica worker ${index} failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`replica worker ${index} exited with code ${code}`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.worker.unref();
  }

  /** Sends a request (transferring `transfer`) and resolves with the worker's answer. */
  request<T>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error(`replica worker ${this.index} is closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // Referenced while a request is pending (an idle worker never keeps the process alive,
      // a busy one must: the main thread may be awaiting nothing else).
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  /** Stops the thread (pending requests reject). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.fail(new Error(`replica worker ${this.index} is closed`));
    await this.worker.terminate();
  }
}

export interface PoolOptions {
  /** tfjs backend name for every worker (normally the main thread's, `tf.getBackend()`). */
  backend: string;
  config: LfkitConfig;
  /** The model whose weights the replicas start from. */
  model: LightFieldModel;
}

/** Packs a model's weights in its parameter order. */
export function packWeights(model: LightFieldModel, layout: PackLayout, out?: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  return pack(layout, (n) => model.params.get(n)?.dataSync() as Float32Array | undefined, out);
}

export function modelLayout(model: LightFieldModel): PackLayout {
  return packLayout([...model.params].map(([n, v]) => [n, v.size] as [string, number]));
}

export class ReplicaPool {
  private closed_ = false;

  private constructor(readonly workers: ReplicaWorker[], readonly layout: PackLayout) {}

  /** Starts `n` workers (n >= 1) with `model`'s weights; resolves when every one is ready. */
  static async start(n: number, opts: PoolOptions): Promise<ReplicaPool> {
    const url = new URL('./replica-worker.mjs', import.meta.url);
    const layout = modelLayout(opts.model);
    const weights = packWeights(opts.model, layout);
    const workers: ReplicaWorker[] = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(url);
      w.unref(); // never keeps the process alive on its own
      workers.push(new ReplicaWorker(i, w));
    }
    const pool = new ReplicaPool(workers, layout);
    try {
      await Promise.all(workers.map((w) => w.request({ type: 'init', backend: opts.backend, config: opts.config, names: layout.names, sizes: layout.sizes, weights })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closed_;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends `model`'s current weights to every worker. */
  async setWeights(model: LightFieldModel): Promise<void> {
    const w = packWeights(model, this.layout);
    await Promise.all(this.workers.map((x) => x.request({ type: 'setWeights', weights: w })));
  }

  /** Live tensors and thread CPU seconds of each worker. */
  stats(): Promise<StatsReply[]> {
    return Promise.all(this.workers.map((w) => w.request<StatsReply>({ type: 'stats' })));
  }

  /** Terminates every worker; idempotent. */
  async close(): Promise<void> {
    if (this.closed_) return;
    this.closed_ = true;
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
