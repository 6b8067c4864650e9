/**
 * lfkit's model behind the loop's `TrainEngine` and the renderer's `ViewSynthesizer`:
 * `LightFieldModel` + `Trainer` (src/model), checkpoints in the documented format
 * (docs/checkpoint-format.md: `config.json`, `model.safetensors`, `optimizer.safetensors`,
 * `state.json` with the step and the loop's extras), written by `src/node/checkpoint.ts`. Dropout masks are seeded from (train.seed, step) by
 * the Trainer, so weights + optimiser state + step is the whole state of a run.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { configDiff, configFromJson, LightFieldModel, Trainer, type DecoderContext, type LfkitConfig } from '../../core/model/index.ts';
import { CHECKPOINT_FILE_NAMES, CheckpointError, loadCheckpoint, saveCheckpoint } from '../runs/checkpoint.ts';
import { widenOptimizerState, widenWeights, WidenError, type Tensor32 } from '../../core/model/widen.ts';
import { encodeSupport } from '../../core/model/support.ts';
import type { SupportSet, ViewSynthesizer } from '../../core/render/render.ts';
import type { Batch } from './data.ts';
import type { EngineFactory, LoopState, TrainEngine } from './engine.ts';

export const CHECKPOINT_FILES = CHECKPOINT_FILE_NAMES;
export { CheckpointError };

/**
 * The model as a `ViewSynthesizer`: `encode` runs the encoder once (support views ->
 * Z -> per-object decoder context), `renderRays` the decoder; no tensors are left behind
 * once the context is disposed.
 */
export function modelSynthesizer(model: LightFieldModel): ViewSynthesizer<DecoderContext> {
  const { imageSize, originScale } = model.config;
  return {
    imageSize,
    originScale,
    encode(support: SupportSet): DecoderContext {
      const { Z } = encodeSupport(model, support);
      try {
        return model.prepare(Z);
      } finally {
        Z.dispose();
      }
    },
    renderRays: (ctx, rays) => model.renderRays(ctx, rays),
    dispose: (ctx) => ctx.dispose(),
  };
}

/** Writes a model checkpoint folder in the documented format (docs/checkpoint-format.md, `src/node/checkpoint.ts`). */
export function saveModelCheckpoint(dir: string, config: LfkitConfig, model: LightFieldModel, trainer?: Trainer, step = 0, extra: Record<string, unknown> = {}): void {
  saveCheckpoint(dir, { config, model, trainer, step, extra });
}

/** Reads a checkpoint folder's config; CheckpointError naming the file when it is missing or invalid. */
export function readCheckpointConfig(dir: string): LfkitConfig {
  const file = path.join(dir, CHECKPOINT_FILES.config);
  if (!existsSync(file)) throw new CheckpointError(`${file}: checkpoint has no config`);
  try {
    return configFromJson(JSON.parse(readFileSync(file, 'utf8')), file) as LfkitConfig;
  } catch (err) {
    throw new CheckpointError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Loads a checkpoint's model. With `expect`, the checkpoint's model config must equal it
 * (CheckpointError naming the first differing field otherwise).
 */
export function loadModelCheckpoint(dir: string, expect?: LfkitConfig): { config: LfkitConfig; model: LightFieldModel; optimizer: Map<string, Float32Array> | null } {
  const ck = loadCheckpoint(dir, expect);
  return { config: ck.config, model: ck.model, optimizer: ck.optimizerState };
}

/**
 * The checkpoint a new run starts from (`lfkit train --init`): its model as is, or, when
 * `config` asks for a wider decoder or more latent tokens, widened (src/model/widen.ts) with
 * its Adam state. Any other model difference is a CheckpointError naming the field.
 */
export function loadInitCheckpoint(dir: string, config: LfkitConfig): { model: LightFieldModel; optimizer: Map<string, Float32Array> | null } {
  const ck = loadCheckpoint(dir);
  if (configDiff(ck.config, config) === null) return { model: ck.model, optimizer: ck.optimizerState };
  try {
    const weights = new Map<string, Tensor32>();
    for (const [name, v] of ck.model.params) weights.set(name, { shape: v.shape, data: v.dataSync() as Float32Array });
    const shapes = new Map([...weights].map(([k, t]) => [k, t.shape]));
    const model = LightFieldModel.fromWeights(config.model, widenWeights(ck.config.model, config.model, weights, config.train.seed));
    const optimizer = ck.optimizerState ? widenOptimizerState(ck.config.model, config.model, ck.optimizerState, shapes) : null;
    return { model, optimizer };
  } catch (err) {
    if (err instanceof WidenError) throw new CheckpointError(`${path.join(dir, CHECKPOINT_FILE_NAMES.config)}: ${err.message}`);
    throw err;
  } finally {
    ck.model.dispose();
  }
}

function engineOf(config: LfkitConfig, model: LightFieldModel, trainer: Trainer): TrainEngine {
  return {
    synth: modelSynthesizer(model) as ViewSynthesizer<unknown>,
    async step(batch: Batch, step: number) {
      const { loss, lr } = trainer.step(batch, step);
      return { loss, lr };
    },
    async save(dir: string, state: LoopState) {
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
