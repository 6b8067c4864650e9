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

/**
 * Central-difference check of every parameter tensor separately: a random unit direction within
 * that tensor alone, so a wrong gradient of one small tensor cannot hide behind the others.
 * Returns `name: numeric vs analytic` lines for the tensors that disagree.
 */
function perTensorGradientCheck(model: LightFieldModel, batch: ReturnType<typeof randomBatch>, seed: number): string[] {
  const { grads } = lossAndGrads(model, batch);
  const rng = new Rng(seed);
  const bad: string[] = [];
  const lossNow = (): number => {
    const t = batchTensors(batch);
    const l = batchLoss(model, t);
    const val = l.dataSync()[0]!;
    tf.dispose([l, t.rgb, t.plucker, t.rays, t.target]);
    return val;
  };
  for (const [name, v] of model.params) {
    const base = v.dataSync().slice() as Float32Array;
    const d = Float64Array.from({ length: v.size }, () => rng.normal());
    const dn = Math.sqrt(d.reduce((a, x) => a + x * x, 0));
    const g = grads.get(name)!;
    let analytic = 0;
    for (let i = 0; i < d.length; i++) analytic += (g[i]! * d[i]!) / dn;
    // Small enough that few rays cross a ReLU kink, large enough for float32 loss differences.
    const eps = 5e-4;
    const at = (e: number): number => {
      tf.tidy(() => v.assign(tf.tensor(base.map((x, i) => x + (e * d[i]!) / dn), v.shape)));
      return lossNow();
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
    // float32 loss differences resolve slopes of ~3e-5; above that 5% relative (ReLU kinks).
    if (!(Math.abs(numeric - analytic) <= 5e-2 * Math.abs(analytic) + 3e-5)) bad.push(`${name}: numeric ${numeric.toExponential(3)} vs analytic ${analytic.toExponential(3)}`);
  }
  return bad;
}

describe('gradients', () => {
  for (const variant of ['full', 'no-sta', 'no-mfm', 'ipc'] as const) {
    it(`${variant}: the analytic gradient of every parameter tensor matches central differences along a random direction`, async () => {
      await useBackend('cpu');
      const cfg = tinyConfig({ 'model.dropout': 0, 'model.variant': variant });
      const model = LightFieldModel.create(cfg.model, 21);
      const batch = randomBatch(cfg, 22, 2);
      expect(perTensorGradientCheck(model, batch, 23)).toEqual([]);
      model.dispose();
    }, 180_000);
  }

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
});
