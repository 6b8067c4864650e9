/**
 * One backend's speed, in a process of its own (`bench/gpu.bench.ts` starts one per backend: a
 * tfjs backend is process-wide, and webgpu's driver is chosen at process start):
 *
 *   node --import tsx bench/backend-speed.ts BACKEND OUT.json
 *
 * writes the `cpu` preset's training samples/s (batch 8, S 3, K 512, 64x64, median of warm
 * steps, on as many threads as the backend uses) and decoder rays/s given Z, with the adapter
 * for webgpu. A backend that does not load is recorded with the reason. Software GPU adapters
 * (SwiftShader) are not timed unless LFKIT_BENCH_SOFTWARE_GPU=1: they take hours here.
 */
import fs from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer, resolveConfig, type Batch, type LfkitConfig } from '../src/core/model/index.ts';
import { gpuAdapter, initBackend } from '../src/node/backend.ts';
import { parallelEngine } from '../src/node/parallel/engine.ts';
import { parallelSynthesizer, usefulThreads } from '../src/node/parallel/synth.ts';
import { ReplicaPool } from '../src/node/parallel/pool.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import type { ViewSynthesizer } from '../src/core/render/render.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { Rng } from '../src/core/util/rng.ts';

export interface BackendSpeed {
  backend: string;
  loaded: boolean;
  /** Why it did not load or was not timed. */
  reason?: string;
  adapter?: { name: string; software: boolean } | null;
  threads?: number;
  trainStepS?: number;
  samplesPerS?: number;
  decoderRaysPerS?: number;
}

async function measure(name: string): Promise<BackendSpeed> {
  try {
    await initBackend(name, { log: () => {} });
  } catch (err) {
    return { backend: name, loaded: false, reason: (err as Error).message.replace(/^backend: /, '') };
  }
  const adapter = gpuAdapter();
  if (adapter?.software && process.env.LFKIT_BENCH_SOFTWARE_GPU !== '1') {
    return { backend: name, loaded: true, adapter, reason: 'software renderer: not timed (LFKIT_BENCH_SOFTWARE_GPU=1 to time it anyway)' };
  }
  const config = resolveConfig('cpu') as LfkitConfig;
  const { batch: B, rays: K } = config.train;
  const S = 3, H = config.model.imageSize;
  const rng = new Rng(0);
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  const batch: Batch = { B, S, H, W: H, K, supportRgb: fill(B * S * H * H * 3, 0, 1), supportPlucker: fill(B * S * H * H * 6, -1, 1), queryRays: fill(B * K * 6, -1, 1), queryRgb: fill(B * K * 3, 0, 1) };
  const threads = usefulThreads(os.availableParallelism());
  // The plain cpu backend is 20-30x slower: fewer timed steps keep the bench within minutes.
  const steps = name === 'cpu' ? 1 : 3;

  const model = LightFieldModel.create(config.model, 0);
  const engine = await parallelEngine(config, model, new Trainer(model, config.train), threads);
  await engine.step(batch, 0);
  const times: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const t0 = performance.now();
    await engine.step(batch, s);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const trainStepS = times[times.length >> 1]!;
  await engine.close();

  const dmodel = LightFieldModel.create(config.model, 0);
  const pool = threads > 1 ? await ReplicaPool.start(threads - 1, { backend: tf.getBackend(), config, model: dmodel }) : null;
  const synth = (pool ? parallelSynthesizer(dmodel, pool) : modelSynthesizer(dmodel)) as ViewSynthesizer<unknown>;
  const ctx = await synth.encode({ images: [0, 1, 2].map(() => fill(H * H * 3, 0, 1)), cameras: [0, 1, 2].map((s) => cameraAt(orbitPose(s * 2, 0.3, 2.5), H)) });
  const N = name === 'cpu' ? 4096 : 16 * 4096;
  const rays = fill(N * 6, -1, 1);
  const decode = async () => { for (let s = 0; s < N; s += 4096) await synth.renderRays(ctx, rays.subarray(s * 6, (s + 4096) * 6)); };
  await decode();
  const t0 = performance.now();
  await decode();
  const decoderRaysPerS = N / ((performance.now() - t0) / 1000);
  synth.dispose(ctx);
  await pool?.close();
  dmodel.dispose();
  return { backend: name, loaded: true, adapter, threads, trainStepS, samplesPerS: B / trainStepS, decoderRaysPerS };
}

const [name, out] = process.argv.slice(2);
if (!name || !out) {
  process.stderr.write('usage: node --import tsx bench/backend-speed.ts BACKEND OUT.json\n');
  process.exit(2);
}
const result = await measure(name);
fs.writeFileSync(`${out}.tmp`, JSON.stringify(result));
fs.renameSync(`${out}.tmp`, out);
