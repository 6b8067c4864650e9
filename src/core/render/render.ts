/**
 * Novel-view rendering, the same for the CLI, the evaluator and the viewer. A `ViewSynthesizer`
 * is anything that turns support views into a per-object context (the encoder: `Z` and the
 * decoder's keys and values, computed once) and colours rays given that context (the
 * light-field decoder). `renderCamera` renders every pixel of a camera through it, in chunks, so
 * any output size works: the light field is continuous.
 *
 * Shapes: support images `[H, W, 3]`, rays `[N, 6]` Plücker `[d_hat, m]` (method.md section 1,
 * made by the synthesizer's `cameraRays`), colours `[N, 3]`. No Node imports.
 */
import { scaleCamera, type Camera } from '../rays/index.ts';
import { resizeImage, type RgbImage } from './image-ops.ts';

/** The support views of one object: images (all `imageSize x imageSize`) and their cameras. */
export interface SupportSet {
  images: Float32Array[];
  cameras: Camera[];
}

/**
 * A few-shot view synthesiser (a trained model behind an adapter, or a test double).
 * `encode` output must be released with `dispose`; `renderRays` must not leak.
 */
export interface ViewSynthesizer<Ctx = unknown> {
  /** H = W the encoder takes. */
  readonly imageSize: number;
  /**
   * Plücker rays `[H, W, 6]` of every pixel of a camera as this synthesizer takes them (lfkit's
   * model: origins scaled by its `originScale`, method.md section 1); fills `out` when given.
   */
  cameraRays(camera: Camera, out?: Float32Array): Float32Array;
  /** Support views -> per-object context (encoder once per object). */
  encode(support: SupportSet): Ctx | Promise<Ctx>;
  /** Rays `[N, 6]` -> RGB `[N, 3]` (unclamped). */
  renderRays(ctx: Ctx, rays: Float32Array): Float32Array | Promise<Float32Array>;
  /** Frees the context (tensors). */
  dispose(ctx: Ctx): void;
}

/** Thrown when support views cannot be fed to the model; the caller adds the file or flag. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

export interface RenderCameraOptions {
  /** Rays per `renderRays` call (default 4096). */
  chunk?: number;
  /** Reusable Plücker buffer of `H * W * 6` values. */
  raysBuffer?: Float32Array;
}

/**
 * Renders every pixel of `camera` (any size): `[H, W, 3]`, unclamped.
 *
 * @example const img = await renderCamera(synth, ctx, cameraAt(orbitPose(0.3, 0.4, 4), 128));
 */
export async function renderCamera<Ctx>(synth: ViewSynthesizer<Ctx>, ctx: Ctx, camera: Camera, opts: RenderCameraOptions = {}): Promise<RgbImage> {
  const { width, height } = camera;
  const rays = synth.cameraRays(camera, opts.raysBuffer?.length === width * height * 6 ? opts.raysBuffer : undefined);
  const n = width * height;
  const chunk = Math.max(1, opts.chunk ?? 4096);
  const out = new Float32Array(n * 3);
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const rgb = await synth.renderRays(ctx, rays.subarray(s * 6, e * 6));
    if (rgb.length !== (e - s) * 3) throw new RenderError(`renderRays returned ${rgb.length} values for ${e - s} rays`);
    out.set(rgb, s * 3);
  }
  return { data: out, width, height };
}

/**
 * Brings support views to the size the encoder takes: views already `imageSize` square pass
 * through; other square views are resized (bilinear) with their intrinsics scaled; non-square
 * views are a RenderError naming the view (`names[i]`) and both sizes.
 */
export function fitSupport(images: readonly RgbImage[], cameras: readonly Camera[], imageSize: number, names?: readonly string[]): SupportSet {
  if (images.length !== cameras.length) throw new RenderError(`${images.length} support images but ${cameras.length} cameras`);
  if (images.length === 0) throw new RenderError('no support views');
  const out: SupportSet = { images: [], cameras: [] };
  images.forEach((img, i) => {
    const name = names?.[i] ?? `support view ${i}`;
    const cam = cameras[i]!;
    if (img.width !== img.height) {
      throw new RenderError(`${name}: image is ${img.width}x${img.height}; the model takes square ${imageSize}x${imageSize} views`);
    }
    if (cam.width !== img.width || cam.height !== img.height) {
      throw new RenderError(`${name}: image is ${img.width}x${img.height} but its camera is ${cam.width}x${cam.height}`);
    }
    if (img.width === imageSize) {
      out.images.push(img.data);
      out.cameras.push(cam);
    } else {
      out.images.push(resizeImage(img, imageSize, imageSize).data);
      out.cameras.push(scaleCamera(cam, imageSize, imageSize));
    }
  });
  return out;
}

/** Camera centres' distance from the origin, for a default orbit radius. */
export function meanCameraRadius(cameras: readonly Camera[]): number {
  let s = 0;
  for (const c of cameras) s += Math.hypot(c.c2w[12]!, c.c2w[13]!, c.c2w[14]!);
  return cameras.length ? s / cameras.length : 4;
}
