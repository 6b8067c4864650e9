/**
 * Target cameras for novel views (pure, no Node imports): a turntable orbit, and default
 * choices of support and held-out views of an object.
 */
import { cameraAngleX, cameraAt, orbitPose, type Camera } from '../rays/index.ts';

/**
 * `frames` cameras evenly spaced in azimuth at `elevationDeg` (degrees above the xy-plane),
 * `radius` from the origin, looking at it (+z up), `size x size` pixels, with the field of view
 * of `like` (default learnit's 0.6911 rad).
 */
export function orbitCameras(frames: number, elevationDeg: number, radius: number, size: number, like?: Camera, startAzimuth = 0): Camera[] {
  const angle = like ? cameraAngleX(like) : 0.6911;
  const el = (elevationDeg * Math.PI) / 180;
  return Array.from({ length: frames }, (_, i) => cameraAt(orbitPose(startAzimuth + (2 * Math.PI * i) / frames, el, radius), size, size, angle));
}

/** `count` view indices spread evenly over `numViews` (the default support views). */
export function spreadViews(numViews: number, count: number): number[] {
  if (count > numViews) throw new Error(`cannot pick ${count} views of ${numViews}`);
  return Array.from({ length: count }, (_, i) => Math.floor((i * numViews) / count));
}

/** Up to `max` views not in `exclude`, spread evenly (held-out views to compare against). */
export function heldOutViews(numViews: number, exclude: readonly number[], max: number): number[] {
  const rest = Array.from({ length: numViews }, (_, i) => i).filter((i) => !exclude.includes(i));
  if (rest.length <= max) return rest;
  return spreadViews(rest.length, max).map((i) => rest[i]!);
}
