/**
 * The floors every PSNR is reported beside (method.md section 3). Pure functions on
 * `[H, W, 3]` images in [0, 1]; no Node imports. The wrong-object control needs the model and
 * lives in `evaluate.ts`.
 *
 * - `white`: an all-white image (the background).
 * - `supportMean`: the mean colour of all support pixels, everywhere.
 * - `nearestSupport`: the support view whose camera centre is nearest the query camera centre,
 *   its image unchanged.
 * - `trainMean`: the per-pixel mean of all training images (`TrainMeanAccumulator`), a generic
 *   blurred object that ignores both the object and the camera.
 */
import { cameraCenter, type Camera } from '../rays/index.ts';

/** The names of the baselines in `eval.json`, in table order. */
export const BASELINES = ['white', 'supportMean', 'nearestSupport', 'trainMean', 'wrongObject'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** An all-white `[H, W, 3]` image. */
export function whiteImage(H: number, W: number): Float32Array {
  return new Float32Array(H * W * 3).fill(1);
}

/** The mean RGB of all pixels of all support images, painted over an `[H, W, 3]` image. */
export function supportMeanImage(supportImages: readonly Float32Array[], H: number, W: number): Float32Array {
  if (supportImages.length === 0) throw new Error('supportMeanImage: no support views');
  const sum = [0, 0, 0];
  let n = 0;
  for (const img of supportImages) {
    for (let i = 0; i < img.length; i += 3) {
      sum[0] += img[i]!; sum[1] += img[i + 1]!; sum[2] += img[i + 2]!;
    }
    n += img.length / 3;
  }
  const out = new Float32Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    out[p * 3] = sum[0]! / n; out[p * 3 + 1] = sum[1]! / n; out[p * 3 + 2] = sum[2]! / n;
  }
  return out;
}

/** Index (into `supportCameras`) of the camera whose centre is nearest the query camera's. */
export function nearestSupportIndex(supportCameras: readonly Camera[], query: Camera): number {
  if (supportCameras.length === 0) throw new Error('nearestSupportIndex: no support views');
  const q = cameraCenter(query);
  let best = 0, bestD = Infinity;
  supportCameras.forEach((cam, i) => {
    const c = cameraCenter(cam);
    const d = (c[0] - q[0]) ** 2 + (c[1] - q[1]) ** 2 + (c[2] - q[2]) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  });
  return best;
}

/**
 * Running per-pixel mean of images `[H, W, 3]` (the training-mean baseline). Sums in float64
 * so the order of objects does not matter beyond rounding.
 */
export class TrainMeanAccumulator {
  private readonly sum: Float64Array;
  count = 0;

  constructor(readonly height: number, readonly width: number) {
    this.sum = new Float64Array(height * width * 3);
  }

  add(image: ArrayLike<number>): void {
    if (image.length !== this.sum.length) {
      throw new Error(`TrainMeanAccumulator: image of ${image.length} values, expected ${this.height}x${this.width}x3`);
    }
    for (let i = 0; i < image.length; i++) this.sum[i]! += image[i]!;
    this.count++;
  }

  mean(): Float32Array {
    if (this.count === 0) throw new Error('TrainMeanAccumulator: no images added');
    const out = new Float32Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i]! / this.count;
    return out;
  }
}
