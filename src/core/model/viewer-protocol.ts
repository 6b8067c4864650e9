/**
 * The viewer's HTTP API, typed once for both sides: `src/viewer-server` (Node) serves it and
 * the page in `viewer/` (browser) reads it. No Node imports here, so the page bundles it.
 *
 * Routes (all GET, JSON unless noted; anything else under `/api/` is a 404 with an `ApiError`):
 * - `/api/info`                                  -> `ViewerInfo`
 * - `/api/objects`                               -> `ObjectList`
 * - `/api/objects/<id>`                          -> `ObjectDetail` (every view's camera)
 * - `/api/objects/<id>/views/<index>.png`        -> PNG, RGB composited on white (docs/model.md#data)
 * - `/api/model`                                 -> `ModelInfo` (404 without `--run`)
 * - `/api/model/weights.safetensors`             -> the checkpoint's weights, as stored
 * - `/api/objects/<id>/latents?support=0,7,19`   -> Z `[1, R, d]` float32 little-endian, shape in
 *                                                   the `X-Latent-Shape` header (`1,R,d`), the
 *                                                   support views' `foregroundRadius` in
 *                                                   `X-Foreground-Radius` (`none` without one)
 * - `/api/objects/<id>/render?support=..&camera=JSON&within=r|object|none`
 *                                                -> rgb `[h, w, 3]` float32 little-endian: the
 *                                                   server's decoder for a small image (the page's
 *                                                   first frame while its own decoder starts);
 *                                                   rays beyond `within` are background (`renderUrl`)
 *
 * Every request must name the bound address and port in its `Host` header (403 otherwise), so a
 * page from another origin cannot reach the API through DNS rebinding.
 *
 * Cameras travel as `CameraJson`: the `src/rays` camera with `c2w` as a plain array (OpenGL
 * convention, column-major, world up +z). `cameraFromJson` turns one back into a `Camera`.
 */
import type { ModelConfig } from './config.ts';
import type { Camera } from '../rays/index.ts';
import type { CameraRanges } from '../rays/index.ts';

/** A `Camera` as JSON: `c2w` column-major (gl-matrix layout), OpenGL convention. */
export type CameraJson = Omit<Camera, 'c2w'> & { c2w: number[] };

export interface ViewerInfo {
  /** lfkit version serving the page. */
  version: string;
  /** Dataset being browsed, or null when the server was started without `--data`. */
  data: { category: string | null; objects: number } | null;
  /** The model, or null without `--run`. */
  model: ModelInfo | null;
  /** Default number of support views (`--support`). */
  support: number;
  /** Object to open first (`--object`), or null for the first in the list. */
  initialObject: string | null;
  /** Why there is nothing to show, for the page to print (e.g. no `--data` given). */
  notice: string | null;
}

export interface ModelInfo {
  /** Run folder name (not its path). */
  run: string;
  preset: string;
  config: ModelConfig;
  parameters: number;
  /** URL of the weights (safetensors). */
  weights: string;
  /** The cameras the model was trained on (the page opens and orbits within them). */
  cameras: CameraRanges;
}

export const LATENT_SHAPE_HEADER = 'X-Latent-Shape';
export const FOREGROUND_RADIUS_HEADER = 'X-Foreground-Radius';
/** Most pixels the server renders for the page's first frame (it is a preview, not a renderer). */
export const MAX_SERVER_RENDER_PIXELS = 128 * 96;

/**
 * URL of the server-rendered first frame of `id` for `camera`. Rays with |m| above `within` are
 * left white: a number, `object` (the support views' `foregroundRadius` times originScale: the
 * rays that can reach the object) or `none` (every ray decoded).
 */
export function renderUrl(id: string, support: readonly number[], camera: CameraJson, within: number | 'object' | 'none'): string {
  const c = encodeURIComponent(JSON.stringify(camera));
  return `api/objects/${encodeURIComponent(id)}/render?support=${support.join(',')}&camera=${c}&within=${within}`;
}

/** URL of the latents of `id` with the given support views. */
export function latentsUrl(id: string, support: readonly number[]): string {
  return `api/objects/${encodeURIComponent(id)}/latents?support=${support.join(',')}`;
}

export interface ObjectSummary {
  id: string;
  /** First split that lists the object (`train`, `val`, `test`; `all` for transforms folders). */
  split: string;
}

export interface ObjectList {
  category: string | null;
  objects: ObjectSummary[];
}

export interface ViewJson {
  index: number;
  /** Image name in the dataset (e.g. `r_000`). */
  file: string;
  camera: CameraJson;
  /** URL of the view's image (PNG, composited on white). */
  image: string;
}

export interface ObjectDetail {
  id: string;
  width: number;
  height: number;
  cameraAngleX: number;
  views: ViewJson[];
  /** Largest distance of a view camera from the world origin (the page frames its orbit by it). */
  radius: number;
}

export interface ApiError {
  error: string;
}

export function cameraToJson(cam: Camera): CameraJson {
  return { fx: cam.fx, fy: cam.fy, cx: cam.cx, cy: cam.cy, width: cam.width, height: cam.height, c2w: Array.from(cam.c2w) };
}

export function cameraFromJson(j: CameraJson): Camera {
  if (!Array.isArray(j.c2w) || j.c2w.length !== 16) throw new Error('camera.c2w must hold 16 numbers');
  return { fx: j.fx, fy: j.fy, cx: j.cx, cy: j.cy, width: j.width, height: j.height, c2w: Float64Array.from(j.c2w) };
}
