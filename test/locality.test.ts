import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absDiffMap, chooseTokens, colormap, concentration, finiteMean, rescaleToMax, tokenEffects } from '../src/core/analysis/locality.ts';
import { LightFieldModel } from '../src/core/model/index.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { renderCamera } from '../src/core/render/render.ts';
import { Rng } from '../src/core/util/rng.ts';
import { assertClose } from './helpers/assert-close.ts';
import { tinyConfig, useBackend } from './helpers/model-fixtures.ts';

beforeAll(async () => { await useBackend('cpu'); });
afterAll(async () => { await useBackend('wasm'); });

describe('pure locality functions', () => {
  it('absDiffMap: |a - b| averaged over channels', () => {
    const a = new Float32Array([1, 1, 1, 0, 0, 0]);
    const b = new Float32Array([0, 0.5, 1, 0.3, -0.3, 0]);
    assertClose(absDiffMap(a, b), [0.5, 0.2]);
    assertClose(absDiffMap([1, 2, 3, 4], [0, 0, 0, 0], 2), [1.5, 3.5]);
    expect(() => absDiffMap([1, 2, 3], [1, 2])).toThrow(/lengths/);
  });

  it('rescaleToMax: max becomes 1; zero map stays zero', () => {
    assertClose(rescaleToMax([0, 2, 4, 1]), [0, 0.5, 1, 0.25]);
    expect([...rescaleToMax([0, 0, 0])]).toEqual([0, 0, 0]);
  });

  it('concentration: share of the total in the top 10% of pixels', () => {
    // n = 10: top 1 pixel; 4 of 5
    expect(concentration([4, 0, 0, 0, 0, 0, 0, 0, 0, 1])).toBeCloseTo(0.8, 12);
    // uniform map: exactly the fraction
    expect(concentration(new Array(20).fill(3))).toBeCloseTo(0.1, 12);
    // n = 20: top 2 pixels = 5 + 3 of a total of 5 + 3 + 18 * 1 = 26
    expect(concentration([1, 5, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toBeCloseTo(8 / 26, 12);
    // n = 15: ceil(1.5) = 2 pixels
    expect(concentration([...new Array(13).fill(0), 1, 1])).toBe(1);
    // other fraction: top half of [1, 2, 3, 4] = 7 / 10
    expect(concentration([3, 1, 4, 2], 0.5)).toBeCloseTo(0.7, 12);
    expect(concentration([0, 0, 0])).toBeNaN();
    expect(() => concentration([1, -1])).toThrow(/non-negative/);
    expect(() => concentration([1], 0)).toThrow(/fraction/);
  });

  it('finiteMean skips NaN', () => {
    expect(finiteMean([1, NaN, 3])).toBe(2);
    expect(finiteMean([NaN])).toBeNaN();
  });

  it('colormap: LUT ends, midpoint, interpolation and clamping', () => {
    assertClose(colormap([0, 1, 0.5], 'magma'), [0, 0, 4 / 255, 252 / 255, 253 / 255, 191 / 255, 183 / 255, 55 / 255, 121 / 255], 1e-6);
    // halfway between stops 0 and 1 (v = 1/32): mean of [0, 0, 4] and [10, 8, 34]
    assertClose(colormap([1 / 32]), [5 / 255, 4 / 255, 19 / 255], 1e-6);
    assertClose(colormap([-1, 2, NaN]), [0, 0, 4 / 255, 252 / 255, 253 / 255, 191 / 255, 0, 0, 4 / 255], 1e-6);
    assertClose(colormap([0, 1], 'viridis'), [68 / 255, 1 / 255, 84 / 255, 253 / 255, 231 / 255, 37 / 255], 1e-6);
  });

  it('chooseTokens: seeded, distinct, sorted; all when count >= R', () => {
    const a = chooseTokens(64, 16, 0);
    expect(a).toEqual(chooseTokens(64, 16, 0));
    expect(new Set(a).size).toBe(16);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((t) => t >= 0 && t < 64)).toBe(true);
    expect(chooseTokens(64, 16, 1)).not.toEqual(a);
    expect(chooseTokens(4, 16)).toEqual([0, 1, 2, 3]);
    expect(() => chooseTokens(4, 0)).toThrow(/count/);
  });
});

describe('tokenEffects', () => {
  const rng = new Rng(2);
  const support = {
    images: [Float32Array.from({ length: 16 * 16 * 3 }, () => rng.uniform(0, 1))],
    cameras: [cameraAt(orbitPose(0.4, 0.3, 4), 16)],
  };
  const query = cameraAt(orbitPose(1.4, 0.5, 4), 12);

  for (const variant of ['full', 'ipc'] as const) {
    it(`${variant}: base equals a plain render; one map per token; no tensors leak`, async () => {
      const cfg = tinyConfig({ 'model.variant': variant });
      const model = LightFieldModel.create(cfg.model, 11);
      const synth = modelSynthesizer(model);
      const ctx = await synth.encode(support);
      const plain = await renderCamera(synth, ctx, query);
      ctx.dispose();
      const n0 = tf.memory().numTensors;
      const fx = tokenEffects(model, support, query, [0, 5]);
      expect(tf.memory().numTensors).toBe(n0);
      assertClose(fx.base.data, plain.data, 1e-5);
      expect(fx.tokens).toEqual([0, 5]);
      expect(fx.maps).toHaveLength(2);
      for (const m of fx.maps) {
        expect(m).toHaveLength(12 * 12);
        expect(Math.max(...m)).toBeGreaterThan(0);
      }
      fx.concentration.forEach((c, i) => expect(c).toBeCloseTo(concentration(fx.maps[i]!), 12));
      expect(() => tokenEffects(model, support, query, [cfg.model.latentTokens])).toThrow(/token/);
      expect(tf.memory().numTensors).toBe(n0);
      model.dispose();
    });
  }
});
