import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer, type LfkitConfig } from '../src/core/model/index.ts';
import { parallelEngine, parallelModelEngines, type ParallelTrainEngine } from '../src/node/parallel/engine.ts';
import { pack, packLayout, sliceBatch, splitCounts, unpack, weightedMean } from '../src/node/parallel/split.ts';
import { PackedAdam } from '../src/node/parallel/packed-adam.ts';
import { Adam } from '../src/core/nn/adam.ts';
import { Rng } from '../src/core/util/rng.ts';
import { openDataset } from '../src/node/io/open-dataset.ts';
import type { EngineFactory, TrainEngine } from '../src/node/training/engine.ts';
import { loadModelCheckpoint } from '../src/node/runs/checkpoint.ts';
import { readMetrics } from '../src/node/runs/run-folder.ts';
import { train } from '../src/node/training/train.ts';
import { runCheckpoint } from '../src/node/runs/run-folder.ts';
import { maxAbsDiff } from './helpers/assert-close.ts';
import { openParallelSynthesizer } from '../src/node/parallel/synth.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { renderCamera, type ViewSynthesizer } from '../src/core/render/render.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { randomBatch, tinyConfig, useBackend } from './helpers/model-fixtures.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

describe('batch splitting and the weighted mean', () => {
  it('splits objects evenly, larger parts first, never more parts than objects', () => {
    expect(splitCounts(8, 2)).toEqual([4, 4]);
    expect(splitCounts(3, 2)).toEqual([2, 1]);
    expect(splitCounts(1, 4)).toEqual([1]);
    expect(splitCounts(7, 3)).toEqual([3, 2, 2]);
  });

  it('slices objects of every array and the weighted mean weights parts by object count', () => {
    const c = tinyConfig({ 'train.batch': 3 });
    const b = randomBatch(c as LfkitConfig, 1, 2);
    const s = sliceBatch(b, 1, 2, true);
    expect(s.B).toBe(2);
    const img = b.S * b.H * b.W;
    expect(Array.from(s.supportRgb)).toEqual(Array.from(b.supportRgb.subarray(img * 3, 3 * img * 3)));
    expect(Array.from(s.queryRays)).toEqual(Array.from(b.queryRays.subarray(b.K * 6)));
    expect(s.supportPlucker.buffer).not.toBe(b.supportPlucker.buffer); // a copy, transferable
    const out = weightedMean([new Float32Array([1, 2]), new Float32Array([4, 8])], [3, 1], new Float32Array(2));
    expect(Array.from(out)).toEqual([1.75, 3.5]);
  });
});

describe('PackedAdam', () => {
  it('matches the tfjs Adam (with clipping) and round-trips its state format', async () => {
    await useBackend('cpu');
    const shapes: [string, number[]][] = [['a', [3, 4]], ['b', [5]]];
    const rng = new Rng(2);
    const vars = new Map(shapes.map(([n, sh]) => [n, tf.variable(tf.tensor(Float32Array.from({ length: sh.reduce((x, y) => x * y) }, () => rng.normal()), sh))]));
    const opts = { beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: 1 };
    const ref = new Adam(vars, opts);
    const layout = packLayout(shapes.map(([n, sh]) => [n, sh.reduce((x, y) => x * y)] as [string, number]));
    const packed = new PackedAdam(layout, pack(layout, (n) => vars.get(n)!.dataSync()), opts);
    const init = packed.params.slice();
    for (let step = 0; step < 3; step++) {
      const g = Float32Array.from({ length: layout.total }, () => rng.normal() * (step + 1)); // norm > 1: clipped
      const views = unpack(layout, g);
      const gt = Object.fromEntries(shapes.map(([n, sh]) => [n, tf.tensor(views.get(n)!, sh)]));
      const n1 = ref.apply(gt, 1e-2);
      const n2 = packed.step(g, 1e-2);
      expect(Math.abs(n1 - n2) / n1).toBeLessThan(1e-5);
      tf.dispose(Object.values(gt));
    }
    const after = pack(layout, (n) => vars.get(n)!.dataSync());
    expect(maxAbsDiff(packed.params, after)).toBeLessThan(1e-6);
    expect(maxAbsDiff(packed.params, init)).toBeGreaterThan(1e-2); // 3 steps of lr 1e-2 moved the weights
    const st = ref.state();
    expect([...packed.state().keys()].sort()).toEqual([...st.keys()].sort());
    for (const [k, v] of packed.state()) expect(maxAbsDiff(v, st.get(k)!)).toBeLessThan(1e-6);
    const again = new PackedAdam(layout, packed.params.slice(), opts);
    again.setState(st);
    expect(again.t).toBe(3);
    expect(Array.from(again.m)).toEqual(Array.from(pack(layout, (n) => st.get(`adam.m.${n}`))));
    ref.dispose();
    for (const v of vars.values()) v.dispose();
  });
});

describe('data-parallel training (wasm backend, worker threads)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('main + 1 worker gives the weights and losses of one thread over 3 steps (uneven split 2 + 1)', async () => {
    // Adam's update g / (sqrt(v) + eps) amplifies rounding of gradients near 0 (|g| ~ eps) to a
    // large share of lr; a larger eps keeps the comparison about the gradients, not that.
    const config = tinyConfig({ 'train.batch': 3, 'model.dropout': 0.1, 'train.adamEps': 1e-4 }) as LfkitConfig;
    const run = async (threads: number, optimizer: 'packed' | 'tfjs' = 'packed') => {
      const model = LightFieldModel.create(config.model, 7);
      const engine = await parallelEngine(config, model, new Trainer(model, config.train), threads, { optimizer });
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) losses.push((await engine.step(randomBatch(config, 10 + s, 2), s)).loss);
      const weights = new Map([...model.params].map(([n, v]) => [n, v.dataSync().slice()]));
      const stats = engine.pool ? await engine.pool.stats() : [];
      const timing = engine.lastTiming;
      await engine.close();
      return { losses, weights, threads: engine.threads, stats, timing };
    };
    const before = tf.memory().numTensors;
    const one = await run(1);
    const two = await run(2);
    const twoTf = await run(2, 'tfjs');
    expect(maxAbsDiff(twoTf.losses, two.losses)).toBeLessThan(1e-6);
    for (const [n, w] of twoTf.weights) expect(maxAbsDiff(two.weights.get(n)!, w)).toBeLessThan(1e-6);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.timing?.counts).toEqual([2, 1]);
    expect(tf.memory().numTensors).toBe(before);
    // the worker holds its replica (weights + Adam moments of its Trainer) and nothing per step
    expect(two.stats.length).toBe(1);
    expect(maxAbsDiff(two.losses, one.losses)).toBeLessThan(1e-6);
    let worst = 0, moved = 0;
    for (const [n, w] of one.weights) {
      worst = Math.max(worst, maxAbsDiff(two.weights.get(n)!, w));
      moved = Math.max(moved, maxAbsDiff(w, (LightFieldModel.create(config.model, 7).params.get(n)!.dataSync())));
    }
    expect(moved).toBeGreaterThan(1e-3); // the steps did change the weights
    expect(worst).toBeLessThan(1e-6);
  });

  it('a split batch is not the same as training on one part only (the test can fail)', async () => {
    const config = tinyConfig({ 'train.batch': 2 }) as LfkitConfig;
    const model = LightFieldModel.create(config.model, 3);
    const engine = await parallelEngine(config, model, new Trainer(model, config.train), 2);
    const b = randomBatch(config, 5, 2);
    const { loss } = await engine.step(b, 0);
    const ref = LightFieldModel.create(config.model, 3);
    const tr = new Trainer(ref, config.train);
    const part = tr.gradients(sliceBatch(b, 0, 1), 0, 0).loss;
    const whole = tr.gradients(b, 0, 0).loss;
    expect(Math.abs(loss - whole)).toBeLessThan(1e-6);
    expect(Math.abs(loss - part)).toBeGreaterThan(1e-4);
    tr.dispose();
    ref.dispose();
    await engine.close();
  });

  it('split-ray rendering equals one thread (also after a training step: the workers get the new weights); no leaks', async () => {
    const config = tinyConfig({ 'train.batch': 2 }) as LfkitConfig;
    const model = LightFieldModel.create(config.model, 11);
    const engine = await parallelEngine(config, model, new Trainer(model, config.train), 2);
    const single = modelSynthesizer(model);
    const H = config.model.imageSize;
    const b = randomBatch(config, 4, 2);
    const support = { images: [0, 1].map((s) => b.supportRgb.slice(s * H * H * 3, (s + 1) * H * H * 3)), cameras: [0, 1].map((s) => cameraAt(orbitPose(s, 0.2, 2.5), H)) };
    const camera = cameraAt(orbitPose(0.4, 0.3, 2.5), 40); // 1600 rays: split 800 + 800
    const render = async (synth: ViewSynthesizer<unknown>) => {
      const ctx = await synth.encode(support);
      const img = await renderCamera(synth, ctx, camera, { chunk: 1000 });
      synth.dispose(ctx);
      return img.data;
    };
    const before = tf.memory().numTensors;
    const workerBefore = (await engine.pool!.stats())[0]!.numTensors;
    const a0 = await render(single);
    expect(maxAbsDiff(await render(engine.synth), a0)).toBeLessThan(1e-6);
    await engine.step(randomBatch(config, 3, 2), 0);
    const a1 = await render(single);
    expect(maxAbsDiff(a1, a0)).toBeGreaterThan(1e-4); // the step changed the rendering
    expect(maxAbsDiff(await render(engine.synth), a1)).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
    expect((await engine.pool!.stats())[0]!.numTensors).toBe(workerBefore);
    await engine.close();
    // a standalone pool for render / eval
    const m2 = LightFieldModel.create(config.model, 11);
    const par = await openParallelSynthesizer(m2, config, 2);
    expect(par.threads).toBe(2);
    expect(maxAbsDiff(await render(par.synth), a0)).toBeLessThan(1e-6);
    await par.close();
    m2.dispose();
  });

  it('the training loop with 2 threads: interrupted + resumed equals uninterrupted; workers stop', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 0 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-parallel-'));
    const config = tinyConfig({ 'train.steps': 4, 'train.support': [1, 2], 'train.adamEps': 1e-4 }) as LfkitConfig;
    const engines: ParallelTrainEngine[] = [];
    const inner = parallelModelEngines(2);
    const factory: EngineFactory<LfkitConfig> = {
      create: async (c) => track(await inner.create(c)),
      load: async (d, c) => track(await inner.load(d, c)),
    };
    function track(e: TrainEngine): TrainEngine {
      engines.push(e as ParallelTrainEngine);
      return e;
    }
    const common = { dataset: ds, data: { root, category: 'chairs', size: 16 }, quiet: true, logEvery: 1, valEvery: 2, checkpointEvery: 100 };
    await train({ ...common, runDir: path.join(base, 'one'), config, engines: parallelModelEngines(1) });
    await train({ ...common, runDir: path.join(base, 'full'), config, engines: factory });
    const ctl = new AbortController();
    const part = await train({ ...common, runDir: path.join(base, 'part'), config, engines: factory, signal: ctl.signal,
      onRecord: (r) => { if (r.kind === 'train' && r.step === 2) ctl.abort(); } });
    expect(part.reason).toBe('interrupted');
    await train({ ...common, runDir: path.join(base, 'part'), config, engines: factory, resume: true });
    expect(engines.length).toBe(3);
    for (const e of engines) expect(e.threads).toBe(2);
    await Promise.all(engines.map((e) => e.close())); // already disposed by the loop: resolves at once
    for (const e of engines) expect(e.pool!.closed).toBe(true);
    const losses = (d: string) => readMetrics<{ kind: string; loss: number }>(path.join(base, d)).filter((r) => r.kind === 'train').map((r) => r.loss);
    expect(losses('full').length).toBe(4);
    expect(losses('part')).toEqual(losses('full')); // same threads: bit-identical
    expect(maxAbsDiff(losses('full'), losses('one'))).toBeLessThan(1e-6);
    const a = loadModelCheckpoint(runCheckpoint(path.join(base, 'full'), 'last').dir);
    const b = loadModelCheckpoint(runCheckpoint(path.join(base, 'part'), 'last').dir);
    const c = loadModelCheckpoint(runCheckpoint(path.join(base, 'one'), 'last').dir);
    for (const [name, v] of a.model.params) {
      expect(Array.from(b.model.params.get(name)!.dataSync())).toEqual(Array.from(v.dataSync()));
      expect(maxAbsDiff(c.model.params.get(name)!.dataSync(), v.dataSync())).toBeLessThan(1e-6);
    }
    for (const m of [a, b, c]) m.model.dispose();
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  });
});
