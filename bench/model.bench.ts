/**
 * The model's speed on the `cpu` preset (issue 4 / issue 8): a warm training step (batch 8,
 * S 3, K 512, 64x64; median of several), decoder rays/s given Z (d = 128, 4096-ray chunks via
 * `renderRays`), and the encoder's time per object. Besides wall time it reports CPU time of
 * this process, which is the steadier figure on a shared machine (wall = CPU when the cores
 * are free). PyTorch on the same machine, in the same run: `npm run bench -- perf` or `gpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer, resolveConfig, type Batch } from '../src/core/model/index.ts';
import { initBackend } from '../src/node/backend.ts';
import { Rng } from '../src/core/util/rng.ts';
import { median, type Benchmark, type Figure } from './harness.ts';

function randomBatch(B: number, S: number, H: number, K: number, rng: Rng): Batch {
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  return { B, S, H, W: H, K, supportRgb: fill(B * S * H * H * 3, 0, 1), supportPlucker: fill(B * S * H * H * 6, -1, 1), queryRays: fill(B * K * 6, -1, 1), queryRgb: fill(B * K * 3, 0, 1) };
}

/** Runs `fn` and returns [wall s, CPU s of this process]. */
function timed(fn: () => void): [number, number] {
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const u = process.cpuUsage(c);
  return [(performance.now() - t) / 1000, (u.user + u.system) / 1e6];
}

export const modelBenchmark: Benchmark = {
  name: 'model',
  description: 'cpu preset: train step time and samples/s, decoder rays/s, encoder time per object',
  async run() {
    const backend = await initBackend();
    const cfg = resolveConfig('cpu');
    const { batch: B, rays: K } = cfg.train;
    const S = 3, H = cfg.model.imageSize;
    const rng = new Rng(0);
    const model = LightFieldModel.create(cfg.model, 0);
    const trainer = new Trainer(model, cfg.train);
    const batch = randomBatch(B, S, H, K, rng);
    const figures: Figure[] = [];
    const fig = (name: string, value: number, unit: string, note: string) => figures.push({ name: `model.${name}`, value, unit, backend, note });

    trainer.step(batch, 0); // warm-up (kernel setup, XNNPACK packing caches)
    const tensorsBefore = tf.memory().numTensors;
    const steps = [1, 2, 3].map((s) => timed(() => trainer.step(batch, s)));
    const wall = median(steps.map((x) => x[0]));
    const cpu = median(steps.map((x) => x[1]));
    const shape = `batch ${B}, S ${S}, K ${K}, ${H}x${H}, median of 3 warm steps`;
    fig('train_step_s', wall, 's', shape);
    fig('train_samples_per_s', B / wall, 'samples/s', shape);
    fig('train_step_cpu_s', cpu, 'CPU s', `${shape}; process CPU time (steadier on a shared machine)`);
    fig('train_tensor_growth', tf.memory().numTensors - tensorsBefore, 'tensors', 'numTensors after 3 steps minus before');

    // Decoder given Z (one object), and the encoder per object.
    const one = randomBatch(1, S, H, 1, rng);
    const rgb = tf.tensor(one.supportRgb, [1, S, H, H, 3]);
    const pl = tf.tensor(one.supportPlucker, [1, S, H, H, 6]);
    tf.dispose(model.encode(rgb, pl));
    const enc = [0, 1, 2].map(() => timed(() => tf.dispose(model.encode(rgb, pl))));
    fig('encode_s_per_object', median(enc.map((x) => x[0])), 's', `S ${S}, ${H}x${H}, median of 3`);
    const Z = model.encode(rgb, pl);
    const ctx = model.prepare(Z);
    const N = 4 * 4096;
    const rays = Float32Array.from({ length: N * 6 }, () => rng.uniform(-1, 1));
    model.renderRays(ctx, rays);
    const dec = [0, 1, 2].map(() => timed(() => model.renderRays(ctx, rays)));
    fig('decoder_rays_per_s', N / median(dec.map((x) => x[0])), 'rays/s', `d ${cfg.model.decoderWidth}, ${N} rays in 4096-ray chunks, median of 3`);
    fig('decoder_rays_per_cpu_s', N / median(dec.map((x) => x[1])), 'rays/CPU s', 'same, per second of process CPU time');
    const t = performance.now();
    const Z2 = model.encode(rgb, pl);
    const ctx2 = model.prepare(Z2);
    model.renderRays(ctx2, Float32Array.from({ length: H * H * 6 }, () => rng.uniform(-1, 1)));
    fig('novel_view_s_64', (performance.now() - t) / 1000, 's', `encode + prepare + decode ${H}x${H} rays`);
    fig('parameters', model.parameterCount(), 'count', 'cpu preset');
    tf.dispose([rgb, pl, Z, Z2]);
    ctx.dispose();
    ctx2.dispose();
    trainer.dispose();
    model.dispose();
    return figures;
  },
};
