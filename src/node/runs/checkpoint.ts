/**
 * Checkpoints (Node only): one folder holding
 *   config.json            the resolved LfkitConfig
 *   model.safetensors      every parameter, float32 little-endian (docs/checkpoint-format.md)
 *   optimizer.safetensors  Adam moments `adam.m.<param>`, `adam.v.<param>` (param-shaped) and `adam.t` [1]
 *   state.json             {format, step, rng, extra}
 * The folder is written under a temporary name next to `dir` and renamed into place, so a
 * crash never leaves a half-written checkpoint (an existing `dir` is replaced whole).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { configDiff, configFromJson, type LfkitConfig } from '../../core/model/config.ts';
import { LightFieldModel } from '../../core/model/model.ts';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../core/model/safetensors.ts';
import type { Trainer } from '../../core/model/trainer.ts';
import type { RngState } from '../../core/util/rng.ts';
import { widenOptimizerState, widenWeights, WidenError, type Tensor32 } from '../../core/model/widen.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';

export const CHECKPOINT_FORMAT = 'lfkit-checkpoint-1';
export const CHECKPOINT_FILE_NAMES = { config: 'config.json', weights: 'model.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json' } as const;
export const CHECKPOINT_FILES = CHECKPOINT_FILE_NAMES;

/** A checkpoint that cannot be read or does not fit the expected config; names the file or field. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface CheckpointInput {
  config: LfkitConfig;
  model: LightFieldModel;
  trainer?: Trainer;
  step: number;
  rng?: RngState;
  extra?: Record<string, unknown>;
}

export interface LoadedCheckpoint {
  config: LfkitConfig;
  model: LightFieldModel;
  /** Adam state for `Trainer.setOptimizerState`, or null when the checkpoint has none. */
  optimizerState: Map<string, Float32Array> | null;
  step: number;
  rng: RngState | null;
  extra: Record<string, unknown>;
}

/** Writes a checkpoint folder atomically (see the module header). */
export function saveCheckpoint(dir: string, ck: CheckpointInput): void {
  const parent = path.dirname(path.resolve(dir));
  mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    writeJsonAtomic(path.join(tmp, CHECKPOINT_FILE_NAMES.config), ck.config);
    const weights: Record<string, SafeTensor> = {};
    for (const [name, v] of ck.model.params) weights[name] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
    writeFileAtomic(path.join(tmp, CHECKPOINT_FILE_NAMES.weights), encodeSafetensors(weights, { format: CHECKPOINT_FORMAT, preset: ck.config.preset, step: String(ck.step) }));
    if (ck.trainer) {
      const opt: Record<string, SafeTensor> = {};
      for (const [k, data] of ck.trainer.optimizerState()) {
        const param = ck.model.params.get(k.replace(/^adam\.[mv]\./, ''));
        opt[k] = { dtype: 'F32', shape: param && param.size === data.length ? param.shape : [data.length], data };
      }
      writeFileAtomic(path.join(tmp, CHECKPOINT_FILE_NAMES.optimizer), encodeSafetensors(opt, { format: CHECKPOINT_FORMAT }));
    }
    writeJsonAtomic(path.join(tmp, CHECKPOINT_FILE_NAMES.state), { format: CHECKPOINT_FORMAT, step: ck.step, rng: ck.rng ?? null, extra: ck.extra ?? {} });
    // Swap the folder in: old -> trash, tmp -> dir, drop trash.
    const trash = `${tmp}-old`;
    if (existsSync(dir)) renameSync(dir, trash);
    renameSync(tmp, dir);
    rmSync(trash, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readSafetensors(file: string): Record<string, SafeTensor> {
  try {
    return decodeSafetensors(new Uint8Array(readFileSync(file))).tensors;
  } catch (err) {
    throw new CheckpointError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Loads a checkpoint folder. With `expectedConfig`, a different model config is an error
 * naming the first mismatching field (`model.decoderWidth: 128 vs 256`).
 */
export function loadCheckpoint(dir: string, expectedConfig?: LfkitConfig): LoadedCheckpoint {
  const cfile = path.join(dir, CHECKPOINT_FILE_NAMES.config);
  if (!existsSync(cfile)) throw new CheckpointError(`${cfile}: not found (is ${dir} a checkpoint folder?)`);
  let config: LfkitConfig;
  try {
    config = configFromJson(JSON.parse(readFileSync(cfile, 'utf8')), cfile) as LfkitConfig;
  } catch (err) {
    throw new CheckpointError(`${cfile}: ${(err as Error).message}`);
  }
  if (expectedConfig) {
    const diff = configDiff(config, expectedConfig);
    if (diff) throw new CheckpointError(`${cfile}: the checkpoint's model config differs from the expected one at ${diff} (checkpoint vs expected)`);
  }
  const wfile = path.join(dir, CHECKPOINT_FILE_NAMES.weights);
  if (!existsSync(wfile)) throw new CheckpointError(`${wfile}: not found`);
  const tensors = readSafetensors(wfile);
  let model: LightFieldModel;
  try {
    model = LightFieldModel.fromWeights(config.model, new Map(Object.entries(tensors)));
  } catch (err) {
    throw new CheckpointError(`${wfile}: ${(err as Error).message}`);
  }
  const ofile = path.join(dir, CHECKPOINT_FILE_NAMES.optimizer);
  const optimizerState = existsSync(ofile) ? new Map(Object.entries(readSafetensors(ofile)).map(([k, v]) => [k, v.data])) : null;
  const sfile = path.join(dir, CHECKPOINT_FILE_NAMES.state);
  let state: { step?: number; rng?: RngState | null; extra?: Record<string, unknown> } = {};
  if (existsSync(sfile)) {
    try {
      state = JSON.parse(readFileSync(sfile, 'utf8'));
    } catch (err) {
      throw new CheckpointError(`${sfile}: ${(err as Error).message}`);
    }
  }
  return { config, model, optimizerState, step: state.step ?? 0, rng: state.rng ?? null, extra: state.extra ?? {} };
}

/** Writes a model checkpoint folder in the documented format (docs/checkpoint-format.md, `src/node/checkpoint.ts`). */
export function saveModelCheckpoint(dir: string, config: LfkitConfig, model: LightFieldModel, trainer?: Trainer, step = 0, extra: Record<string, unknown> = {}): void {
  saveCheckpoint(dir, { config, model, trainer, step, extra });
}

/** Reads a checkpoint folder's config; CheckpointError naming the file when it is missing or invalid. */
export function readCheckpointConfig(dir: string): LfkitConfig {
  const file = path.join(dir, CHECKPOINT_FILE_NAMES.config);
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
