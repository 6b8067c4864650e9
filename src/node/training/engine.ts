/**
 * What the training loop needs from a model, behind one small interface so the loop (run
 * folder, schedule of checkpoints and validation, signals, resume) stays independent of the
 * model's internals: a step on a `Batch`, a `ViewSynthesizer` for validation with the current
 * weights, and checkpoint save/load. `src/train/model-engine.ts` implements it with lfkit's
 * `LightFieldModel` + `Trainer`; tests may implement it with a tiny model.
 *
 * Checkpoint folders are written whole and swapped in with renames (`saveCheckpointDir`), so a
 * crash (even `kill -9`) mid-save leaves the previous checkpoint intact.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../io/fs.ts';
import type { ViewSynthesizer } from '../../core/render/render.ts';
import type { Batch } from './data.ts';
import { LOOP_STATE_FILE, type LoopState } from '../runs/run-folder.ts';

export interface TrainEngine {
  /** Renders with the current weights (inference mode: no dropout). */
  readonly synth: ViewSynthesizer<unknown>;
  /** One optimisation step at (0-based) `step`; returns the batch loss and the learning rate. */
  step(batch: Batch, step: number): Promise<{ loss: number; lr: number }>;
  /** Writes weights, optimiser state and RNG state into `dir` (a fresh folder); `state` is the loop's. */
  save(dir: string, state: LoopState): Promise<void>;
  /** Live tensors (for leak checks), if the engine uses tensors. */
  numTensors?(): number;
  dispose(): void;
}

/** Creates or restores engines for a resolved config. */
export interface EngineFactory<C = unknown> {
  create(config: C): Promise<TrainEngine>;
  /**
   * Restores an engine from a checkpoint folder written by `save`. With `init` (a new run
   * started from the checkpoint, `--init`), the factory may adapt the checkpoint to `config`
   * (lfkit's model: a wider decoder, src/model/widen.ts).
   */
  load(dir: string, config: C, opts?: { init?: boolean }): Promise<TrainEngine>;
}

/**
 * Saves a checkpoint into `dir` atomically: engine files + `loop-state.json` go to a temporary
 * sibling folder, then `dir` is swapped for it (`dir.old` is kept until the swap succeeds).
 */
export async function saveCheckpointDir(engine: TrainEngine, dir: string, state: LoopState): Promise<void> {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  rmSync(tmp, { recursive: true, force: true });
  await engine.save(tmp, state);
  writeJsonAtomic(path.join(tmp, LOOP_STATE_FILE), state);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

