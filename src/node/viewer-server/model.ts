/**
 * The run's model on the server side of the viewer: the page gets the checkpoint's config and
 * weights (safetensors bytes, as stored) and runs the decoder itself; the server runs the
 * encoder once per (object, support set) and sends the latent tokens Z `[1, R, d]`.
 *
 * `--run` takes a run folder (`openRun`: its best checkpoint, else the last; it also names the
 * run's dataset) or a bare checkpoint folder. A tfjs backend must be active (`initBackend`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PosedView } from '../../core/data/types.ts';
import type { LfkitConfig, LightFieldModel } from '../../core/model/index.ts';
import { fitSupport } from '../../core/render/render.ts';
import { encodeSupport } from '../../core/model/support.ts';
import { trainedCameras, type CameraRanges } from '../../core/model/view-geometry.ts';
import { CHECKPOINT_FILES, loadModelCheckpoint } from '../runs/checkpoint.ts';
import { isRunFolder } from '../runs/run-folder.ts';
import { openRun } from '../runs/run.ts';

export class ViewerModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewerModelError';
  }
}

export interface Latents {
  /** Z `[1, R, d]` row-major. */
  data: Float32Array;
  shape: [number, number, number];
}

export interface ViewerModel {
  /** Name of the run folder (not its path: the page need not know the server's layout). */
  runName: string;
  config: LfkitConfig;
  /** The checkpoint's `model.safetensors`, byte for byte. */
  weights: Uint8Array;
  /** The dataset the run was trained on, when `--run` is a run folder. */
  trainedOn: { root: string; category: string | null } | null;
  /** The cameras the model was trained on (`config.json` `cameras`, or the defaults). */
  cameras: CameraRanges;
  /** Encoder on the support views (resized to the model's image size if needed). */
  latents(support: readonly PosedView[], width: number, height: number): Promise<Latents>;
  /** Decoder: colours `[n, 3]` of Plücker rays `[n, 6]` for latents `z` (the server's first frame). */
  render(z: Latents, rays: Float32Array): Float32Array;
  dispose(): void;
}

/** Z `[1, R, d]` of one object from its support views (`fitSupport` resizes them to the model's size). */
export async function encodeLatents(model: LightFieldModel, views: readonly PosedView[], width: number, height: number): Promise<Latents> {
  const size = model.config.imageSize;
  const fitted = fitSupport(views.map((v) => ({ data: v.image, width, height })), views.map((v) => v.camera), size, views.map((v) => v.name));
  const { Z } = encodeSupport(model, fitted);
  try {
    const [b, r, d] = Z.shape;
    // An asynchronous read: the webgpu backend in Node has no synchronous one.
    return { data: (await Z.data()) as Float32Array, shape: [b, r, d] };
  } finally {
    Z.dispose();
  }
}

/**
 * The trained camera ranges from the run's (or bundle's) `config.json`, else the checkpoint's;
 * the defaults when neither records them. A malformed field is an error naming the file.
 */
function readCameraRanges(run: string, ckptDir: string): CameraRanges {
  for (const dir of [run, ckptDir]) {
    const file = path.join(dir, 'config.json');
    if (!existsSync(file)) continue;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ViewerModelError(`--run ${file}: not valid JSON (${(err as Error).message})`);
    }
    if (json && typeof json === 'object' && 'cameras' in json) {
      try {
        return trainedCameras(json);
      } catch (err) {
        throw new ViewerModelError(`--run ${file}: ${(err as Error).message.replace(/^config\.json /, '')}`);
      }
    }
  }
  return trainedCameras({});
}

/** Loads `--run` (a run folder or a checkpoint folder). Errors name the flag and the file. */
export async function loadViewerModel(run: string): Promise<ViewerModel> {
  if (!existsSync(run)) throw new ViewerModelError(`--run ${run}: no such folder`);
  if (!isRunFolder(run) && !existsSync(path.join(run, CHECKPOINT_FILES.weights))) {
    throw new ViewerModelError(`--run ${run}: neither an lfkit run folder (config.json) nor a checkpoint folder (${CHECKPOINT_FILES.weights})`);
  }
  // a run folder, a bundle or a bare checkpoint folder (`openRun` tells them apart)
  const { model, config, checkpoint, info } = await openRun(run);
  const ckptDir = checkpoint.dir;
  const trainedOn: ViewerModel['trainedOn'] = info ? { root: info.data.root, category: info.data.category } : null;
  const weights = new Uint8Array(readFileSync(path.join(ckptDir, CHECKPOINT_FILES.weights)));
  return {
    runName: path.basename(path.resolve(run)),
    config,
    weights,
    trainedOn,
    cameras: readCameraRanges(run, ckptDir),
    latents: (views, width, height) => encodeLatents(model, views, width, height),
    render: (z, rays) => {
      const Z = tf.tensor3d(z.data, z.shape);
      const ctx = model.prepare(Z);
      Z.dispose();
      try {
        return model.renderRays(ctx, rays);
      } finally {
        ctx.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}
