/**
 * A model-replica worker thread (entry: `replica-worker.mjs`): its own tfjs backend (wasm
 * kernels patched like the main thread's), a `LightFieldModel` with the main thread's weights
 * and a `Trainer` for gradients. Answers the requests of `protocol.ts` one at a time, in order.
 * It never updates its weights itself: the main thread applies Adam and sends the new weights
 * with the next `grads` request, so every replica holds exactly the main thread's weights.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, parameterSpecs, Trainer, type DecoderContext } from '../../core/model/index.ts';
import { initBackend } from '../backend.ts';
import { pack, packLayout, unpack, type PackLayout } from './split.ts';
import type { GradsReply, ReplicaReply, ReplicaRequest, StatsReply } from './protocol.ts';
import { threadCpuSeconds } from './thread-cpu.ts';

if (!parentPort) throw new Error('replica-worker.ts must run in a worker thread');
const port = parentPort;

let model: LightFieldModel | null = null;
let trainer: Trainer | null = null;
let layout: PackLayout | null = null;
const contexts = new Map<number, DecoderContext>();

function ready(): { model: LightFieldModel; trainer: Trainer; layout: PackLayout } {
  if (!model || !trainer || !layout) throw new Error('replica worker: not initialised');
  return { model, trainer, layout };
}

function setWeights(buf: Float32Array): void {
  const r = ready();
  const w = unpack(r.layout, buf);
  tf.tidy(() => {
    for (const [n, v] of r.model.params) v.assign(tf.tensor(w.get(n)!, v.shape));
  });
}

async function handle(req: ReplicaRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.type) {
    case 'init': {
      await initBackend(req.backend, { log: () => {} });
      layout = packLayout(req.names.map((n, i) => [n, req.sizes[i]!] as [string, number]));
      const w = unpack(layout, req.weights);
      const specs = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const s of parameterSpecs(req.config.model).specs) specs.set(s.name, { shape: s.shape, data: w.get(s.name)! });
      model = LightFieldModel.fromWeights(req.config.model, specs);
      trainer = new Trainer(model, req.config.train);
      return { value: tf.getBackend() };
    }
    case 'grads': {
      const c0 = threadCpuSeconds() ?? NaN;
      if (req.weights) setWeights(req.weights);
      const r = ready();
      const { loss, grads } = r.trainer.gradients(req.batch, req.step, req.offset);
      const buf = pack(r.layout, (n) => grads.get(n));
      const value: GradsReply = { loss, grads: buf, cpuSeconds: (threadCpuSeconds() ?? NaN) - c0 };
      return { value, transfer: [buf.buffer as ArrayBuffer] };
    }
    case 'setWeights':
      setWeights(req.weights);
      return { value: null };
    case 'prepare': {
      const r = ready();
      const { latentTokens: R, decoderWidth: d } = r.model.config;
      contexts.get(req.ctx)?.dispose();
      const Z = tf.tensor3d(req.Z, [1, R, d]);
      try {
        contexts.set(req.ctx, r.model.prepare(Z));
      } finally {
        Z.dispose();
      }
      return { value: null };
    }
    case 'render': {
      const ctx = contexts.get(req.ctx);
      if (!ctx) throw new Error(`replica worker: no decoder context ${req.ctx}`);
      const rgb = ready().model.renderRays(ctx, req.rays, req.chunk);
      return { value: rgb, transfer: [rgb.buffer as ArrayBuffer] };
    }
    case 'release':
      contexts.get(req.ctx)?.dispose();
      contexts.delete(req.ctx);
      return { value: null };
    case 'stats': {
      const value: StatsReply = { numTensors: tf.memory().numTensors, cpuSeconds: threadCpuSeconds() ?? NaN };
      return { value };
    }
  }
}

// Requests are handled strictly in order (a render must not overtake its prepare).
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: ReplicaRequest & { id: number }) => {
  queue = queue.then(async () => {
    let reply: ReplicaReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const r = await handle(msg);
      reply = { id: msg.id, ok: true, value: r.value };
      transfer = r.transfer ?? [];
    } catch (err) {
      const e = err as Error;
      reply = { id: msg.id, ok: false, error: e?.message ?? String(err), name: e?.name ?? 'Error', stack: e?.stack };
    }
    port.postMessage(reply, transfer);
  });
});
