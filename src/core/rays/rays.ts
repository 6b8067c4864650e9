/**
 * Per-pixel rays and Plücker embeddings (method.md section 1).
 *
 * Pixel (column u, row v) is sampled at its centre `(u + 0.5, v + 0.5)`; camera-space direction
 * `((x - cx)/fx, -(y - cy)/fy, -1)`, world direction `d = R d_cam`, origin `o = t`. Arrays are
 * row-major over pixels: entry `(v * W + u) * C + c`.
 *
 * Plücker embedding (Light Field Networks): `[d_hat, m]` with `d_hat = d/|d|` and
 * `m = (s o) x d_hat`, where `s` is the config's `originScale` (1 = the paper as written).
 * The moment is the same for every point of the line, and `d_hat . m = 0`.
 */
import type { Camera } from './camera.ts';

/** Unit world-space direction of the ray through the point (x, y) in pixel coordinates. */
export function rayDirection(cam: Camera, x: number, y: number, out: number[] | Float64Array = [0, 0, 0]): number[] | Float64Array {
  const dx = (x - cam.cx) / cam.fx;
  const dy = -(y - cam.cy) / cam.fy;
  const m = cam.c2w;
  // d = R * (dx, dy, -1); R's columns are c2w[0..2], c2w[4..6], c2w[8..10].
  const wx = m[0]! * dx + m[4]! * dy - m[8]!;
  const wy = m[1]! * dx + m[5]! * dy - m[9]!;
  const wz = m[2]! * dx + m[6]! * dy - m[10]!;
  const inv = 1 / Math.hypot(wx, wy, wz);
  out[0] = wx * inv;
  out[1] = wy * inv;
  out[2] = wz * inv;
  return out;
}

/** Plücker coordinates `[d_hat, o x d_hat]` of the line through `o` with direction `d` (any length). */
export function plucker(o: ArrayLike<number>, d: ArrayLike<number>, originScale = 1): [number, number, number, number, number, number] {
  const n = Math.hypot(d[0]!, d[1]!, d[2]!);
  const x = d[0]! / n, y = d[1]! / n, z = d[2]! / n;
  const ox = o[0]! * originScale, oy = o[1]! * originScale, oz = o[2]! * originScale;
  return [x, y, z, oy * z - oz * y, oz * x - ox * z, ox * y - oy * x];
}

/** World-space rays of every pixel: origins `[H, W, 3]` and unit directions `[H, W, 3]`. */
export function pixelRays(cam: Camera): { origins: Float32Array; directions: Float32Array } {
  const { width: W, height: H } = cam;
  const origins = new Float32Array(H * W * 3);
  const directions = new Float32Array(H * W * 3);
  const d = new Float64Array(3);
  const ox = cam.c2w[12]!, oy = cam.c2w[13]!, oz = cam.c2w[14]!;
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      rayDirection(cam, u + 0.5, v + 0.5, d);
      const i = (v * W + u) * 3;
      origins[i] = ox; origins[i + 1] = oy; origins[i + 2] = oz;
      directions[i] = d[0]!; directions[i + 1] = d[1]!; directions[i + 2] = d[2]!;
    }
  }
  return { origins, directions };
}

/**
 * Plücker image of a camera: `[H, W, 6]` row-major, channels `[d_hat, m]`.
 *
 * @example const pl = pluckerImage(cam); // pl[(v * W + u) * 6 + c]
 */
export function pluckerImage(cam: Camera, originScale = 1, out?: Float32Array): Float32Array {
  const { width: W, height: H } = cam;
  const res = out ?? new Float32Array(H * W * 6);
  if (res.length !== H * W * 6) throw new Error(`pluckerImage: out must hold ${H * W * 6} values, got ${res.length}`);
  const m = cam.c2w;
  const ox = m[12]! * originScale, oy = m[13]! * originScale, oz = m[14]! * originScale;
  const ifx = 1 / cam.fx, ify = 1 / cam.fy;
  for (let v = 0; v < H; v++) {
    const dy = -(v + 0.5 - cam.cy) * ify;
    for (let u = 0; u < W; u++) {
      const dx = (u + 0.5 - cam.cx) * ifx;
      let x = m[0]! * dx + m[4]! * dy - m[8]!;
      let y = m[1]! * dx + m[5]! * dy - m[9]!;
      let z = m[2]! * dx + m[6]! * dy - m[10]!;
      const inv = 1 / Math.sqrt(x * x + y * y + z * z);
      x *= inv; y *= inv; z *= inv;
      const i = (v * W + u) * 6;
      res[i] = x; res[i + 1] = y; res[i + 2] = z;
      res[i + 3] = oy * z - oz * y;
      res[i + 4] = oz * x - ox * z;
      res[i + 5] = ox * y - oy * x;
    }
  }
  return res;
}

/**
 * Plücker embeddings of chosen pixels, given as flat pixel indices `v * W + u`:
 * `[N] -> [N, 6]`. Used to embed the sampled query rays of a training episode.
 */
export function pluckerAtPixels(cam: Camera, pixels: ArrayLike<number>, originScale = 1, out?: Float32Array): Float32Array {
  const n = pixels.length;
  const res = out ?? new Float32Array(n * 6);
  const d = new Float64Array(3);
  const o = [cam.c2w[12]!, cam.c2w[13]!, cam.c2w[14]!];
  for (let k = 0; k < n; k++) {
    const p = pixels[k]!;
    const u = p % cam.width, v = (p - u) / cam.width;
    rayDirection(cam, u + 0.5, v + 0.5, d);
    const e = plucker(o, d, originScale);
    res.set(e, k * 6);
  }
  return res;
}
