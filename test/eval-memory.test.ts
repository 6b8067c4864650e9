import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { evaluateSynthesizer } from '../src/core/analysis/evaluate.ts';
import { LightFieldModel, resolveConfig } from '../src/core/model/index.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { renderCamera } from '../src/core/render/render.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('no tensor growth', () => {
  it('across an eval of several objects and renders of any size', async () => {
    const root = await makeTinyLearnit({ objects: { train: 1, val: 0, test: 4 }, views: 5, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const config = resolveConfig('cpu', {
      'model.imageSize': 16, 'model.encoderWidth': 16, 'model.encoderHeads': 2, 'model.encoderBlocks': 1,
      'model.latentTokens': 4, 'model.decoderWidth': 16, 'model.fourierWidth': 24,
    });
    const model = LightFieldModel.create(config.model, 0);
    const synth = modelSynthesizer(model);
    // warm-up (kernels and constants created once)
    await evaluateSynthesizer(synth, ds, { supportCounts: [1], draws: 1, objects: 2 });
    const before = tf.memory().numTensors;
    const rep = await evaluateSynthesizer(synth, ds, { supportCounts: [1, 3], draws: 3 });
    expect(rep.results[1]!.images).toBe(12);
    expect(Number.isFinite(rep.results[1]!.baselines.wrongObject!.psnr.mean)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const obj = await ds.loadObject(ds.ids('test')[0]!);
    const ctx = await synth.encode({ images: [obj.views[0]!.image], cameras: [obj.views[0]!.camera] });
    for (const size of [7, 33]) {
      const img = await renderCamera(synth, ctx, cameraAt(orbitPose(0.4, 0.5, 4), size), { chunk: 100 });
      expect(img.data.length).toBe(size * size * 3);
      expect(img.data.every(Number.isFinite)).toBe(true);
    }
    synth.dispose(ctx);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
