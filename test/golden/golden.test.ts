/**
 * Golden outputs of a tiny seeded model: the rendered colours of one novel view, the latent
 * tokens of its support views and the losses of two training steps, stored in
 * `tiny-model.json`. A refactor that changes any of them (ray embedding, originScale, support
 * encoding, decoder, trainer) fails here. Run with `LFKIT_UPDATE_GOLDEN=1` to rewrite the file
 * after an intended change of the model's numerics.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cameraAt, orbitPose } from '../../src/core/rays/index.ts';
import { LightFieldModel, Trainer } from '../../src/core/model/index.ts';
import { renderCamera } from '../../src/core/render/index.ts';
import { modelSynthesizer } from '../../src/core/model/support.ts';
import { encodeSupport } from '../../src/core/model/support.ts';
import { Rng } from '../../src/core/util/rng.ts';
import { randomBatch, tinyConfig, useBackend } from '../helpers/model-fixtures.ts';

const FILE = fileURLToPath(new URL('./tiny-model.json', import.meta.url));
/** Absolute tolerance: far below any visible change, above float32 summation-order noise. */
const TOL = 1e-5;

interface Golden {
  view: number[];
  latents: number[];
  losses: number[];
}

const round = (a: ArrayLike<number>) => Array.from(a, (v) => Number(v.toPrecision(9)));

async function compute(): Promise<Golden> {
  await useBackend('cpu');
  // originScale != 1 and dropout on: both must reach the numbers.
  const cfg = tinyConfig({ 'model.originScale': 0.55, 'model.dropout': 0.1 });
  const model = LightFieldModel.create(cfg.model, 7);
  const rng = new Rng(8);
  const H = cfg.model.imageSize;
  const support = {
    images: [0, 1].map(() => Float32Array.from({ length: H * H * 3 }, () => rng.uniform(0, 1))),
    cameras: [0.3, 1.9].map((az) => cameraAt(orbitPose(az, 0.4, 4), H)),
  };
  const synth = modelSynthesizer(model);
  const ctx = await synth.encode(support);
  const view = await renderCamera(synth, ctx, cameraAt(orbitPose(1.1, 0.2, 3.5), 6));
  synth.dispose(ctx);
  const { Z } = encodeSupport(model, support);
  const latents = Z.dataSync().slice(0, 32);
  Z.dispose();
  const trainer = new Trainer(model, cfg.train);
  const losses = [0, 1].map((step) => trainer.step(randomBatch(cfg, 30 + step, 2), step).loss);
  trainer.dispose();
  model.dispose();
  return { view: round(view.data), latents: round(latents), losses: round(losses) };
}

afterAll(async () => { await useBackend('wasm'); });

describe('golden outputs of a tiny seeded model (cpu backend)', () => {
  it('renders, encodes and trains to the stored numbers', async () => {
    const got = await compute();
    if (process.env.LFKIT_UPDATE_GOLDEN === '1' || !existsSync(FILE)) {
      if (process.env.CI) throw new Error(`${FILE} is missing; run the test with LFKIT_UPDATE_GOLDEN=1 and commit it`);
      writeFileSync(FILE, JSON.stringify(got) + '\n');
    }
    const want = JSON.parse(readFileSync(FILE, 'utf8')) as Golden;
    for (const key of ['view', 'latents', 'losses'] as const) {
      expect(got[key].length, key).toBe(want[key].length);
      const worst = Math.max(...got[key].map((v, i) => Math.abs(v - want[key][i]!)));
      expect(worst, `${key}: largest difference from test/golden/tiny-model.json`).toBeLessThanOrEqual(TOL);
    }
    // The view is a real image, not a constant.
    expect(Math.max(...want.view) - Math.min(...want.view)).toBeGreaterThan(1e-3);
  });
});
