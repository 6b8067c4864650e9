/**
 * The library API behind `lfkit eval`, `lfkit render` (and `lfkit view`): open a trained model by
 * its folder alone (style.md item 7): a run folder, a model bundle, or a bare checkpoint folder.
 *
 * @example
 *   const run = await openRun('runs/chairs');                 // best checkpoint, else last
 *   const ds = await run.openData();                           // the run's dataset, at the model's size
 *   const obj = await ds.loadObject(ds.ids('test')[0]);
 *   const ctx = await run.synth.encode({ images: [obj.views[0].image], cameras: [obj.views[0].camera] });
 *   const img = await renderCamera(run.synth, ctx, cameraAt(orbitPose(0.3, 0.5, 4), 128));
 *   run.synth.dispose(ctx); run.dispose();
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleCheckpoint, loadBundleModel } from './bundle.ts';
import { openDataset } from '../io/open-dataset.ts';
import { type Dataset } from '../../core/data/types.ts';
import type { DecoderContext, LfkitConfig, LightFieldModel } from '../../core/model/index.ts';
import { configFromJson } from '../../core/model/index.ts';
import type { ViewSynthesizer } from '../../core/render/render.ts';
import { modelSynthesizer } from '../../core/model/support.ts';
import { CHECKPOINT_FILE_NAMES, CheckpointError, loadCheckpoint, loadModelCheckpoint, readCheckpointConfig } from './checkpoint.ts';
import { findCheckpointDir, isRunFolder, readLoopState, readRunInfo, RunError, runCheckpoint, type LoopState, type RunInfo } from './run-folder.ts';

export interface LoadedRun {
  /** The folder given. */
  dir: string;
  /** What the folder is: a run folder (`lfkit train`), a model bundle (`lfkit bundle`) or one checkpoint. */
  kind: 'run' | 'bundle' | 'checkpoint';
  /** The run's `config.json`; null for a bare checkpoint folder (it records no dataset). */
  info: RunInfo<LfkitConfig> | null;
  config: LfkitConfig;
  /** The checkpoint the weights came from and the loop's state when it was saved. */
  checkpoint: { dir: string; which: 'best' | 'last'; state: LoopState };
  model: LightFieldModel;
  synth: ViewSynthesizer<DecoderContext>;
  /** Threads that decode each render call (1 here; `withThreads` of src/node/parallel raises it). */
  threads: number;
  /** The run's dataset (or another, with `root`/`category`), views resized to the model's size. */
  openData(opts?: { root?: string; category?: string }): Promise<Dataset>;
  dispose(): void;
}

/**
 * Opens a trained model: a run folder's `checkpoints/best` (else `last`, or the one named), a
 * model bundle's weights (`src/node/runs/bundle.ts`: its one checkpoint, whatever `checkpoint`
 * says), or a bare checkpoint folder (`config.json` + `model.safetensors`). RunError for a
 * missing or foreign folder or a run with no checkpoint; CheckpointError when the checkpoint's
 * config does not match the run's `config.json`. A tfjs backend must be set (src/node/backend.ts).
 */
export async function openRun(dir: string, opts: { checkpoint?: 'best' | 'last' | 'auto' } = {}): Promise<LoadedRun> {
  if (!isRunFolder(dir) && existsSync(path.join(dir, CHECKPOINT_FILE_NAMES.weights))) return openCheckpoint(dir);
  const info = readRunInfo<LfkitConfig>(dir);
  let config: LfkitConfig;
  try {
    config = configFromJson(info.config, `${dir}/config.json: config`) as LfkitConfig;
  } catch (err) {
    throw new RunError(`${dir}/config.json: ${(err as Error).message}`);
  }
  // a model bundle is its own single checkpoint: weights in the folder, no optimizer state
  const bundled = bundleCheckpoint(dir, info);
  const ckpt = bundled ?? runCheckpoint(dir, opts.checkpoint ?? 'auto');
  const model = bundled ? loadBundleModel(dir, config) : loadModelCheckpoint(ckpt.dir, config).model;
  return {
    dir,
    kind: bundled ? 'bundle' : 'run',
    info,
    config,
    checkpoint: ckpt,
    model,
    synth: modelSynthesizer(model),
    threads: 1,
    async openData(o = {}) {
      const root = o.root ?? info.data.root;
      const category = o.category ?? info.data.category ?? undefined;
      return openDataset(root, { category, size: config.model.imageSize });
    },
    dispose: () => model.dispose(),
  };
}

/** A bare checkpoint folder as a run without a recorded dataset (`openData` needs a `root`). */
function openCheckpoint(dir: string): LoadedRun {
  const config = readCheckpointConfig(dir);
  const ck = loadCheckpoint(dir, config);
  const model = ck.model;
  // a checkpoint of a run has the loop's state; one saved on its own has only its step
  const extra = ck.extra as Partial<LoopState>;
  const state: LoopState = findCheckpointDir(dir) === dir ? readLoopState(dir)
    : { step: ck.step, time: extra.time ?? 0, bestVal: extra.bestVal ?? null, bestStep: extra.bestStep ?? null };
  return {
    dir,
    kind: 'checkpoint',
    info: null,
    config,
    checkpoint: { dir, which: path.basename(dir) === 'last' ? 'last' : 'best', state },
    model,
    synth: modelSynthesizer(model),
    threads: 1,
    async openData(o = {}) {
      if (!o.root) throw new RunError(`--run ${dir}: a checkpoint folder records no dataset; pass --data`);
      return openDataset(o.root, { category: o.category, size: config.model.imageSize });
    },
    dispose: () => model.dispose(),
  };
}

/** The run's recorded `config.json`; RunError naming the flag for a bare checkpoint folder. */
export function requireRunInfo(run: LoadedRun, flag = '--run'): RunInfo<LfkitConfig> {
  if (!run.info) throw new RunError(`${flag} ${run.dir}: a checkpoint folder, not a run folder (no config.json with the run's data)`);
  return run.info;
}

/** Former name of `openRun`. */
export const loadRun = openRun;

export { CheckpointError };
