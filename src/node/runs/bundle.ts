/**
 * Model bundles (issue 6): a trained model as a small self-describing folder that ships in the
 * repository (`models/NAME`) and that `openRun` (and so `lfkit eval`, `render`, `view`,
 * `sweep`, `demo`) accepts as a run:
 *
 * ```
 * models/NAME/
 *   config.json         the run's config.json ("format": "lfkit-run") plus a "bundle" block:
 *                       {format: "lfkit-bundle", version, source {run, checkpoint, step}, state, files}
 *   model.safetensors   the checkpoint's weights, float32, byte for byte (no optimizer state)
 *   train-mean.png      per-pixel mean of the training images (8-bit; the training-mean baseline)
 *   metrics.jsonl       the run's training curve (training time, validation PSNR)
 *   MODEL_CARD.md, card.json, sweep.png   the model card (`lfkit bundle --card`)
 * ```
 *
 * This module only reads bundles (no dependency on the training loop, so `src/train/run.ts`
 * can import it); `bundle.ts` writes them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LfkitConfig } from '../../core/model/config.ts';
import { LightFieldModel } from '../../core/model/model.ts';
import { decodeSafetensors } from '../../core/model/safetensors.ts';
import { CheckpointError } from './checkpoint.ts';

export const BUNDLE_FORMAT = 'lfkit-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  trainMean: 'train-mean.png',
  metrics: 'metrics.jsonl',
  card: 'MODEL_CARD.md',
  cardJson: 'card.json',
  plot: 'sweep.png',
} as const;

/** The loop state of the bundled checkpoint (as `loop-state.json` of a run's checkpoint). */
export interface BundleState {
  step: number;
  time: number;
  bestVal: number | null;
  bestStep: number | null;
}

/** The `bundle` block of a bundle's `config.json`. */
export interface BundleBlock {
  format: typeof BUNDLE_FORMAT;
  version: number;
  createdAt: string;
  /** Where the weights came from. */
  source: { run: string; checkpoint: 'best' | 'last'; step: number };
  state: BundleState;
  /** Data recipe (`synth-chairs-64`) when the training data is one, else null. */
  recipe: string | null;
  /** `train-mean.png` when the bundle has the training-mean image, else null. */
  trainMean: string | null;
}

/** The `bundle` block of a run's parsed `config.json`, or null for an ordinary run. */
export function bundleBlock(info: unknown): BundleBlock | null {
  const b = (info as { bundle?: BundleBlock } | null)?.bundle;
  return b && typeof b === 'object' && b.format === BUNDLE_FORMAT ? b : null;
}

/** True when `dir/config.json` is a bundle's. */
export function isBundleFolder(dir: string): boolean {
  try {
    return bundleBlock(JSON.parse(readFileSync(path.join(dir, BUNDLE_FILES.config), 'utf8'))) !== null;
  } catch {
    return false;
  }
}

/**
 * The checkpoint of a bundle, in the shape of `runCheckpoint`'s answer: the bundle folder
 * itself, its source's `best`/`last`, and its loop state. Null for an ordinary run.
 */
export function bundleCheckpoint(dir: string, info: unknown): { dir: string; which: 'best' | 'last'; state: BundleState } | null {
  const b = bundleBlock(info);
  if (!b) return null;
  if (b.version > BUNDLE_VERSION) {
    throw new CheckpointError(`${path.join(dir, BUNDLE_FILES.config)}: bundle version ${b.version} is newer than this lfkit understands (${BUNDLE_VERSION})`);
  }
  return { dir, which: b.source?.checkpoint === 'last' ? 'last' : 'best', state: b.state };
}

/** Loads a bundle's weights (`model.safetensors`) into a model of `config`. CheckpointError naming the file. */
export function loadBundleModel(dir: string, config: LfkitConfig): LightFieldModel {
  const file = path.join(dir, BUNDLE_FILES.weights);
  if (!existsSync(file)) throw new CheckpointError(`${file}: not found (the bundle has no weights)`);
  try {
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)));
    return LightFieldModel.fromWeights(config.model, new Map(Object.entries(tensors)));
  } catch (err) {
    throw new CheckpointError(`${file}: ${(err as Error).message}`);
  }
}
