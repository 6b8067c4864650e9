/**
 * Issue 8's figures (`npm run bench -- perf`): the `cpu` preset's training step (batch 8, S 3,
 * K 512, 64x64; warm, median of several) on 1 and 2 threads (data-parallel over worker
 * threads, `src/node/parallel`), tensors after 100 steps, decoder rays/s given Z and whole
 * novel views (encoder included) on 1 and 2 threads, the analytic FLOPs and the share of this
 * machine's peak (cores x 32 fp32 FLOP/cycle x clock) each figure reaches.
 *
 * Wall time AND CPU time: this machine is shared (other jobs keep the load average near the
 * core count), so wall times mostly measure the contention. Each thread's own CPU time
 * (`/proc/thread-self/stat`) is steady; "critical-path CPU" is the slowest thread's CPU time
 * plus the main thread's serial part (gradient average, Adam), i.e. the wall time the step
 * takes when the cores are free. PyTorch is measured in the same run, before and after
 * lfkit's training figures (`bench/torch-speed.py`, the same model and step, 2 threads; the
 * mean of the two brackets the load), when a python3 with torch is found; the ratios compare
 * wall with wall and total CPU with total CPU, each pair under the same load.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer, resolveConfig, type Batch, type LfkitConfig } from '../src/core/model/index.ts';
import { initBackend } from '../src/node/backend.ts';
import { parallelEngine } from '../src/node/parallel/engine.ts';
import { flopsPerRay, flopsPerTrainStep, flopsPerView, peakFlops } from '../src/node/parallel/flops.ts';
import { PackedAdam } from '../src/node/parallel/packed-adam.ts';
import { ReplicaPool, modelLayout, packWeights } from '../src/node/parallel/pool.ts';
import { unpack } from '../src/node/parallel/split.ts';
import { parallelSynthesizer } from '../src/node/parallel/synth.ts';
import { threadCpuSeconds } from '../src/node/parallel/thread-cpu.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { renderCamera, type ViewSynthesizer } from '../src/core/render/render.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { Rng } from '../src/core/util/rng.ts';
import { machineInfo, median, type Benchmark, type Figure } from './harness.ts';
import { measureTorch, type TorchSpeed } from './torch-reference.ts';

/** Warm training steps timed per thread count. */
const STEPS = 3;

function randomBatch(B: number, S: number, H: number, K: number, rng: Rng): Batch {
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  return { B, S, H, W: H, K, supportRgb: fill(B * S * H * H * 3, 0, 1), supportPlucker: fill(B * S * H * H * 6, -1, 1), queryRays: fill(B * K * 6, -1, 1), queryRgb: fill(B * K * 3, 0, 1) };
}

const cpuNow = () => threadCpuSeconds() ?? NaN;

export const perfBenchmark: Benchmark = {
  name: 'perf',
  description: 'issue 8: cpu-preset train step on 1 and 2 threads (wall + CPU), tensors after 100 steps, decoder rays/s and novel views on 1 and 2 threads, FLOPs and share of peak',
  async run() {
    const backend = await initBackend(undefined, { log: () => {} });
    const machine = machineInfo();
    const peak = machine.clockMHz ? peakFlops(machine.cores, machine.clockMHz) : NaN;
    const peakNote = `peak = ${machine.cores} cores x 32 FLOP/cycle x ${machine.clockMHz} MHz = ${(peak / 1e9).toFixed(0)} GFLOP/s`;
    const figures: Figure[] = [];
    const fig = (name: string, value: number, unit: string, note: string) => figures.push({ name: `perf.${name}`, value, unit, backend, note });
    const config = resolveConfig('cpu') as LfkitConfig;
    const { batch: B, rays: K } = config.train;
    const S = 3, H = config.model.imageSize;
    const rng = new Rng(0);
    const batch = randomBatch(B, S, H, K, rng);
    const stepFlops = flopsPerTrainStep(config.model, { B, S, K });
    const rayFlops = flopsPerRay(config.model);
    fig('load_average_1min', os.loadavg()[0]!, 'load', `load average when the benchmark started, on ${machine.cores} cores: wall times scale with it, CPU times do not`);
    fig('flops_per_train_step', stepFlops, 'FLOP', `analytic (src/node/parallel/flops.ts): matrix products, forward + backward = 3x forward; batch ${B}, S ${S}, K ${K}, ${H}x${H}`);
    fig('flops_per_ray', rayFlops, 'FLOP', `analytic: decoder given Z (folded cross-attention), d ${config.model.decoderWidth}`);
    fig('peak_gflops', peak / 1e9, 'GFLOP/s', peakNote);

    // ---- PyTorch, before lfkit's training figures (again after them) ------------------------
    const torchRuns: TorchSpeed[] = [];
    const torchBefore = measureTorch(2);
    if (torchBefore.result) torchRuns.push(torchBefore.result);
    else fig('pytorch_missing', 0, 'none', torchBefore.reason);
    const trainFigs: Record<string, number> = {};

    // ---- training: batch 8 on 1 and 2 threads --------------------------------------------
    const shape = `batch ${B}, S ${S}, K ${K}, ${H}x${H}, median of ${STEPS} warm steps`;
    for (const threads of [1, 2]) {
      const model = LightFieldModel.create(config.model, 0);
      const engine = await parallelEngine(config, model, new Trainer(model, config.train), threads);
      await engine.step(batch, 0); // warm-up: kernels, XNNPACK packing, worker JIT
      const wall: number[] = [], crit: number[] = [], proc: number[] = [], apply: number[] = [], bcast: number[] = [];
      for (let s = 1; s <= STEPS; s++) {
        const c0 = process.cpuUsage();
        const m0 = cpuNow();
        const t0 = performance.now();
        await engine.step(batch, s);
        wall.push((performance.now() - t0) / 1000);
        const mainCpu = cpuNow() - m0;
        const u = process.cpuUsage(c0);
        proc.push((u.user + u.system) / 1e6);
        const tm = engine.lastTiming;
        if (tm) {
          // slowest thread's gradient CPU + the main thread's serial rest (average, Adam, weights)
          crit.push(Math.max(...tm.cpuS) + Math.max(0, mainCpu - tm.cpuS[0]!));
          apply.push(tm.applyS);
          bcast.push(tm.weightsS);
        } else crit.push(mainCpu);
      }
      const w = median(wall), c = median(crit);
      const tn = `_t${threads}`;
      const who = threads === 1 ? '1 thread' : `${threads} threads (main + ${threads - 1} worker)`;
      fig(`train_step_s${tn}`, w, 's', `${who}, wall; ${shape}`);
      fig(`train_samples_per_s${tn}`, B / w, 'samples/s', `${who}, wall (shared machine: see load_average_1min)`);
      fig(`train_step_cpu_critical_s${tn}`, c, 'CPU s', `${who}: slowest thread's CPU time + main thread's serial part = the step's wall time on free cores`);
      fig(`train_samples_per_cpu_s${tn}`, B / c, 'samples/s', `${who}, from the critical-path CPU time (free cores)`);
      fig(`train_process_cpu_s${tn}`, median(proc), 'CPU s', `${who}: CPU time of all threads per step (the total work)`);
      trainFigs[`wall${tn}`] = w;
      trainFigs[`proc${tn}`] = median(proc);
      fig(`train_gflops_wall${tn}`, stepFlops / w / 1e9, 'GFLOP/s', `${who}; share of peak ${((stepFlops / w / peak) * 100).toFixed(1)}%`);
      fig(`train_gflops_cpu${tn}`, stepFlops / c / 1e9, 'GFLOP/s', `${who}, critical-path CPU; share of peak ${((stepFlops / c / peak) * 100).toFixed(1)}%`);
      fig(`train_peak_share_wall${tn}`, (stepFlops / w / peak) * 100, '% of peak', `${who}, wall; ${peakNote}`);
      fig(`train_peak_share_cpu${tn}`, (stepFlops / c / peak) * 100, '% of peak', `${who}, critical-path CPU; ${peakNote}`);
      if (apply.length) {
        fig('train_average_adam_s_t2', median(apply), 's', 'main thread: object-weighted gradient mean + packed Adam + variable assignment, wall');
        fig('train_weights_copy_s_t2', median(bcast), 's', 'main thread: copying the packed weights for the worker (broadcast instead of Adam on every replica), wall');
      }
      await engine.close();
    }

    // ---- PyTorch after the training figures, and the ratios ----------------------------------
    if (torchRuns.length) {
      const after = measureTorch(2);
      if (after.result) torchRuns.push(after.result);
      const t = torchRuns[0]!;
      const tWall = torchRuns.reduce((a, r) => a + r.train_step_s, 0) / torchRuns.length;
      const tCpu = torchRuns.reduce((a, r) => a + r.train_step_cpu_s, 0) / torchRuns.length;
      const src = `${t.python} bench/torch-speed.py, torch ${t.torch}, ${t.threads} threads, mean of ${torchRuns.length} runs bracketing lfkit's (${torchRuns.map((r) => r.train_step_s.toFixed(2)).join(' / ')} s)`;
      fig('pytorch_train_step_s', tWall, 's', `wall, same run; ${src}`);
      fig('pytorch_train_samples_per_s', B / tWall, 'samples/s', `wall, same run; ${src}`);
      fig('pytorch_train_step_cpu_s', tCpu, 'CPU s', `CPU time of all threads per step (process_time); ${src}`);
      fig('pytorch_decoder_rays_per_s', torchRuns.reduce((a, r) => a + r.decoder_rays_per_s, 0) / torchRuns.length, 'rays/s', `wall, 65,536 rays in 4096-ray calls; ${src}`);
      for (const threads of [1, 2]) {
        const tn = `_t${threads}`;
        fig(`train_vs_pytorch_wall${tn}`, tWall / trainFigs[`wall${tn}`]!, 'x', `lfkit ${threads} thread(s) samples/s over PyTorch's (2 threads), both wall clock in this run (same load)`);
        fig(`train_vs_pytorch_cpu${tn}`, tCpu / trainFigs[`proc${tn}`]!, 'x', `PyTorch's total CPU per step over lfkit's (${threads} thread(s)): work per sample, steady under load`);
      }
    }

    // ---- the serial update on the main thread: tfjs Adam vs packed Adam -------------------
    {
      const model = LightFieldModel.create(config.model, 0);
      const trainer = new Trainer(model, config.train);
      const layout = modelLayout(model);
      const g = Float32Array.from({ length: layout.total }, (_, i) => Math.sin(i) * 1e-3);
      const t = config.train;
      const adam = new PackedAdam(layout, packWeights(model, layout), { beta1: t.adamBeta1, beta2: t.adamBeta2, eps: t.adamEps, gradClip: t.gradClip });
      const cpuMs = (f: () => void) => { f(); const c = cpuNow(); for (let i = 0; i < 10; i++) f(); return ((cpuNow() - c) / 10) * 1000; };
      const tfMs = cpuMs(() => { trainer.applyGradients(unpack(layout, g), 5); packWeights(model, layout); });
      const packedMs = cpuMs(() => {
        adam.step(g, 1e-4);
        tf.tidy(() => { const w = unpack(layout, adam.params); for (const [n, v] of model.params) v.assign(tf.tensor(w.get(n)!, v.shape)); });
        adam.params.slice();
      });
      const note = `${layout.total.toLocaleString('en-US')} parameters, CPU ms per update incl. getting the weights to send, mean of 10`;
      fig('adam_tfjs_cpu_ms', tfMs, 'CPU ms', `Trainer's tfjs Adam + reading the weights back for the broadcast; ${note}`);
      fig('adam_packed_cpu_ms', packedMs, 'CPU ms', `packed TypeScript Adam (used with workers) + assigning the variables + copying the weights; ${note}`);
      trainer.dispose();
      model.dispose();
    }

    // ---- tensors after 100 steps (2 threads, small batch to fit the time budget) ----------
    {
      const tCheck = performance.now();
      const small = resolveConfig('cpu', { 'train.batch': 2, 'train.rays': 64 }) as LfkitConfig;
      const model = LightFieldModel.create(small.model, 0);
      const engine = await parallelEngine(small, model, new Trainer(model, small.train), 2);
      const b = randomBatch(2, 1, H, 64, rng);
      await engine.step(b, 0);
      const main0 = tf.memory().numTensors;
      const work0 = (await engine.pool!.stats())[0]!.numTensors;
      for (let s = 1; s <= 100; s++) await engine.step(b, s);
      const main1 = tf.memory().numTensors;
      const work1 = (await engine.pool!.stats())[0]!.numTensors;
      fig('tensors_after_100_steps', main1, 'tensors', `main thread's tf.memory().numTensors after 100 more steps (${main0} after the first); cpu preset model with batch 2 (1 object per thread), S 1, K 64 to fit the time budget`);
      fig('tensor_growth_100_steps', main1 - main0 + (work1 - work0), 'tensors', `growth over 100 steps, main thread + worker (worker ${work0} -> ${work1}); the check took ${((performance.now() - tCheck) / 1000).toFixed(0)} s`);
      await engine.close();
    }

    // ---- decoder rays/s given Z, and whole novel views, on 1 and 2 threads ------------------
    {
      const model = LightFieldModel.create(config.model, 0);
      const pool = await ReplicaPool.start(1, { backend: tf.getBackend(), config, model });
      const synths: [number, ViewSynthesizer<unknown>][] = [[1, modelSynthesizer(model) as ViewSynthesizer<unknown>], [2, parallelSynthesizer(model, pool) as ViewSynthesizer<unknown>]];
      const support = {
        images: [0, 1, 2].map(() => Float32Array.from({ length: H * H * 3 }, () => rng.uniform(0, 1))),
        cameras: [0, 1, 2].map((s) => cameraAt(orbitPose(s * 2, 0.3, 2.5), H)),
      };
      const N = 16 * 4096;
      const rays = Float32Array.from({ length: N * 6 }, () => rng.uniform(-1, 1));
      for (const [threads, synth] of synths) {
        const who = threads === 1 ? '1 thread' : `${threads} threads (main + ${threads - 1} worker)`;
        const ctx = await synth.encode(support);
        const decode = async () => { for (let s = 0; s < N; s += 4096) await synth.renderRays(ctx, rays.subarray(s * 6, (s + 4096) * 6)); };
        await decode();
        const wall: number[] = [], crit: number[] = [];
        for (let r = 0; r < 3; r++) {
          const w0 = threads > 1 ? (await pool.stats())[0]!.cpuSeconds : 0;
          const m0 = cpuNow();
          const t0 = performance.now();
          await decode();
          wall.push((performance.now() - t0) / 1000);
          const m = cpuNow() - m0;
          const wc = threads > 1 ? (await pool.stats())[0]!.cpuSeconds - w0 : 0;
          crit.push(Math.max(m, wc));
        }
        const w = median(wall), c = median(crit);
        const note = `d ${config.model.decoderWidth}, ${N} rays in 4096-ray calls, median of 3`;
        fig(`decoder_rays_per_s_t${threads}`, N / w, 'rays/s', `${who}, wall; ${note}; share of peak ${((N * rayFlops / w / peak) * 100).toFixed(1)}%`);
        fig(`decoder_peak_share_wall_t${threads}`, (N * rayFlops / w / peak) * 100, '% of peak', `${who}, wall`);
        fig(`decoder_peak_share_cpu_t${threads}`, (N * rayFlops / c / peak) * 100, '% of peak', `${who}, slowest thread's CPU time`);
        fig(`decoder_rays_per_cpu_s_t${threads}`, N / c, 'rays/s', `${who}, from the slowest thread's CPU time (free cores); share of peak ${((N * rayFlops / c / peak) * 100).toFixed(1)}%; compare pytorch_decoder_rays_per_s`);
        synth.dispose(ctx);
        for (const size of [64, 128]) {
          const cam = cameraAt(orbitPose(1, 0.4, 2.5), size);
          const view = async () => {
            const c2 = await synth.encode(support);
            await renderCamera(synth, c2, cam);
            synth.dispose(c2);
          };
          await view();
          const vw: number[] = [], vc: number[] = [];
          for (let r = 0; r < 3; r++) {
            const w0 = threads > 1 ? (await pool.stats())[0]!.cpuSeconds : 0;
            const m0 = cpuNow();
            const t0 = performance.now();
            await view();
            vw.push((performance.now() - t0) / 1000);
            const wc = threads > 1 ? (await pool.stats())[0]!.cpuSeconds - w0 : 0;
            vc.push(Math.max(cpuNow() - m0, wc));
          }
          const f = flopsPerView(config.model, S, size * size);
          fig(`novel_view_s_${size}_t${threads}`, median(vw), 's', `${who}, wall: encoder (S ${S}) + decoder context + ${size}x${size} rays, median of 3; share of peak ${((f / median(vw) / peak) * 100).toFixed(1)}%`);
          fig(`novel_view_cpu_s_${size}_t${threads}`, median(vc), 'CPU s', `${who}: slowest thread's CPU time for the same (free cores); share of peak ${((f / median(vc) / peak) * 100).toFixed(1)}%`);
          fig(`novel_view_peak_share_cpu_${size}_t${threads}`, (f / median(vc) / peak) * 100, '% of peak', `${who}, ${(f / 1e9).toFixed(2)} GFLOP per view, slowest thread's CPU time`);
        }
      }
      await pool.close();
      model.dispose();
    }
    fig('peak_rss_mb', process.resourceUsage().maxRSS / 1024, 'MB', 'peak resident set of the bench process (all threads) so far');
    return figures;
  },
};
