/**
 * Cameras (method.md section 1). The one convention of lfkit, written once:
 *
 * - Pinhole intrinsics `fx, fy, cx, cy` in pixels, image `width x height`.
 * - `c2w` is a 4x4 camera-to-world matrix in the OpenGL / Blender convention (camera x right,
 *   y up, looking down -z), stored column-major as gl-matrix does (`c2w[12..14]` is the
 *   camera centre).
 * - World up for orbits is +z (the Blender convention of the learnit ShapeNet renders).
 * - Conversions from other conventions (SRN's OpenCV poses, row-major JSON matrices) happen
 *   here, once, at ingest.
 *
 * Pure TypeScript + gl-matrix: no tensors, no Node imports, so the browser viewer shares it.
 */
import { mat4 } from 'gl-matrix';

/** A pinhole camera with an OpenGL camera-to-world pose. */
export interface Camera {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Camera-to-world, OpenGL convention, column-major (gl-matrix layout). */
  c2w: Float64Array;
}

/** Thrown for a pose or intrinsics that cannot describe a camera; the caller adds the file. */
export class CameraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CameraError';
  }
}

/** Row-major 4x4 (as JSON writes it, `m[row][col]`) -> column-major Float64Array. */
export function fromRowMajor(m: ArrayLike<ArrayLike<number>> | ArrayLike<number>): Float64Array {
  const flat: number[] = [];
  if (m.length === 4 && typeof (m as ArrayLike<ArrayLike<number>>)[0] === 'object') {
    const rows = m as ArrayLike<ArrayLike<number>>;
    for (let r = 0; r < 4; r++) {
      const row = rows[r];
      if (!row || row.length !== 4) throw new CameraError(`matrix row ${r} must hold 4 numbers`);
      for (let c = 0; c < 4; c++) flat.push(Number(row[c]));
    }
  } else {
    const a = m as ArrayLike<number>;
    if (a.length !== 16) throw new CameraError(`matrix must be 4x4 (16 numbers), got ${a.length}`);
    for (let i = 0; i < 16; i++) flat.push(Number(a[i]));
  }
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[c * 4 + r] = flat[r * 4 + c]!;
  return out;
}

/** Column-major -> row-major nested array, as `transform_matrix` is written in JSON. */
export function toRowMajor(m: ArrayLike<number>): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < 4; r++) rows.push([0, 1, 2, 3].map((c) => m[c * 4 + r]!));
  return rows;
}

/**
 * Checks that a camera-to-world matrix is finite and rigid (orthonormal rotation with
 * determinant +1, last row 0 0 0 1) within `tol`. Returns a reason, or null when it is fine.
 */
export function rigidPoseProblem(c2w: ArrayLike<number>, tol = 1e-3): string | null {
  for (let i = 0; i < 16; i++) if (!Number.isFinite(c2w[i])) return 'has a non-finite entry';
  if (Math.abs(c2w[3]!) > tol || Math.abs(c2w[7]!) > tol || Math.abs(c2w[11]!) > tol ||
      Math.abs(c2w[15]! - 1) > tol) {
    return 'last row is not 0 0 0 1';
  }
  for (let a = 0; a < 3; a++) {
    for (let b = a; b < 3; b++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += c2w[a * 4 + k]! * c2w[b * 4 + k]!;
      const want = a === b ? 1 : 0;
      if (Math.abs(dot - want) > tol) return 'rotation is not orthonormal (scaled or sheared)';
    }
  }
  const m = c2w;
  const det = m[0]! * (m[5]! * m[10]! - m[9]! * m[6]!) - m[4]! * (m[1]! * m[10]! - m[9]! * m[2]!) +
    m[8]! * (m[1]! * m[6]! - m[5]! * m[2]!);
  if (det < 0) return 'rotation is a reflection (determinant -1)';
  return null;
}

function checkedCamera(cam: Camera): Camera {
  for (const k of ['fx', 'fy', 'cx', 'cy'] as const) {
    if (!Number.isFinite(cam[k])) throw new CameraError(`${k} is not a finite number`);
  }
  if (!(cam.fx > 0 && cam.fy > 0)) throw new CameraError('focal length must be positive');
  if (!(Number.isInteger(cam.width) && cam.width > 0 && Number.isInteger(cam.height) && cam.height > 0)) {
    throw new CameraError(`image size must be positive integers, got ${cam.width}x${cam.height}`);
  }
  const why = rigidPoseProblem(cam.c2w);
  if (why) throw new CameraError(`pose ${why}`);
  return cam;
}

/**
 * learnit ShapeNet (`transforms.json`): `fx = fy = 0.5 W / tan(0.5 camera_angle_x)`,
 * principal point at the image centre; `transform_matrix` is already camera-to-world OpenGL.
 *
 * @example cameraFromLearnit(0.6911, frame.transform_matrix, 64, 64)
 */
export function cameraFromLearnit(
  cameraAngleX: number,
  transformMatrix: ArrayLike<ArrayLike<number>> | ArrayLike<number>,
  width: number,
  height: number,
): Camera {
  if (!(cameraAngleX > 0 && cameraAngleX < Math.PI)) {
    throw new CameraError(`camera_angle_x must be in (0, pi), got ${cameraAngleX}`);
  }
  const f = (0.5 * width) / Math.tan(0.5 * cameraAngleX);
  return checkedCamera({ fx: f, fy: f, cx: width / 2, cy: height / 2, width, height, c2w: fromRowMajor(transformMatrix) });
}

/** Horizontal field of view of a camera, as learnit's `camera_angle_x`. */
export function cameraAngleX(cam: Camera): number {
  return 2 * Math.atan((0.5 * cam.width) / cam.fx);
}

/**
 * Pinhole camera from explicit intrinsics (instant-ngp / nerfstudio `fl_x, fl_y, cx, cy, w, h`)
 * and an OpenGL camera-to-world matrix (row-major JSON or column-major array).
 */
export function cameraFromIntrinsics(
  k: { fx: number; fy: number; cx: number; cy: number; width: number; height: number },
  c2wGl: ArrayLike<ArrayLike<number>> | ArrayLike<number>,
): Camera {
  return checkedCamera({ ...k, c2w: fromRowMajor(c2wGl) });
}

/** OpenCV camera-to-world -> OpenGL: `c2w_gl = c2w_cv * diag(1, -1, -1, 1)` (flip y and z axes). */
export function openCvToOpenGl(c2wCv: Float64Array): Float64Array {
  const out = Float64Array.from(c2wCv);
  for (let k = 0; k < 4; k++) {
    out[4 + k] = -c2wCv[4 + k]!;
    out[8 + k] = -c2wCv[8 + k]!;
  }
  return out;
}

/**
 * SRN ShapeNet: `intrinsics.txt` gives `f cx cy` (line 1) and `H W` (line 4); poses are
 * camera-to-world OpenCV (16 numbers, row-major). Converted to OpenGL once, here.
 */
export function cameraFromSrn(
  k: { f: number; cx: number; cy: number; width: number; height: number },
  poseCvRowMajor: ArrayLike<number>,
): Camera {
  const c2w = openCvToOpenGl(fromRowMajor(poseCvRowMajor));
  return checkedCamera({ fx: k.f, fy: k.f, cx: k.cx, cy: k.cy, width: k.width, height: k.height, c2w });
}

/**
 * Camera for an image resized by factor `s` (method.md: fx, fy, cx, cy scale by s). With an
 * explicit target size, x and y scale separately (`newWidth / width`, `newHeight / height`).
 */
export function scaleCamera(cam: Camera, newWidth: number, newHeight = newWidth * (cam.height / cam.width)): Camera {
  const sx = newWidth / cam.width;
  const sy = newHeight / cam.height;
  if (!Number.isInteger(newWidth) || !Number.isInteger(newHeight) || newWidth <= 0 || newHeight <= 0) {
    throw new CameraError(`resized image must have a positive integer size, got ${newWidth}x${newHeight}`);
  }
  return { ...cam, fx: cam.fx * sx, fy: cam.fy * sy, cx: cam.cx * sx, cy: cam.cy * sy, width: newWidth, height: newHeight, c2w: Float64Array.from(cam.c2w) };
}

/** Camera centre in world coordinates (the translation column). */
export function cameraCenter(cam: Camera): [number, number, number] {
  return [cam.c2w[12]!, cam.c2w[13]!, cam.c2w[14]!];
}

/**
 * Camera-to-world pose at `eye` looking at `target` (OpenGL: the camera's -z points at the
 * target, +y as close to `up` as possible). Column-major.
 */
export function lookAt(
  eye: ArrayLike<number>,
  target: ArrayLike<number> = [0, 0, 0],
  up: ArrayLike<number> = [0, 0, 1],
): Float64Array {
  // Plain float64 arithmetic (gl-matrix's vec3 is float32 and would round the pose).
  const norm = (v: number[]): number[] => { const n = Math.hypot(v[0]!, v[1]!, v[2]!); return v.map((x) => x / n); };
  const cross = (a: number[], b: number[]): number[] =>
    [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
  const e = [eye[0]!, eye[1]!, eye[2]!];
  const backRaw = [e[0]! - target[0]!, e[1]! - target[1]!, e[2]! - target[2]!]; // camera +z points away from the target
  if (Math.hypot(backRaw[0]!, backRaw[1]!, backRaw[2]!) === 0) throw new CameraError('lookAt: eye and target coincide');
  const back = norm(backRaw);
  let right = cross([up[0]!, up[1]!, up[2]!], back);
  if (Math.hypot(right[0]!, right[1]!, right[2]!) < 1e-9) {
    // Looking straight along `up`: pick any perpendicular right vector.
    right = cross(Math.abs(back[0]!) < 0.9 ? [1, 0, 0] : [0, 1, 0], back);
  }
  right = norm(right);
  const camUp = cross(back, right);
  return Float64Array.from([...right, 0, ...camUp, 0, ...back, 0, ...e, 1]);
}

/**
 * Orbit pose: a camera at `radius` from `target`, at `azimuth` (radians, from +x towards +y)
 * and `elevation` (radians above the xy-plane), looking at the target with +z up.
 */
export function orbitPose(azimuth: number, elevation: number, radius: number, target: ArrayLike<number> = [0, 0, 0]): Float64Array {
  const eye = [
    target[0]! + radius * Math.cos(elevation) * Math.cos(azimuth),
    target[1]! + radius * Math.cos(elevation) * Math.sin(azimuth),
    target[2]! + radius * Math.sin(elevation),
  ];
  return lookAt(eye, target, [0, 0, 1]);
}

/** A camera with learnit intrinsics (`camera_angle_x`, square pixels, centred) at a pose. */
export function cameraAt(c2w: Float64Array, width: number, height = width, angleX = 0.6911): Camera {
  const f = (0.5 * width) / Math.tan(0.5 * angleX);
  return checkedCamera({ fx: f, fy: f, cx: width / 2, cy: height / 2, width, height, c2w: Float64Array.from(c2w) });
}

/** Multiply two column-major 4x4 matrices (helper for callers that compose poses). */
export function composePoses(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(16);
  mat4.multiply(out as unknown as mat4, a as unknown as mat4, b as unknown as mat4);
  return out;
}
