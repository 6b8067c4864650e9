/**
 * three.js camera <-> lfkit `Camera` (`src/rays`). Both use the OpenGL convention (x right,
 * y up, looking down -z) and column-major matrices, so `matrixWorld` IS the camera-to-world
 * matrix: no axis flips. World up is +z in both (set on the three camera).
 */
import type { PerspectiveCamera } from 'three';
import type { Camera } from 'lfkit';

/** A frozen copy of what a three camera shows: pose, vertical field of view, aspect. */
export interface CameraSnapshot {
  c2w: Float64Array;
  fovY: number;
  aspect: number;
}

export function snapshotCamera(cam: PerspectiveCamera): CameraSnapshot {
  cam.updateMatrixWorld();
  return { c2w: Float64Array.from(cam.matrixWorld.elements), fovY: cam.fov, aspect: cam.aspect };
}

/**
 * The lfkit camera whose `w x h` image covers exactly the three camera's view (the image is
 * stretched over the canvas, so a coarse size with a slightly different aspect still lines up).
 */
export function cameraFromSnapshot(s: CameraSnapshot, width: number, height: number): Camera {
  const t = Math.tan((s.fovY * Math.PI) / 360);
  return { fx: (0.5 * width) / (s.aspect * t), fy: (0.5 * height) / t, cx: width / 2, cy: height / 2, width, height, c2w: Float64Array.from(s.c2w) };
}

/** Identity of a snapshot for "did anything change" checks (1e-7 relative: below a pixel). */
export function snapshotKey(s: CameraSnapshot): string {
  return [...s.c2w, s.fovY, s.aspect].map((v) => v.toFixed(7)).join(',');
}
