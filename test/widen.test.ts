import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { batchLoss, batchTensors, LightFieldModel, resolveConfig, Trainer, widenIndex, widenOptimizerState, widenWeights, type LfkitConfig, type Tensor32 } from '../src/core/model/index.ts';
import { trainConfigFromFlags } from '../src/cli/train.ts';
import { modelEngines } from '../src/node/training/model-engine.ts';
import { loadInitCheckpoint } from '../src/node/runs/checkpoint.ts';
import { train } from '../src/node/training/train.ts';
import { runCheckpoint } from '../src/node/runs/run-folder.ts';
import { randomBatch, tinyConfig, TINY_RUN, useBackend } from './helpers/model-fixtures.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

beforeAll(async () => { await useBackend('cpu'); });
afterAll(async () => { await useBackend('wasm'); });

function weightsOf(model: LightFieldModel): Map<string, Tensor32> {
  return new Map([...model.params].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync().slice() as Float32Array }]));
}

/** Predicted colours of a batch (encoder in inference mode, so no dropout). */
function predict(model: LightFieldModel, batch: ReturnType<typeof randomBatch>): Float32Array {
  const t = batchTensors(batch);
  const out = tf.tidy(() => model.decode(model.encode(t.rgb, t.plucker), t.rays).dataSync() as Float32Array);
  tf.dispose([t.rgb, t.plucker, t.rays, t.target]);
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A model of `from` after one training step, its Adam state, and both widened to `to`. */
function widenedAfterOneStep(from: LfkitConfig, to: LfkitConfig) {
  const small = LightFieldModel.create(from.model, 5);
  const trainer = new Trainer(small, from.train);
  trainer.step(randomBatch(from, 7, 2), 0);
  const state = trainer.optimizerState();
  const shapes = new Map([...small.params].map(([n, v]) => [n, v.shape]));
  const wideState = widenOptimizerState(from.model, to.model, state, shapes);
  const wide = LightFieldModel.fromWeights(to.model, widenWeights(from.model, to.model, weightsOf(small), 9));
  trainer.dispose();
  small.dispose();
  return { state, wideState, wide };
}

/** The widened Adam state loads into a trainer of the widened model, which then takes a step. */
function expectTrainsWith(wide: LightFieldModel, wideState: Map<string, Float32Array>, to: LfkitConfig): void {
  const wideTrainer = new Trainer(wide, to.train);
  wideTrainer.setOptimizerState(wideState);
  expect(() => wideTrainer.step(randomBatch(to, 8, 2), 1)).not.toThrow();
  wideTrainer.dispose();
  wide.dispose();
}

describe('widening the decoder', () => {
  it('moves old features head by head into the first dh slots of each wider head', () => {
    expect(Array.from(widenIndex(4, 8, 2))).toEqual([0, 1, 4, 5]);
    expect(Array.from(widenIndex(6, 9, 3))).toEqual([0, 1, 3, 4, 6, 7]);
  });

  for (const variant of ['full', 'no-mfm'] as const) {
    it(`${variant}: the wider model predicts the same colours, and its new units get gradients`, () => {
      const from = tinyConfig({ 'model.variant': variant, 'model.dropout': 0 });
      const to = tinyConfig({ 'model.variant': variant, 'model.dropout': 0, 'model.decoderWidth': 32 });
      const small = LightFieldModel.create(from.model, 5);
      const wide = LightFieldModel.fromWeights(to.model, widenWeights(from.model, to.model, weightsOf(small), 9));
      const batch = randomBatch(from, 6, 2);
      const a = predict(small, batch);
      const b = predict(wide, batch);
      expect(a.length).toBe(from.train.batch * from.train.rays * 3);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      // a fresh model of the wider config predicts something else (the check could fail)
      const fresh = LightFieldModel.create(to.model, 5);
      expect(maxAbsDiff(a, predict(fresh, batch))).toBeGreaterThan(1e-2);
      // the zero outgoing weights of the new units have non-zero gradients
      const t = batchTensors(batch);
      const outName = variant === 'full' ? 'decoder.bands.1.out.weight' : 'decoder.out.weight';
      const v = wide.params.get(outName)!;
      const { grads } = tf.variableGrads(() => batchLoss(wide, t), [v]);
      const g = grads[v.name]!.dataSync();
      const index = widenIndex(16, 32, 2);
      const newRows = Array.from({ length: 32 }, (_, j) => j).filter((j) => !Array.from(index).includes(j));
      const newGrad = newRows.reduce((s, j) => s + Math.abs(g[j * 3]!) + Math.abs(g[j * 3 + 1]!) + Math.abs(g[j * 3 + 2]!), 0);
      expect(newGrad).toBeGreaterThan(0);
      expect(Array.from(v.dataSync()).filter((_, i) => newRows.includes(Math.floor(i / 3))).every((x) => x === 0)).toBe(true);
      tf.dispose([t.rgb, t.plucker, t.rays, t.target, ...Object.values(grads)]);
      for (const m of [small, wide, fresh]) m.dispose();
    });
  }

  it('widens the Adam moments with the weights (new entries 0) and keeps the update count', () => {
    const from = tinyConfig({ 'model.dropout': 0 });
    const to = tinyConfig({ 'model.dropout': 0, 'model.decoderWidth': 32 });
    const { state, wideState, wide } = widenedAfterOneStep(from, to);
    expect([...wideState.keys()].sort()).toEqual([...state.keys()].sort());
    for (const [name, v] of wide.params) {
      expect(wideState.get(`adam.m.${name}`)!.length, name).toBe(v.size);
      expect(wideState.get(`adam.v.${name}`)!.length, name).toBe(v.size);
    }
    expect(Array.from(wideState.get('adam.t')!)).toEqual(Array.from(state.get('adam.t')!));
    // the query projection's moments: m / s and v / s^2 with s = sqrt(2); old position (0, 0) stays at (0, 0)
    expect(wideState.get('adam.m.decoder.attn.q.weight')![0]).toBeCloseTo(state.get('adam.m.decoder.attn.q.weight')![0]! / Math.SQRT2, 6);
    expect(wideState.get('adam.v.decoder.attn.q.weight')![0]).toBeCloseTo(state.get('adam.v.decoder.attn.q.weight')![0]! / 2, 9);
    // a new column of a grown layer has zero moments; the encoder's are the same arrays' values
    expect(wideState.get('adam.m.decoder.attn.k.weight')![8]).toBe(0);
    expect(Array.from(wideState.get('adam.m.encoder.embed.weight')!)).toEqual(Array.from(state.get('adam.m.encoder.embed.weight')!));
    expectTrainsWith(wide, wideState, to);
  });

  it('refuses what it cannot widen, naming the field', () => {
    const from = tinyConfig();
    const w = weightsOf(LightFieldModel.create(from.model, 1));
    expect(() => widenWeights(from.model, tinyConfig({ 'model.decoderWidth': 8 }).model, w, 1)).toThrow(/model.decoderWidth: 8 is narrower than the checkpoint's 16/);
    expect(() => widenWeights(from.model, tinyConfig({ 'model.decoderWidth': 32, 'model.encoderBlocks': 1 }).model, w, 1)).toThrow(/model.encoderBlocks: 2 in the checkpoint vs 1/);
    expect(() => widenWeights(from.model, tinyConfig({ 'model.latentTokens': 4 }).model, w, 1)).toThrow(/model.latentTokens: 4 is not a multiple of the checkpoint's 8/);
    expect(() => widenWeights(from.model, tinyConfig({ 'model.latentTokens': 12 }).model, w, 1)).toThrow(/model.latentTokens: 12 is not a multiple/);
    const ipc = tinyConfig({ 'model.variant': 'ipc' });
    expect(() => widenWeights(ipc.model, tinyConfig({ 'model.variant': 'ipc', 'model.decoderWidth': 32 }).model, weightsOf(LightFieldModel.create(ipc.model, 1)), 1)).toThrow(/variant 'ipc' cannot be widened/);
  });

  it('lfkit train --init CKPT --set model.decoderWidth=W starts the wider run from the checkpoint', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 0 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-widen-'));
    const TINY = { ...TINY_RUN, 'model.dropout': 0, 'train.steps': 2 };
    const common = { dataset: ds, data: { root, category: 'chairs', size: 16 }, engines: modelEngines, quiet: true, logEvery: 1, valEvery: 100, checkpointEvery: 100 };
    const src = path.join(base, 'src');
    await train({ ...common, runDir: src, config: resolveConfig('cpu', TINY) as LfkitConfig });
    const ckpt = path.join(src, 'checkpoints', 'last');
    const { config } = trainConfigFromFlags({ out: path.join(base, 'wide'), data: root, category: 'chairs', init: ckpt, set: ['model.decoderWidth=32', 'train.support=1,2', 'train.batch=2'], rays: 16, steps: 1, lr: 1e-12 } as Parameters<typeof trainConfigFromFlags>[0]);
    expect(config.model.decoderWidth).toBe(32);
    // the engine's start: same colours as the checkpoint
    const before = loadInitCheckpoint(ckpt, resolveConfig('cpu', TINY) as LfkitConfig);
    const widened = loadInitCheckpoint(ckpt, config);
    const batch = randomBatch(config, 3, 2);
    expect(maxAbsDiff(predict(before.model, batch), predict(widened.model, batch))).toBeLessThan(1e-5);
    expect(widened.optimizer!.get('adam.m.decoder.query.weight')!.length).toBe(widened.model.params.get('decoder.query.weight')!.size);
    before.model.dispose();
    widened.model.dispose();
    // and the run trains and saves at the new width
    const res = await train({ ...common, runDir: path.join(base, 'wide'), config, init: ckpt });
    expect(res.step).toBe(1);
    const saved = JSON.parse(fs.readFileSync(path.join(runCheckpoint(path.join(base, 'wide'), 'last').dir, 'config.json'), 'utf8'));
    expect(saved.model.decoderWidth).toBe(32);
    // any other model change is refused, naming the field and the checkpoint
    const bad = { ...config, model: { ...config.model, encoderBlocks: 2 } };
    expect(() => loadInitCheckpoint(ckpt, bad)).toThrow(/config\.json: model.encoderBlocks: 1 in the checkpoint vs 2/);
    // and a run that cannot start from the checkpoint leaves no run folder behind
    await expect(train({ ...common, runDir: path.join(base, 'bad'), config: bad, init: ckpt })).rejects.toThrow(/model.encoderBlocks/);
    expect(fs.existsSync(path.join(base, 'bad'))).toBe(false);
  });
});

describe('more latent tokens', () => {
  it('copies each token R\'/R times; the decoder computes the same colours from copied tokens', () => {
    const from = tinyConfig({ 'model.dropout': 0 });
    const to = tinyConfig({ 'model.dropout': 0, 'model.latentTokens': 16 });
    const small = LightFieldModel.create(from.model, 5);
    const old = weightsOf(small);
    const exact = widenWeights(from.model, to.model, old, 9, 0);
    const lat = old.get('encoder.latents')!;
    const [R, D] = lat.shape as [number, number];
    expect(exact.get('encoder.latents')!.shape).toEqual([2 * R, D]);
    expect(Array.from(exact.get('encoder.latents')!.data.subarray(R * D))).toEqual(Array.from(lat.data));
    // every other parameter is the same array
    for (const [name, t] of old) if (name !== 'encoder.latents') expect(exact.get(name), name).toBe(t);
    const wide = LightFieldModel.fromWeights(to.model, exact);
    const batch = randomBatch(from, 6, 2);
    const t = batchTensors(batch);
    const [a, b, z2] = tf.tidy(() => {
      const z = small.encode(t.rgb, t.plucker);
      const zz = tf.concat([z, z], 1) as tf.Tensor3D;
      return [small.decode(z, t.rays).dataSync(), wide.decode(zz, t.rays).dataSync(), wide.encode(t.rgb, t.plucker).arraySync()];
    });
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // the widened encoder's copies come out identical (exact copies, no noise) ...
    for (const obj of z2 as number[][][]) for (let j = 0; j < R; j++) expect(maxAbsDiff(obj[j]!, obj[j + R]!)).toBeLessThan(1e-5);
    // ... but not equal to the old Z: in the encoder the copies weigh twice (module header)
    const zOld = tf.tidy(() => small.encode(t.rgb, t.plucker).arraySync()) as number[][][];
    expect(maxAbsDiff(zOld[0]!.flat(), (z2 as number[][][])[0]!.slice(0, R).flat())).toBeGreaterThan(1e-6);
    // with the default noise the copies differ by about that noise
    const noisy = widenWeights(from.model, to.model, old, 9).get('encoder.latents')!.data;
    let ss = 0;
    for (let i = 0; i < R * D; i++) ss += (noisy[R * D + i]! - lat.data[i]!) ** 2;
    expect(Math.sqrt(ss / (R * D))).toBeGreaterThan(0.01);
    expect(Math.sqrt(ss / (R * D))).toBeLessThan(0.04);
    expect(Array.from(noisy.subarray(0, R * D))).toEqual(Array.from(lat.data));
    tf.dispose([t.rgb, t.plucker, t.rays, t.target]);
    small.dispose();
    wide.dispose();
  });

  it('copies the latent tokens\' Adam moments, and the run trains with more tokens', () => {
    const from = tinyConfig({ 'model.dropout': 0 });
    const to = tinyConfig({ 'model.dropout': 0, 'model.latentTokens': 24, 'model.decoderWidth': 32 });
    const { state, wideState, wide } = widenedAfterOneStep(from, to);
    const m = state.get('adam.m.encoder.latents')!;
    const wm = wideState.get('adam.m.encoder.latents')!;
    expect(wm.length).toBe(3 * m.length);
    expect(Array.from(wm.subarray(2 * m.length))).toEqual(Array.from(m));
    expect(Array.from(m).some((x) => x !== 0)).toBe(true);
    expectTrainsWith(wide, wideState, to);
  });

  it('refuses more tokens for the IPC variants, naming the field', () => {
    const ipc = tinyConfig({ 'model.variant': 'no-sta' });
    const w = weightsOf(LightFieldModel.create(ipc.model, 1));
    expect(() => widenWeights(ipc.model, tinyConfig({ 'model.variant': 'no-sta', 'model.latentTokens': 16 }).model, w, 1)).toThrow(/model.latentTokens: variant 'no-sta' cannot be widened/);
  });
});
