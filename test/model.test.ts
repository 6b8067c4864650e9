import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { LightFieldModel, Trainer, batchLoss, batchTensors } from '../src/core/model/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { randomBatch, tinyConfig, useBackend } from './helpers/model-fixtures.ts';

afterAll(async () => { await useBackend('wasm'); });

/** Loss (dropout off) and its gradients by parameter name. */
function lossAndGrads(model: LightFieldModel, batch: ReturnType<typeof randomBatch>): { loss: number; grads: Map<string, Float32Array> } {
  const t = batchTensors(batch);
  const names = [...model.params.keys()];
  const vars = names.map((n) => model.params.get(n)!);
  const { value, grads } = tf.variableGrads(() => batchLoss(model, t), vars);
  const out = new Map<string, Float32Array>();
  names.forEach((n, i) => out.set(n, grads[vars[i]!.name]!.dataSync() as Float32Array));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads), t.rgb, t.plucker, t.rays, t.target]);
  return { loss, grads: out };
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

describe('gradients', () => {
  it('central-difference directional derivative agrees with the analytic one (1e-2 relative)', async () => {
    await useBackend('cpu');
    const cfg = tinyConfig({ 'model.dropout': 0 });
    const model = LightFieldModel.create(cfg.model, 21);
    const batch = randomBatch(cfg, 22, 2);
    const { grads } = lossAndGrads(model, batch);
    // Direction: half the normalised gradient, half a random unit vector (a purely random
    // direction over all parameters has a slope too small to resolve in float32).
    const rng = new Rng(23);
    const gn = Math.sqrt([...grads.values()].reduce((a, g) => a + g.reduce((x, y) => x + y * y, 0), 0));
    const rand = new Map<string, Float32Array>();
    let r2 = 0;
    for (const [name, v] of model.params) {
      const d = Float32Array.from({ length: v.size }, () => rng.normal());
      rand.set(name, d);
      r2 += d.reduce((a, x) => a + x * x, 0);
    }
    const dir = new Map<string, Float32Array>();
    let n2 = 0;
    for (const [name, d] of rand) {
      const g = grads.get(name)!;
      const m = d.map((x, i) => x / Math.sqrt(r2) + g[i]! / gn);
      dir.set(name, m);
      n2 += m.reduce((a, x) => a + x * x, 0);
    }
    const scale = 1 / Math.sqrt(n2);
    let analytic = 0;
    for (const [name, d] of dir) { const g = grads.get(name)!; for (let i = 0; i < d.length; i++) analytic += g[i]! * d[i]! * scale; }
    const base = new Map([...model.params].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
    const lossAt = (eps: number): number => {
      for (const [name, v] of model.params) {
        const b = base.get(name)!, d = dir.get(name)!;
        tf.tidy(() => v.assign(tf.tensor(b.map((x, i) => x + eps * scale * d[i]!), v.shape)));
      }
      const t = batchTensors(batch);
      const l = batchLoss(model, t);
      const val = l.dataSync()[0]!;
      tf.dispose([l, t.rgb, t.plucker, t.rays, t.target]);
      return val;
    };
    const eps = 1e-2;
    const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3);
    expect(Math.abs(numeric - analytic) / Math.abs(analytic)).toBeLessThan(1e-2);
    model.dispose();
  }, 60_000);

  it('cpu and wasm gradients agree per tensor within 1e-4 relative', async () => {
    const cfg = tinyConfig({ 'model.dropout': 0 });
    const batch = randomBatch(cfg, 31, 3);
    await useBackend('cpu');
    const mc = LightFieldModel.create(cfg.model, 30);
    const gc = lossAndGrads(mc, batch);
    mc.dispose();
    await useBackend('wasm');
    const mw = LightFieldModel.create(cfg.model, 30);
    const gw = lossAndGrads(mw, batch);
    mw.dispose();
    expect(Math.abs(gc.loss - gw.loss)).toBeLessThan(1e-6);
    for (const [name, a] of gc.grads) {
      const b = gw.grads.get(name)!;
      const diff = norm(a.map((x, i) => x - b[i]!));
      if (norm(a) < 1e-6) {
        // Identically zero in exact arithmetic (e.g. the attention key bias: softmax ignores a
        // constant shift of every score), so only rounding noise is left: compare absolutely.
        expect(diff, name).toBeLessThan(1e-6);
        continue;
      }
      expect(diff / norm(a), name).toBeLessThan(1e-4);
    }
  }, 60_000);
});

/** Objects [from, to) of a batch. */
function sliceBatch(b: ReturnType<typeof randomBatch>, from: number, to: number): ReturnType<typeof randomBatch> {
  const per = (arr: Float32Array) => arr.length / b.B;
  const cut = (arr: Float32Array) => arr.slice(from * per(arr), to * per(arr));
  return { ...b, B: to - from, supportRgb: cut(b.supportRgb), supportPlucker: cut(b.supportPlucker), queryRays: cut(b.queryRays), queryRgb: cut(b.queryRgb) };
}

describe('training', () => {
  it('data-parallel gradients (batch split, dropout on) equal the whole batch\'s up to rounding', async () => {
    await useBackend('wasm');
    const cfg = tinyConfig({ 'train.batch': 3 });
    const model = LightFieldModel.create(cfg.model, 70);
    const trainer = new Trainer(model, cfg.train);
    const batch = randomBatch(cfg, 71);
    const whole = trainer.gradients(batch, 5);
    const a = trainer.gradients(sliceBatch(batch, 0, 1), 5, 0);
    const b = trainer.gradients(sliceBatch(batch, 1, 3), 5, 1);
    expect((a.loss * 1 + b.loss * 2) / 3).toBeCloseTo(whole.loss, 6);
    for (const [name, g] of whole.grads) {
      const avg = g.map((_, i) => (a.grads.get(name)![i]! * 1 + b.grads.get(name)![i]! * 2) / 3);
      const diff = norm(avg.map((x, i) => x - g[i]!));
      expect(diff, name).toBeLessThan(1e-5 * Math.max(norm(g), 1e-2));
    }
    trainer.dispose();
    model.dispose();
  });

  it('leaves tf.memory().numTensors unchanged across forward + backward + update', async () => {
    await useBackend('wasm');
    const cfg = tinyConfig();
    const model = LightFieldModel.create(cfg.model, 40);
    const trainer = new Trainer(model, cfg.train);
    const batch = randomBatch(cfg, 41);
    trainer.step(batch, 0); // first step may allocate lazily-created state
    const before = tf.memory().numTensors;
    trainer.step(batch, 1);
    trainer.step(batch, 2);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
  });

  for (const variant of ['full', 'no-sta', 'no-mfm', 'ipc'] as const) {
    it(`${variant} builds, trains a few steps and lowers the loss on a fixed batch`, async () => {
      await useBackend('wasm');
      const cfg = tinyConfig({ 'model.variant': variant, 'model.dropout': 0 });
      const model = LightFieldModel.create(cfg.model, 50);
      const trainer = new Trainer(model, cfg.train);
      const batch = randomBatch(cfg, 51);
      const first = trainer.evalLoss(batch);
      for (let s = 0; s < 8; s++) trainer.step(batch, s);
      const last = trainer.evalLoss(batch);
      expect(last).toBeLessThan(first * 0.9);
      trainer.dispose();
      model.dispose();
    });
  }
});
