/**
 * three.js camera <-> lfkit `Camera` (`src/rays`). Both use the OpenGL convention (x right,
 * y up, looking down -z) and column-major matrices, so `matrixWorld` IS the camera-to-world
 * matrix: no axis flips. World up is +z in both (set on the three camera).
 */
import type { PerspectiveCamera } from 'three';
import type { Camera } from '../../src/rays/index.ts';

/** The lfkit camera that sees what `cam` shows on a `width x height` image (square pixels). */
export function cameraFromThree(cam: PerspectiveCamera, width: number, height: number): Camera {
  cam.updateMatrixWorld();
  const fy = (0.5 * height) / Math.tan((0.5 * cam.fov * Math.PI) / 180);
  return { fx: fy, fy, cx: width / 2, cy: height / 2, width, height, c2w: Float64Array.from(cam.matrixWorld.elements) };
}

/** Vertical field of view in degrees (three's `fov`) of an lfkit camera. */
export function fovYDegrees(cam: Camera): number {
  return (2 * Math.atan((0.5 * cam.height) / cam.fy) * 180) / Math.PI;
}
