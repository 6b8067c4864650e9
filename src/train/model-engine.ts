/**
 * lfkit's model behind the loop's `TrainEngine` and the renderer's `ViewSynthesizer`:
 * `LightFieldModel` + `Trainer` (src/model), checkpoints as
 * `config.json` + `model.safetensors` + `optimizer.safetensors` in one folder (the training
 * loop swaps whole folders in atomically). Dropout masks are seeded from (train.seed, step) by
 * the Trainer, so weights + optimiser state + step is the whole state of a run.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  configDiff as modelConfigDiff, configFromJson, decodeSafetensors, encodeSafetensors, LightFieldModel, Trainer,
  type DecoderContext, type LfkitConfig, type SafeTensor,
} from '../model/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../node/fs.ts';
import { pluckerImage } from '../rays/index.ts';
import { RenderError, type SupportSet, type ViewSynthesizer } from '../render/render.ts';
import type { Batch } from './data.ts';
import type { EngineFactory, TrainEngine } from './engine.ts';

export const CHECKPOINT_FILES = { config: 'config.json', weights: 'model.safetensors', optimizer: 'optimizer.safetensors' } as const;

/** A config mismatch between a checkpoint and the run or the request; names the field. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

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
      const S = support.images.length;
      if (S === 0 || support.cameras.length !== S) throw new RenderError(`encode: ${S} images and ${support.cameras.length} cameras`);
      const P = imageSize * imageSize;
      const rgb = new Float32Array(S * P * 3);
      const pl = new Float32Array(S * P * 6);
      support.images.forEach((img, s) => {
        const cam = support.cameras[s]!;
        if (img.length !== P * 3 || cam.width !== imageSize || cam.height !== imageSize) {
          throw new RenderError(`support view ${s} is ${cam.width}x${cam.height}; the model takes ${imageSize}x${imageSize}`);
        }
        rgb.set(img, s * P * 3);
        pluckerImage(cam, originScale, pl.subarray(s * P * 6, (s + 1) * P * 6));
      });
      const Z = tf.tidy(() => model.encode(tf.tensor(rgb, [1, S, imageSize, imageSize, 3]), tf.tensor(pl, [1, S, imageSize, imageSize, 6])));
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

function toSafe(map: ReadonlyMap<string, tf.Tensor> | Map<string, Float32Array>, shapes?: ReadonlyMap<string, tf.Tensor>): Record<string, SafeTensor> {
  const out: Record<string, SafeTensor> = {};
  for (const [name, v] of map) {
    if (v instanceof Float32Array) out[name] = { dtype: 'F32', shape: shapes?.get(name)?.shape ?? [v.length], data: v };
    else out[name] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
  }
  return out;
}

/** Writes a model checkpoint folder (config, weights, optional optimiser state). */
export function saveModelCheckpoint(dir: string, config: LfkitConfig, model: LightFieldModel, trainer?: Trainer): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, CHECKPOINT_FILES.config), config);
  writeFileAtomic(path.join(dir, CHECKPOINT_FILES.weights), encodeSafetensors(toSafe(model.params), { format: 'lfkit', preset: config.preset }));
  if (trainer) {
    const st = trainer.optimizerState();
    const safe: Record<string, SafeTensor> = {};
    for (const [k, v] of st) safe[k] = { dtype: 'F32', shape: [v.length], data: v };
    writeFileAtomic(path.join(dir, CHECKPOINT_FILES.optimizer), encodeSafetensors(safe));
  }
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
  const config = readCheckpointConfig(dir);
  if (expect) {
    const diff = modelConfigDiff(config, expect);
    if (diff) throw new CheckpointError(`${path.join(dir, CHECKPOINT_FILES.config)}: checkpoint config does not match the run's (${diff})`);
  }
  const wfile = path.join(dir, CHECKPOINT_FILES.weights);
  let tensors: Record<string, SafeTensor>;
  try {
    tensors = decodeSafetensors(new Uint8Array(readFileSync(wfile))).tensors;
  } catch (err) {
    throw new CheckpointError(`${wfile}: cannot read weights (${(err as Error).message})`);
  }
  let model: LightFieldModel;
  try {
    model = LightFieldModel.fromWeights(config.model, new Map(Object.entries(tensors)));
  } catch (err) {
    throw new CheckpointError(`${wfile}: ${(err as Error).message}`);
  }
  const ofile = path.join(dir, CHECKPOINT_FILES.optimizer);
  let optimizer: Map<string, Float32Array> | null = null;
  if (existsSync(ofile)) {
    const o = decodeSafetensors(new Uint8Array(readFileSync(ofile))).tensors;
    optimizer = new Map(Object.entries(o).map(([k, v]) => [k, v.data]));
  }
  return { config, model, optimizer };
}

function engineOf(config: LfkitConfig, model: LightFieldModel, trainer: Trainer): TrainEngine {
  return {
    synth: modelSynthesizer(model) as ViewSynthesizer<unknown>,
    async step(batch: Batch, step: number) {
      const { loss, lr } = trainer.step(batch, step);
      return { loss, lr };
    },
    async save(dir: string) {
      saveModelCheckpoint(dir, config, model, trainer);
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
  async load(dir, config) {
    const { model, optimizer } = loadModelCheckpoint(dir, config);
    const trainer = new Trainer(model, config.train);
    if (optimizer) trainer.setOptimizerState(optimizer);
    return engineOf(config, model, trainer);
  },
};
