/**
 * Where the model is valid, as the viewer needs it (browser-safe: no Node imports; the page and
 * the server share it).
 *
 * - `trainedCameras`: the cameras a model was trained on (radius of the camera centres, horizontal
 *   field of view `camera_angle_x`, elevation above the z = 0 plane), read from a run's or a
 *   bundle's `config.json`; the viewer opens in the middle of them and clamps its orbit to them.
 * - `supportByAzimuth`: default support views spread by angle around the object.
 * - `raysWithin`: the rays of an image whose line passes within a distance of the origin (the
 *   rest are background without asking the decoder).
 * - `foregroundRadius`: a bound on the object's extent from the support views' silhouettes.
 */
import { cameraCenter, CLASSIC_CAMERA_RANGES, type Camera, type CameraRanges } from '../rays/index.ts';

export type { CameraRanges } from '../rays/index.ts';

function range(v: unknown, field: string, lo: number, hi: number): [number, number] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`config.json cameras.${field}: expected [min, max] numbers, got ${JSON.stringify(v)}`);
  }
  const [a, b] = v as [number, number];
  if (!(a <= b && a >= lo && b <= hi)) throw new Error(`config.json cameras.${field}: [${a}, ${b}] must satisfy ${lo} <= min <= max <= ${hi}`);
  return [a, b];
}

/**
 * The trained camera ranges of a parsed `config.json` (its top-level `cameras` field, which
 * training records), each missing range taken from `CLASSIC_CAMERA_RANGES` (radius 4,
 * `camera_angle_x` 0.6911, elevation -10 to 50 degrees: every dataset made before training
 * recorded them). Throws one line naming the bad field.
 *
 * @example trainedCameras(JSON.parse(readFileSync('models/NAME/config.json', 'utf8'))).radius // [4, 4]
 */
export function trainedCameras(config: unknown): CameraRanges {
  const c = (config && typeof config === 'object' ? (config as { cameras?: unknown }).cameras : undefined) ?? {};
  if (typeof c !== 'object' || Array.isArray(c)) throw new Error('config.json cameras: expected an object');
  const o = c as Record<string, unknown>;
  const d = CLASSIC_CAMERA_RANGES;
  return {
    radius: range(o.radius, 'radius', 1e-6, 1e6) ?? [...d.radius],
    cameraAngleX: range(o.cameraAngleX, 'cameraAngleX', 1e-6, Math.PI - 1e-6) ?? [...d.cameraAngleX],
    elevationDeg: range(o.elevationDeg, 'elevationDeg', -90, 90) ?? [...d.elevationDeg],
  };
}

/** Middle of a range. */
export function mid(r: readonly [number, number]): number {
  return 0.5 * (r[0] + r[1]);
}

/** Relative margin added to each side of a radius range that is a single value (zoom a little). */
export const FIXED_RADIUS_MARGIN = 0.1;

/** The orbit distance limits: the trained radius range, widened by a small margin only when it is one value. */
export function zoomLimits(r: CameraRanges): [number, number] {
  const [a, b] = r.radius;
  return a === b ? [a * (1 - FIXED_RADIUS_MARGIN), b * (1 + FIXED_RADIUS_MARGIN)] : [a, b];
}

/** Azimuth (radians, from +x toward +y) and elevation (degrees above z = 0) of a camera centre. */
export function orbitAngles(cam: Camera): { azimuth: number; elevationDeg: number; radius: number } {
  const [x, y, z] = cameraCenter(cam);
  const radius = Math.hypot(x, y, z);
  return { azimuth: Math.atan2(y, x), elevationDeg: (Math.asin(z / Math.max(radius, 1e-12)) * 180) / Math.PI, radius };
}

function angleGap(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

/**
 * `count` view indices spread by azimuth around the object: view 0, then for each azimuth
 * `a0 + k 2 pi / count` the unused view nearest to it (ties: the lower index). Sorted.
 */
export function supportByAzimuth(cameras: readonly Camera[], count: number): number[] {
  const n = cameras.length;
  const k = Math.max(1, Math.min(n, Math.floor(count)));
  const az = cameras.map((c) => orbitAngles(c).azimuth);
  const used = new Set<number>([0]);
  for (let j = 1; j < k; j++) {
    const target = az[0]! + (2 * Math.PI * j) / k;
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (used.has(i)) continue;
      if (best < 0 || angleGap(az[i]!, target) < angleGap(az[best]!, target) - 1e-12) best = i;
    }
    used.add(best);
  }
  return [...used].sort((a, b) => a - b);
}

/**
 * Indices of the rays `[n, 6]` (Plücker, `m` scaled by originScale) whose |m| is at most
 * `limit` (null: all), written to `index`; returns how many.
 */
export function raysWithin(rays: Float32Array, n: number, limit: number | null, index: Int32Array): number {
  if (limit === null) {
    for (let i = 0; i < n; i++) index[i] = i;
    return n;
  }
  const lim = limit * limit;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 6;
    if (rays[o + 3]! ** 2 + rays[o + 4]! ** 2 + rays[o + 5]! ** 2 <= lim) index[m++] = i;
  }
  return m;
}

/** A pixel counts as foreground when a channel is below this (the datasets composite on white). */
export const FOREGROUND_BELOW = 0.96;
/** Relative margin on the silhouette bound (the few support views see the object's extent only from their sides). */
export const FOREGROUND_MARGIN = 0.15;

/**
 * A bound on the object's distance from the origin as the support views show it: the largest
 * distance from the origin of the line of any foreground pixel's ray, plus `FOREGROUND_MARGIN`
 * and one pixel's footprint. Rays passing farther cannot hit what the views show; the viewer
 * skips them in its coarse passes. Images `[H, W, 3]` in [0, 1]; null when no pixel is foreground.
 */
export function foregroundRadius(views: ReadonlyArray<{ image: ArrayLike<number>; camera: Camera }>): number | null {
  let best = -1;
  let pixel = 0;
  for (const { image, camera: cam } of views) {
    const m = cam.c2w;
    const o = [m[12]!, m[13]!, m[14]!];
    pixel = Math.max(pixel, Math.hypot(...o) / cam.fx);
    for (let v = 0; v < cam.height; v++) {
      for (let u = 0; u < cam.width; u++) {
        const p = (v * cam.width + u) * 3;
        if (!(image[p]! < FOREGROUND_BELOW || image[p + 1]! < FOREGROUND_BELOW || image[p + 2]! < FOREGROUND_BELOW)) continue;
        const dx = (u + 0.5 - cam.cx) / cam.fx, dy = -(v + 0.5 - cam.cy) / cam.fy;
        const x = m[0]! * dx + m[4]! * dy - m[8]!, y = m[1]! * dx + m[5]! * dy - m[9]!, z = m[2]! * dx + m[6]! * dy - m[10]!;
        const len = Math.hypot(x, y, z);
        // |o x d| / |d|: distance of the ray's line from the origin
        const cx = o[1]! * z - o[2]! * y, cy = o[2]! * x - o[0]! * z, cz = o[0]! * y - o[1]! * x;
        best = Math.max(best, Math.hypot(cx, cy, cz) / len);
      }
    }
  }
  return best < 0 ? null : best * (1 + FOREGROUND_MARGIN) + pixel;
}
