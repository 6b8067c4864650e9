/**
 * The band of cameras a model was trained on: camera distance from the world origin, horizontal
 * field of view and elevation above the z = 0 plane (world up +z). Training records it in a run's
 * `config.json` (`cameras`), bundles keep it, and the viewer opens inside it. Pure geometry.
 */
import type { Camera } from './camera.ts';

export interface CameraRanges {
  /** Distance of camera centres from the origin, `[min, max]`. */
  radius: [number, number];
  /** Horizontal field of view `camera_angle_x = 2 atan(W / (2 fx))` in radians, `[min, max]`. */
  cameraAngleX: [number, number];
  /** Elevation of camera centres above the z = 0 plane, degrees, `[min, max]`. */
  elevationDeg: [number, number];
}

/**
 * The ranges of the classic procedural recipes (`synth-chairs-64`: radius 4, learnit's
 * `camera_angle_x` 0.6911, elevation -10..50 degrees), for runs recorded before `cameras` existed.
 */
export const CLASSIC_CAMERA_RANGES: Readonly<CameraRanges> = Object.freeze({
  radius: [4, 4] as [number, number],
  cameraAngleX: [0.6911, 0.6911] as [number, number],
  elevationDeg: [-10, 50] as [number, number],
});

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Min/max radius, field of view and elevation of `cameras` (rounded: radius and field of view to
 * 1e-3, elevation to 0.1 degree).
 *
 * @example cameraRanges([cameraAt(orbitPose(0, 0.3, 4), 64)]).radius // [4, 4]
 */
export function cameraRanges(cameras: Iterable<Camera>): CameraRanges {
  const r = [Infinity, -Infinity], a = [Infinity, -Infinity], e = [Infinity, -Infinity];
  let n = 0;
  for (const c of cameras) {
    const x = c.c2w[12]!, y = c.c2w[13]!, z = c.c2w[14]!;
    const radius = Math.hypot(x, y, z);
    const angle = 2 * Math.atan(c.width / (2 * c.fx));
    const elev = radius > 0 ? (Math.asin(Math.max(-1, Math.min(1, z / radius))) * 180) / Math.PI : 0;
    r[0] = Math.min(r[0]!, radius); r[1] = Math.max(r[1]!, radius);
    a[0] = Math.min(a[0]!, angle); a[1] = Math.max(a[1]!, angle);
    e[0] = Math.min(e[0]!, elev); e[1] = Math.max(e[1]!, elev);
    n++;
  }
  if (n === 0) throw new Error('cameraRanges: no cameras');
  return {
    radius: [round(r[0]!, 3), round(r[1]!, 3)],
    cameraAngleX: [round(a[0]!, 3), round(a[1]!, 3)],
    elevationDeg: [round(e[0]!, 1), round(e[1]!, 1)],
  };
}
