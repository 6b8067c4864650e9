/**
 * The library API behind `lfkit eval`, `lfkit render` (and `lfkit view`): open a trained run by
 * its folder alone (docs/model.md#code-conventions).
 *
 * @example
 *   const run = await loadRun('runs/chairs');                 // best checkpoint, else last
 *   const ds = await run.openData();                           // the run's dataset, at the model's size
 *   const obj = await ds.loadObject(ds.ids('test')[0]);
 *   const ctx = await run.synth.encode({ images: [obj.views[0].image], cameras: [obj.views[0].camera] });
 *   const img = await renderCamera(run.synth, ctx, cameraAt(orbitPose(0.3, 0.5, 4), 128));
 *   run.synth.dispose(ctx); run.dispose();
 */
import { bundleCheckpoint, loadBundleModel } from '../bundle/load.ts';
import { openDataset, type Dataset } from '../datasets/index.ts';
import type { DecoderContext, LfkitConfig, LightFieldModel } from '../model/index.ts';
import { configFromJson } from '../model/index.ts';
import type { ViewSynthesizer } from '../render/render.ts';
import type { LoopState } from './engine.ts';
import { openParallelSynthesizer } from '../node/parallel/synth.ts';
import { CheckpointError, loadModelCheckpoint, modelSynthesizer } from './model-engine.ts';
import { readRunInfo, RunError, type RunInfo } from './run-folder.ts';
import { runCheckpoint } from './train.ts';

export interface LoadedRun {
  dir: string;
  info: RunInfo<LfkitConfig>;
  config: LfkitConfig;
  checkpoint: { dir: string; which: 'best' | 'last'; state: LoopState };
  model: LightFieldModel;
  synth: ViewSynthesizer<DecoderContext>;
  /** Threads that decode each render call (1, or the `threads` asked for: src/node/parallel). */
  threads: number;
  /** The run's dataset (or another, with `root`/`category`), views resized to the model's size. */
  openData(opts?: { root?: string; category?: string }): Promise<Dataset>;
  dispose(): void;
}

/**
 * Loads a run's model from `checkpoints/best` (else `last`, or the one named), or a model
 * bundle's (`src/bundle`: its one checkpoint, whatever `checkpoint` says). RunError for a
 * missing or foreign folder or no checkpoint; CheckpointError when the checkpoint's config does
 * not match the run's `config.json`. A tfjs backend must be set (src/node/backend.ts).
 * `threads` > 1 starts `threads - 1` worker replicas that decode a share of every render call
 * (`dispose()` stops them).
 */
export async function loadRun(dir: string, opts: { checkpoint?: 'best' | 'last' | 'auto'; threads?: number } = {}): Promise<LoadedRun> {
  const info = readRunInfo<LfkitConfig>(dir);
  let config: LfkitConfig;
  try {
    config = configFromJson(info.config, `${dir}/config.json: config`) as LfkitConfig;
  } catch (err) {
    throw new RunError(`${dir}/config.json: ${(err as Error).message}`);
  }
  // a model bundle (src/bundle) is its own single checkpoint: weights in the folder, no optimizer state
  const bundled = bundleCheckpoint(dir, info);
  const ckpt = bundled ?? runCheckpoint(dir, opts.checkpoint ?? 'auto');
  const model = bundled ? loadBundleModel(dir, config) : loadModelCheckpoint(ckpt.dir, config).model;
  // threads > 1: each renderRays call splits its rays over worker replicas (src/node/parallel)
  const par = opts.threads && opts.threads > 1 ? await openParallelSynthesizer(model, config, opts.threads) : null;
  const synth = par ? par.synth : modelSynthesizer(model);
  return {
    dir,
    info,
    config,
    checkpoint: ckpt,
    model,
    synth,
    threads: par ? par.threads : 1,
    async openData(o = {}) {
      const root = o.root ?? info.data.root;
      const category = o.category ?? info.data.category ?? undefined;
      return openDataset(root, { category, size: config.model.imageSize });
    },
    dispose: () => {
      void par?.close();
      model.dispose();
    },
  };
}

export { CheckpointError };
