/**
 * lfkit's model behind the loop's `TrainEngine` and the renderer's `ViewSynthesizer`:
 * `LightFieldModel` + `Trainer` (src/model), checkpoints in the documented format
 * (docs/checkpoint-format.md: `config.json`, `model.safetensors`, `optimizer.safetensors`,
 * `state.json` with the step and the loop's extras), written by `src/node/checkpoint.ts`. Dropout masks are seeded from (train.seed, step) by
 * the Trainer, so weights + optimiser state + step is the whole state of a run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LightFieldModel, Trainer, type LfkitConfig } from '../../core/model/index.ts';
import { modelSynthesizer } from '../../core/model/support.ts';
import type { ViewSynthesizer } from '../../core/render/render.ts';
import { loadInitCheckpoint, loadModelCheckpoint, saveModelCheckpoint } from '../runs/checkpoint.ts';
import type { Batch } from './data.ts';
import type { EngineFactory, TrainEngine } from './engine.ts';
import type { LoopState } from '../runs/run-folder.ts';

function engineOf(config: LfkitConfig, model: LightFieldModel, trainer: Trainer): TrainEngine {
  return {
    synth: modelSynthesizer(model) as ViewSynthesizer<unknown>,
    async step(batch: Batch, step: number) {
      const { loss, lr } = tf.getBackend() === 'webgpu' ? await trainer.stepAsync(batch, step) : trainer.step(batch, step);
      return { loss, lr };
    },
    async save(dir: string, state: LoopState) {
      if (tf.getBackend() === 'webgpu') await trainer.prefetch();
      saveModelCheckpoint(dir, config, model, trainer, state.step, { time: state.time, bestVal: state.bestVal, bestStep: state.bestStep });
    },
    numTensors: () => tf.memory().numTensors,
    dispose() {
      trainer.dispose();
      model.dispose();
    },
  };
}

/** The engine factory of lfkit's model for the training loop. */
export const modelEngines: EngineFactory<LfkitConfig> = {
  async create(config) {
    const model = LightFieldModel.create(config.model, config.train.seed);
    return engineOf(config, model, new Trainer(model, config.train));
  },
  async load(dir, config, opts) {
    const { model, optimizer } = opts?.init ? loadInitCheckpoint(dir, config) : loadModelCheckpoint(dir, config);
    const trainer = new Trainer(model, config.train);
    if (optimizer) trainer.setOptimizerState(optimizer);
    return engineOf(config, model, trainer);
  },
};
