/**
 * Runs object jobs on `workers` worker threads (objects in parallel, one job in flight per
 * worker), or in this thread when `workers` is 0. Results come back in completion order; the
 * files do not depend on it (each job is self-seeded, see `job.ts`).
 */
import { Worker } from 'node:worker_threads';
import { runObjectJob, type ObjectJob, type ObjectResult } from './job.ts';

export type WorkerReply =
  | { ok: true; result: ObjectResult }
  | { ok: false; id: string; error: string; name: string };

/** A job that failed in a worker, re-thrown in the caller's thread with the object's id. */
export class SynthJobError extends Error {
  constructor(readonly id: string, message: string, readonly causeName: string) {
    super(message);
    this.name = 'SynthJobError';
  }
}

export interface PoolOptions {
  /** Worker threads (0 = run in this thread). */
  workers: number;
  onResult?: (r: ObjectResult) => void;
  /**
   * Called for a failed job; the run goes on. Without it the first failure stops the run
   * (after stopping the workers) and rejects with a `SynthJobError`.
   */
  onError?: (e: SynthJobError) => void;
}

/** Runs every job; results in completion order. */
export async function runJobs(jobs: ObjectJob[], opts: PoolOptions): Promise<ObjectResult[]> {
  const results: ObjectResult[] = [];
  if (opts.workers <= 0 || jobs.length === 0) {
    for (const j of jobs) {
      let r: ObjectResult;
      try {
        r = await runObjectJob(j);
      } catch (err) {
        const e = new SynthJobError(j.id, (err as Error)?.message ?? String(err), (err as Error)?.name ?? 'Error');
        if (!opts.onError) throw e;
        opts.onError(e);
        continue;
      }
      results.push(r);
      opts.onResult?.(r);
    }
    return results;
  }
  const n = Math.min(opts.workers, jobs.length);
  const url = new URL('./worker.mjs', import.meta.url);
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failed = false;
      const feed = (w: Worker): void => {
        if (failed) return;
        if (next >= jobs.length) {
          if (active === 0) resolve();
          return;
        }
        active++;
        w.postMessage(jobs[next++]);
      };
      for (let i = 0; i < n; i++) {
        const w = new Worker(url);
        workers.push(w);
        w.on('message', (msg: WorkerReply | { ready: true }) => {
          if ('ready' in msg) { feed(w); return; }
          active--;
          if (!msg.ok) {
            const e = new SynthJobError(msg.id, msg.error, msg.name);
            if (!opts.onError) {
              failed = true;
              reject(e);
              return;
            }
            opts.onError(e);
          } else {
            results.push(msg.result);
            opts.onResult?.(msg.result);
          }
          feed(w);
        });
        w.on('error', (err) => { failed = true; reject(err); });
        w.on('exit', (code) => {
          if (code !== 0 && !failed) { failed = true; reject(new Error(`synth worker exited with code ${code}`)); }
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
