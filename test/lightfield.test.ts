import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LightFieldModel, fourierFeatures, fourierFeaturesRef, fourierFeatureWidth, fourierFrequencies, fourierOmegas } from '../src/core/model/index.ts';
import { assertClose, maxAbsDiff } from './helpers/assert-close.ts';
import { tinyConfig, useBackend } from './helpers/model-fixtures.ts';
import { Rng } from '../src/core/util/rng.ts';

beforeAll(async () => { await useBackend('wasm'); });

describe('Fourier features (Eq. 2)', () => {
  it('has n = floor(dF / 12) frequencies and F = 12 n features', () => {
    expect(fourierFrequencies(256)).toBe(21);
    expect(fourierFeatureWidth(256)).toBe(252);
    expect(fourierFeatureWidth(128)).toBe(120);
    expect(Array.from(fourierOmegas(8, 4))).toEqual([1, 2, 4, 8]);
  });

  it('matches hand-computed values for din 2, n 2, sigma 4', () => {
    // w = [1, 4]; v = [0.5, -0.25]: angles pi*[0.5, 2, -0.25, -1] in order i*n + j.
    const v = tf.tensor2d([[0.5, -0.25]]);
    const got = fourierFeatures(v, 4, 2).dataSync();
    const c = Math.SQRT1_2;
    const want = [0, 1, c, -1, /* sines */ 1, 0, -c, 0];
    assertClose(got, want, 1e-6, 0, 'gamma');
    assertClose(fourierFeaturesRef([0.5, -0.25], 4, 2), want, 1e-12, 0, 'gammaRef');
    v.dispose();
  });
});

/** The decoder written out directly from Eqs. 4-9 (no folding), one object: rays [N, 6] -> [N, 3]. */
function referenceDecode(model: LightFieldModel, z: tf.Tensor2D, rays: tf.Tensor2D): tf.Tensor2D {
  const c = model.config;
  const p = (n: string) => model.params.get(n)!;
  const lin = (x: tf.Tensor, n: string) => tf.add(tf.matMul(x as tf.Tensor2D, p(`${n}.weight`) as tf.Tensor2D), p(`${n}.bias`));
  const n = fourierFrequencies(c.fourierWidth);
  return tf.tidy(() => {
    const q = tf.relu(lin(fourierFeatures(rays, c.sigmaQ, n), 'decoder.query'));
    const H = c.decoderHeads, dh = c.decoderWidth / H;
    const Q = lin(q, 'decoder.attn.q'), K = lin(z, 'decoder.attn.k'), V = lin(z, 'decoder.attn.v');
    const heads = [];
    for (let h = 0; h < H; h++) {
      const sl = (t: tf.Tensor) => tf.slice(t, [0, h * dh], [-1, dh]) as tf.Tensor2D;
      const a = tf.softmax(tf.div(tf.matMul(sl(Q), sl(K), false, true), Math.sqrt(dh)));
      heads.push(tf.matMul(a, sl(V)));
    }
    const m = lin(tf.concat(heads, 1), 'decoder.attn.out');
    let h: tf.Tensor | null = null;
    let y: tf.Tensor | null = null;
    c.sigmas.forEach((s, l) => {
      const hF = tf.relu(lin(fourierFeatures(rays, s, n), `decoder.bands.${l}.fourier`));
      const ml = tf.relu(tf.add(hF, lin(m, `decoder.bands.${l}.modulation`)));
      h = h === null ? ml : tf.relu(lin(tf.add(ml, h), `decoder.bands.${l}.mix`));
      const yl = lin(h, `decoder.bands.${l}.out`);
      y = y === null ? yl : tf.add(y, yl);
    });
    return y! as tf.Tensor2D;
  });
}

function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

describe('light-field decoder', () => {
  it('the folded per-object path equals Eqs. 4-9 written out', () => {
    const model = LightFieldModel.create(tinyConfig().model, 1);
    const Z = randomTensor([2, 8, 16], 2) as tf.Tensor3D;
    const rays = randomTensor([2, 20, 6], 3) as tf.Tensor3D;
    const got = model.decode(Z, rays);
    const want = tf.stack([0, 1].map((b) => referenceDecode(model, tf.squeeze(tf.slice(Z, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D, tf.squeeze(tf.slice(rays, [b, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D)));
    expect(got.shape).toEqual([2, 20, 3]);
    assertClose(got.dataSync(), want.dataSync(), 1e-5, 1e-4, 'rgb');
    tf.dispose([Z, rays, got, want]);
    model.dispose();
  });

  it('starts near the output bias (about the mean colour)', () => {
    const model = LightFieldModel.create(tinyConfig().model, 1);
    const Z = randomTensor([1, 8, 16], 2) as tf.Tensor3D;
    const rays = randomTensor([1, 200, 6], 3) as tf.Tensor3D;
    const y = model.decode(Z, rays);
    const mean = tf.mean(y).dataSync()[0]!;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.3);
    tf.dispose([Z, rays, y]);
    model.dispose();
  });

  for (const variant of ['full', 'no-sta', 'no-mfm', 'ipc'] as const) {
    const invariant = variant === 'full' || variant === 'no-mfm';
    it(`${variant}: output ${invariant ? 'does not change' : 'changes'} when Z's tokens are permuted`, () => {
      const model = LightFieldModel.create(tinyConfig({ 'model.variant': variant }).model, 4);
      const Z = randomTensor([1, 8, 16], 5) as tf.Tensor3D;
      const perm = [3, 7, 0, 5, 1, 6, 2, 4];
      const Zp = tf.concat(perm.map((i) => tf.slice(Z, [0, i, 0], [1, 1, -1])), 1) as tf.Tensor3D;
      const rays = randomTensor([1, 30, 6], 6) as tf.Tensor3D;
      const a = model.decode(Z, rays).dataSync();
      const b = model.decode(Zp, rays).dataSync();
      const diff = maxAbsDiff(a, b);
      if (invariant) expect(diff).toBeLessThan(1e-5);
      else expect(diff).toBeGreaterThan(1e-3);
      tf.dispose([Z, Zp, rays]);
      model.dispose();
    });
  }

  it('renderRays matches decode, works in chunks and leaks no tensors', () => {
    const model = LightFieldModel.create(tinyConfig().model, 7);
    const Z = randomTensor([1, 8, 16], 8) as tf.Tensor3D;
    const ctx = model.prepare(Z);
    const rng = new Rng(9);
    const rays = Float32Array.from({ length: 6 * 50 }, () => rng.uniform(-1, 1));
    const before = tf.memory().numTensors;
    const out = model.renderRays(ctx, rays, 16); // 4 chunks, the last partial
    expect(tf.memory().numTensors).toBe(before);
    const ref = model.decode(ctx, tf.tensor3d(rays, [1, 50, 6]));
    assertClose(out, ref.dataSync(), 1e-6, 1e-5, 'render');
    tf.dispose(ref);
    ctx.dispose();
    Z.dispose();
    model.dispose();
  });
});
