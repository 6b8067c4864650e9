import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyModel, formatTtoTable, TestTimeOptimizer, testTimeOptimize, ttoCheckpoints } from '../src/core/analysis/tto.ts';
import { LightFieldModel } from '../src/core/model/index.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import type { SupportSet } from '../src/core/render/render.ts';
import { Rng } from '../src/core/util/rng.ts';
import { tinyConfig, useBackend } from './helpers/model-fixtures.ts';

beforeAll(async () => { await useBackend('cpu'); });
afterAll(async () => { await useBackend('wasm'); });

/** Two 16x16 support views of a smooth colour pattern (something a decoder can fit). */
function tinySupport(size = 16): SupportSet {
  const rng = new Rng(5);
  const images = [0, 1].map(() => {
    const a = rng.uniform(0.2, 0.8);
    return Float32Array.from({ length: size * size * 3 }, (_, i) => {
      const p = Math.floor(i / 3), c = i % 3;
      return 0.5 + 0.4 * Math.sin(a * (p % size) + c) * Math.cos(0.3 * Math.floor(p / size));
    });
  });
  const cameras = [0.3, 2.1].map((az) => cameraAt(orbitPose(az, 0.4, 4), size));
  return { images, cameras };
}

function snapshot(model: LightFieldModel): Map<string, Float32Array> {
  return new Map([...model.params].map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)]));
}

describe('ttoCheckpoints', () => {
  it('0, N/4, N/2, N rounded down and distinct', () => {
    expect(ttoCheckpoints(100)).toEqual([0, 25, 50, 100]);
    expect(ttoCheckpoints(10)).toEqual([0, 2, 5, 10]);
    expect(ttoCheckpoints(2)).toEqual([0, 1, 2]);
    expect(ttoCheckpoints(0)).toEqual([0]);
    expect(() => ttoCheckpoints(-1)).toThrow(/steps/);
  });
});

describe('TestTimeOptimizer', () => {
  it('optimising Z lowers the support-view loss; only Z changes; no tensors leak', () => {
    const cfg = tinyConfig({ 'model.dropout': 0 });
    const model = LightFieldModel.create(cfg.model, 3);
    const before = snapshot(model);
    const n0 = tf.memory().numTensors;
    const tto = new TestTimeOptimizer(model, tinySupport(), { lr: 3e-2, rays: 128, seed: 1 });
    expect(tto.parameterCount).toBe(cfg.model.latentTokens * cfg.model.decoderWidth);
    const z0 = tto.latent();
    const m0 = tto.supportMse();
    tto.step(40);
    const m1 = tto.supportMse();
    expect(tto.steps).toBe(40);
    expect(m1).toBeLessThan(m0 * 0.9);
    const z1 = tto.latent();
    expect(z1.some((v, i) => v !== z0[i])).toBe(true);
    expect(tto.model).toBe(model);
    tto.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    for (const [n, v] of snapshot(model)) expect(v, n).toEqual(before.get(n));
    model.dispose();
  });

  it('the same seed gives the same result', () => {
    const cfg = tinyConfig({ 'model.dropout': 0 });
    const model = LightFieldModel.create(cfg.model, 3);
    const run = () => {
      const t = new TestTimeOptimizer(model, tinySupport(), { lr: 1e-2, rays: 64, seed: 9 });
      t.step(3);
      const z = t.latent();
      t.dispose();
      return z;
    };
    expect(run()).toEqual(run());
    model.dispose();
  });

  it('all: trains a copy of the decoder; the given model is unchanged afterwards; no leaks', () => {
    const cfg = tinyConfig({ 'model.dropout': 0, 'model.variant': 'ipc' });
    const model = LightFieldModel.create(cfg.model, 4);
    const before = snapshot(model);
    const n0 = tf.memory().numTensors;
    const tto = new TestTimeOptimizer(model, tinySupport(), { all: true, lr: 1e-2, rays: 128 });
    expect(tto.model).not.toBe(model);
    const decoderScalars = [...model.params].filter(([n]) => n.startsWith('decoder.')).reduce((a, [, v]) => a + v.size, 0);
    expect(tto.parameterCount).toBe(cfg.model.latentTokens * cfg.model.decoderWidth + decoderScalars);
    const m0 = tto.supportMse();
    tto.step(30);
    expect(tto.supportMse()).toBeLessThan(m0);
    const trained = snapshot(tto.model);
    // the copy's decoder moved, its encoder did not
    expect(trained.get('decoder.query.weight')!.some((v, i) => v !== before.get('decoder.query.weight')![i])).toBe(true);
    for (const [n, v] of trained) if (!n.startsWith('decoder.')) expect(v, n).toEqual(before.get(n));
    tto.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    for (const [n, v] of snapshot(model)) expect(v, n).toEqual(before.get(n));
    model.dispose();
  });

  it('copyModel gives independent variables with equal values', () => {
    const cfg = tinyConfig();
    const model = LightFieldModel.create(cfg.model, 6);
    const copy = copyModel(model);
    const w = copy.params.get('decoder.query.bias')!;
    expect(w).not.toBe(model.params.get('decoder.query.bias'));
    expect(w.dataSync()).toEqual(model.params.get('decoder.query.bias')!.dataSync());
    tf.tidy(() => w.assign(tf.zerosLike(w)));
    expect(model.params.get('decoder.query.bias')!.dataSync().some((v) => v !== 0)).toBe(true);
    copy.dispose();
    model.dispose();
  });
});

describe('testTimeOptimize', () => {
  it('measures at 0, N/4, N/2, N with support and query PSNR; the report formats; no leaks', () => {
    const cfg = tinyConfig({ 'model.dropout': 0 });
    const model = LightFieldModel.create(cfg.model, 7);
    const support = tinySupport();
    const n0 = tf.memory().numTensors;
    const query = { name: 'q', camera: support.cameras[0]!, truth: support.images[0]! };
    const seen: number[] = [];
    const { report, optimizer } = testTimeOptimize(model, support, { steps: 8, lr: 3e-2, rays: 64, queries: [query], onPoint: (p) => seen.push(p.step) });
    expect(report.points.map((p) => p.step)).toEqual([0, 2, 4, 8]);
    expect(seen).toEqual([0, 2, 4, 8]);
    expect(report.points[0]!.seconds).toBe(0);
    for (let i = 1; i < 4; i++) expect(report.points[i]!.seconds).toBeGreaterThanOrEqual(report.points[i - 1]!.seconds);
    // the query is a support view here, so its PSNR follows the fitted objective
    expect(report.points[3]!.supportPsnr).toBeGreaterThan(report.points[0]!.supportPsnr);
    expect(report.points[3]!.queryPsnr!).toBeGreaterThan(report.points[0]!.queryPsnr!);
    expect(report.points[0]!.perQuery).toHaveLength(1);
    const table = formatTtoTable(report);
    expect(table).toMatch(/Z only/);
    expect(table.split('\n')).toHaveLength(2 + 4);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    // without queries the query PSNR is null
    const r2 = testTimeOptimize(model, support, { steps: 1 });
    expect(r2.report.points.every((p) => p.queryPsnr === null)).toBe(true);
    r2.optimizer.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    model.dispose();
  });
});
