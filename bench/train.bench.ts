/**
 * The train/eval pipeline around the model: batch assembly from the in-memory object cache
 * (`B = 8, S = 3, K = 512` at 64x64, the `cpu` preset's shapes: episodes, 8-bit -> float views,
 * Plücker images, query rays), and the time of one evaluation draw of the `cpu` preset model
 * (encoder + full 64x64 query render, then the same for the wrong-object control, plus every
 * metric and baseline), which sets how long `lfkit eval` takes.
 */
import { rmSync } from 'node:fs';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { evaluateObject } from '../src/core/analysis/evaluate.ts';
import { LightFieldModel, resolveConfig } from '../src/core/model/index.ts';
import { initBackend } from '../src/node/backend.ts';
import { batchForStep, ObjectCache, planStep } from '../src/node/training/data.ts';
import { modelSynthesizer } from '../src/core/model/support.ts';
import { makeTinyLearnit } from '../test/helpers/tiny-learnit.ts';
import { median, timeIt, type Benchmark, type Figure } from './harness.ts';

export const trainBenchmark: Benchmark = {
  name: 'train',
  description: 'training batch assembly (B 8, S 3, K 512, 64x64) and one evaluation draw of the cpu preset',
  async run() {
    const root = await makeTinyLearnit({ objects: { train: 8, val: 0, test: 2 }, views: 50, size: 64 });
    try {
      const figures: Figure[] = [];
      const ds = await openDataset(root, { category: 'chairs', size: 64 });
      const ids = ds.ids('train');
      const cache = new ObjectCache(ds, 64);
      await Promise.all(ids.map((id) => cache.get(id)));
      let step = 0;
      const times = await timeIt(async () => {
        await batchForStep(cache, planStep(0, step++, ids, 8, [3]), { rays: 512, originScale: 1, foregroundFraction: 0.5 });
      }, 15, 3);
      figures.push({ name: 'train.batch_ms', value: median(times) * 1000, unit: 'ms', backend: 'none', note: 'B 8, S 3, K 512, 64x64 from the object cache, median of 15' });

      const backend = await initBackend();
      const config = resolveConfig('cpu');
      const model = LightFieldModel.create(config.model, 0);
      const synth = modelSynthesizer(model);
      const [a, b] = await Promise.all(ds.ids('test').map((id) => ds.loadObject(id)));
      await evaluateObject(synth, a!, b!, 3, { draws: 1, seed: 0, trainMean: null });
      const t = await timeIt(async () => { await evaluateObject(synth, a!, b!, 3, { draws: 2, seed: 1, trainMean: null }); }, 3, 0);
      figures.push({ name: 'eval.draw_s', value: median(t) / 2, unit: 's', backend, note: 'cpu preset, S 3, 64x64: model + wrong-object control + metrics and baselines' });
      model.dispose();
      return figures;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
