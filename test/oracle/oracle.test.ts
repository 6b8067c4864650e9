/**
 * The model (float32: wasm, wasm with the native OpenBLAS kernels, cpu) against the independent float64 reference in
 * reference-model.ts, layer by layer, for the encoder and all four decoder variants.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LightFieldModel, fourierFeaturesInto, fourierOmegas, parameterSpecs, resolveConfig, type LfkitConfig } from '../../src/core/index.ts';
import { Rng } from '../../src/core/util/rng.ts';
import { useBackend } from '../helpers/model-fixtures.ts';
import { erf, gelu, referenceDecode, referenceEncode, type Mat, type Params, type ReferenceConfig } from './reference-model.ts';

/** Agreement required of float32 against float64: |model - reference| <= TOL max(1, |reference|). */
const TOL = 1e-5;

/**
 * Tiny seeded configuration: image 8, p 4 (P 4), 2 support views, D 12 with 3 heads, 2 blocks,
 * R 4, d 8 with 2 decoder heads, n 3 Fourier frequencies (dF 36), three levels (8, 4, 2).
 */
function oracleConfig(variant: string, gelu: 'erf' | 'tanh'): Readonly<LfkitConfig> {
  return resolveConfig('cpu', {
    'model.imageSize': 8, 'model.patch': 4, 'model.encoderWidth': 12, 'model.encoderHeads': 3, 'model.encoderBlocks': 2,
    'model.latentTokens': 4, 'model.decoderWidth': 8, 'model.decoderHeads': 2, 'model.fourierWidth': 36,
    'model.sigmas': '8,4,2', 'model.sigmaQ': 2, 'model.variant': variant, 'model.gelu': gelu,
  });
}

function referenceConfig(c: LfkitConfig['model']): ReferenceConfig {
  return { ...c };
}

/**
 * Every parameter drawn at random (LayerNorm gains and biases included, so a swapped gain and
 * bias cannot hide behind the 1 / 0 initialisation): weights U(-1/sqrt(fan_in), ...) like the
 * init, LayerNorm gains around 1, biases and tables around 0.
 */
function randomWeights(c: LfkitConfig['model'], seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = new Rng(seed);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const s of parameterSpecs(c).specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const bound = s.shape.length === 2 ? 1 / Math.sqrt(s.shape[0]!) : 0.5;
    const centre = /\.ln\d?\.weight$|encoder\.ln\.weight$/.test(s.name) ? 1 : 0;
    out.set(s.name, { shape: s.shape, data: Float32Array.from({ length: n }, () => centre + rng.uniform(-bound, bound) * (s.name.includes('latents') || s.name.includes('pos') ? 2 : 1)) });
  }
  return out;
}

function toParams(w: Map<string, { data: Float32Array }>): Params {
  return new Map([...w].map(([k, v]) => [k, Float64Array.from(v.data)]));
}

/** Stacks per-object reference matrices of one layer row-wise (the model's `[B * rows, cols]`). */
function stack(ms: Mat[]): Float64Array {
  const out = new Float64Array(ms.reduce((a, m) => a + m.data.length, 0));
  let o = 0;
  for (const m of ms) { out.set(m.data, o); o += m.data.length; }
  return out;
}

/** Largest |a - b| / max(1, |b|). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(e <= w)) w = Number.isNaN(e) ? Infinity : e;
  }
  return w;
}

/** Compares every traced layer with the reference; returns `layer: error` lines of the failures. */
function compareLayers(traced: Map<string, Float32Array>, reference: Map<string, Mat>[]): { failures: string[]; compared: string[] } {
  const failures: string[] = [];
  const compared: string[] = [];
  for (const layer of reference[0]!.keys()) {
    const got = traced.get(layer);
    if (!got) { failures.push(`${layer}: not traced by the model`); continue; }
    const e = worst(got, stack(reference.map((r) => r.get(layer)!)));
    compared.push(layer);
    if (!(e <= TOL)) failures.push(`${layer}: relative error ${e.toExponential(2)}`);
  }
  return { failures, compared };
}

/** Two objects' support views and rays, with ray values up to 1.5 in magnitude. */
function inputs(c: LfkitConfig['model'], seed: number, S: number, N: number) {
  const rng = new Rng(seed);
  const B = 2, H = c.imageSize;
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  return { B, S, N, rgb: fill(B * S * H * H * 3, 0, 1), plucker: fill(B * S * H * H * 6, -1, 1), rays: fill(B * N * 6, -1.5, 1.5) };
}

const VARIANTS = ['full', 'no-sta', 'no-mfm', 'ipc'] as const;

for (const backend of ['wasm', 'wasm-native', 'cpu'] as const) {
  describe(`model vs the float64 reference on ${backend}`, () => {
    const cases = [...VARIANTS.map((v) => [v, 'erf'] as const), ['full', 'tanh'] as const];
    for (const [variant, geluForm] of cases) {
      it(`${variant}, ${geluForm} GELU: tokens, each encoder block, Z, each modulation level and the colour agree to 1e-5`, async () => {
        await useBackend(backend);
        const c = oracleConfig(variant, geluForm).model;
        expect(c.gelu).toBe(geluForm);
        const weights = randomWeights(c, 100 + VARIANTS.indexOf(variant));
        const model = LightFieldModel.fromWeights(c, weights);
        const P = toParams(weights);
        const rc = referenceConfig(c);
        const { B, S, N, rgb, plucker, rays } = inputs(c, 7, 2, 12);
        const H = c.imageSize;
        const per = (x: Float32Array, b: number, n: number) => x.subarray(b * n, (b + 1) * n);

        const traced = new Map<string, Float32Array>();
        const trace = (layer: string, t: tf.Tensor) => { traced.set(layer, t.dataSync() as Float32Array); };
        const rgbT = tf.tensor(rgb, [B, S, H, H, 3]);
        const plT = tf.tensor(plucker, [B, S, H, H, 6]);
        const Z = model.encode(rgbT, plT, { trace });
        const raysT = tf.tensor3d(rays, [B, N, 6]);
        const y = model.decode(Z, raysT, { trace });

        const encRef = Array.from({ length: B }, (_, b) => referenceEncode(P, rc, per(rgb, b, S * H * H * 3), per(plucker, b, S * H * H * 6), S));
        // The decoder is checked on the reference's own Z, so a decoder failure is not an encoder one.
        const decRef = Array.from({ length: B }, (_, b) => referenceDecode(P, rc, encRef[b]!.get('encoder.z')!, per(rays, b, N * 6), N));
        const enc = compareLayers(traced, encRef);
        const dec = compareLayers(traced, decRef);
        expect([...enc.failures, ...dec.failures]).toEqual([]);
        // Every layer the reference names was compared: 3 + blocks encoder stages, the query, the colour and the levels.
        expect(enc.compared).toEqual(['encoder.tokens', 'encoder.blocks.0', 'encoder.blocks.1', 'encoder.z']);
        const levels = variant === 'full' || variant === 'no-sta'
          ? ['decoder.bands.0.modulation', 'decoder.bands.0', 'decoder.bands.1.modulation', 'decoder.bands.1', 'decoder.bands.2.modulation', 'decoder.bands.2']
          : ['decoder.modulation', 'decoder.mlp.0', 'decoder.mlp.1', 'decoder.mlp.2'];
        expect(dec.compared.sort()).toEqual(['decoder.query', ...levels, 'decoder.rgb'].sort());
        expect(worst(y.dataSync(), stack(decRef.map((r) => r.get('decoder.rgb')!)))).toBeLessThanOrEqual(TOL);

        // The rendering path (fused kernels, per-object context, chunks) gives the same colours.
        const ctx = model.prepare(tf.slice(Z, [1, 0, 0], [1, -1, -1]) as tf.Tensor3D);
        const rendered = model.renderRays(ctx, per(rays, 1, N * 6), 5);
        expect(worst(rendered, decRef[1]!.get('decoder.rgb')!.data)).toBeLessThanOrEqual(TOL);
        ctx.dispose();
        tf.dispose([rgbT, plT, Z, raysT, y]);
        model.dispose();
      });
    }
  });
}

describe('the reference itself', () => {
  it('erf matches tabulated values, and the two GELU forms differ by less than 1e-3', () => {
    // Abramowitz & Stegun Table 7.1 / high-precision values.
    const table: [number, number][] = [[0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3.5, 0.9999992569016276]];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(1e-14);
      expect(Math.abs(erf(-x) + v)).toBeLessThan(1e-14);
    }
    let maxGap = 0;
    for (let x = -6; x <= 6; x += 0.01) maxGap = Math.max(maxGap, Math.abs(gelu(x, 'erf') - gelu(x, 'tanh')));
    expect(maxGap).toBeGreaterThan(1e-4); // the forms are distinguishable at the oracle's 1e-5 ...
    expect(maxGap).toBeLessThan(1e-3); // ... and close, as documented for the tanh form
    expect(gelu(1, 'erf')).toBeCloseTo(0.8413447460685429, 14); // 1 * Phi(1)
  });
});

describe('Fourier features far from the origin (Eq. 2)', () => {
  it('the fast sincos matches Math.cos / Math.sin for |v| up to 40 at sigma 8', () => {
    // The frequencies w_j are the implementation's float32 values (fourierOmegas): at angles
    // near 1000 rad their rounding alone moves a feature by ~3e-5, which is not the sincos.
    const n = 5, din = 6, sigma = 8, M = 400;
    const rng = new Rng(3);
    const rays = Float64Array.from({ length: M * din }, (_, i) => (i % 7 === 0 ? rng.uniform(-40, 40) : rng.uniform(-4, 4)));
    // Quadrant boundaries of the reduction: pi w v = k pi / 2 exactly for w = 1.
    rays.set([0.5, -0.5, 1, -1.5, 2, 25], 0);
    const out = fourierFeaturesInto(rays, M, din, sigma, n, new Float32Array(M * 2 * din * n));
    const w = fourierOmegas(sigma, n);
    expect(Math.abs(w[n - 1]! - sigma)).toBeLessThan(1e-6);
    let err = 0;
    for (let r = 0; r < M; r++) for (let i = 0; i < din; i++) for (let j = 0; j < n; j++) {
      const a = Math.PI * w[j]! * rays[r * din + i]!;
      const o = r * 2 * din * n + i * n + j;
      err = Math.max(err, Math.abs(out[o]! - Math.cos(a)), Math.abs(out[o + din * n]! - Math.sin(a)));
    }
    expect(err).toBeLessThan(1e-7);
  });
});
