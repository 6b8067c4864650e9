/**
 * One seeded training step and one rendered view of a tiny model, on whatever backend is active;
 * `test/webgpu.test.ts` runs it on wasm in the test process and on webgpu (SwiftShader) in a
 * child process (`webgpu-parity-child.ts`), then compares the two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer } from '../../src/core/model/index.ts';
import { modelSynthesizer } from '../../src/core/model/support.ts';
import { renderCamera } from '../../src/core/render/render.ts';
import { cameraAt, orbitPose } from '../../src/core/rays/index.ts';
import { randomBatch, tinyConfig } from './model-fixtures.ts';

export interface ParityResult {
  backend: string;
  loss: number;
  gradNorm: number;
  /** Parameter values after the step, by name. */
  weights: Record<string, number[]>;
  /** Largest change of a weight made by the step. */
  moved: number;
  /** The 16x16 view rendered after the step, RGB row-major. */
  view: number[];
}

/**
 * Adam's eps is raised from 1e-8 to 1e-3 here: with a tiny eps the first update is
 * lr * sign(g) for every gradient component, so a component that is ~0 on both backends could
 * move by 2 lr on one and not the other; with eps 1e-3 the update is a smooth function of g
 * and the comparison tests the arithmetic, not the sign of rounding noise.
 */
export async function parityRun(): Promise<ParityResult> {
  const c = tinyConfig({ 'train.adamEps': 1e-3, 'train.lr': 1e-2 });
  const model = LightFieldModel.create(c.model, 7);
  const trainer = new Trainer(model, c.train);
  try {
    const batch = randomBatch(c, 11, 2);
    const before = new Map<string, Float32Array>();
    for (const [n, v] of model.params) before.set(n, (await v.data()) as Float32Array);
    const { loss, gradNorm } = tf.getBackend() === 'webgpu' ? await trainer.stepAsync(batch, 0) : trainer.step(batch, 0);
    const weights: Record<string, number[]> = {};
    let moved = 0;
    for (const [n, v] of model.params) {
      weights[n] = Array.from(await v.data());
      weights[n]!.forEach((w, i) => { moved = Math.max(moved, Math.abs(w - before.get(n)![i]!)); });
    }
    const H = c.model.imageSize;
    const support = {
      images: [0, 1].map((s) => batch.supportRgb.slice(s * H * H * 3, (s + 1) * H * H * 3)),
      cameras: [0, 1].map((s) => cameraAt(orbitPose(s, 0.2, 2.5), H)),
    };
    const synth = modelSynthesizer(model);
    const ctx = await synth.encode(support);
    try {
      const img = await renderCamera(synth, ctx, cameraAt(orbitPose(0.5, 0.3, 2.5), H));
      return { backend: tf.getBackend(), loss, gradNorm, weights, moved, view: Array.from(img.data) };
    } finally {
      synth.dispose(ctx);
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
