/**
 * Synth worker: receives `ObjectJob`s one at a time from the pool (`pool.ts`), runs each and
 * answers with `{ ok: true, result }` or `{ ok: false, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { runObjectJob, type ObjectJob } from './job.ts';
import type { WorkerReply } from './pool.ts';

if (!parentPort) throw new Error('synth worker-main.ts must run in a worker thread');
const port = parentPort;
port.on('message', async (job: ObjectJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, result: await runObjectJob(job) };
  } catch (err) {
    reply = { ok: false, id: job.id, error: (err as Error)?.message ?? String(err), name: (err as Error)?.name ?? 'Error' };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
