/**
 * Camera parsing and validation (`src/core/rays/camera.ts`, `camera-ranges.ts`) on exact,
 * hand-made inputs: matrix layouts, every rule of a rigid pose at its tolerance, the
 * intrinsics checks, resizing, lookAt's degenerate cases and the trained-camera band.
 */
import { describe, expect, it } from 'vitest';
import {
  cameraAngleX, cameraAt, cameraFromIntrinsics, cameraFromLearnit, cameraRanges, fromRowMajor, lookAt, orbitPose,
  pluckerImage, rigidPoseProblem, scaleCamera, toRowMajor,
} from '../src/core/rays/index.ts';

const I = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
const K = { fx: 50, fy: 50, cx: 32, cy: 24, width: 64, height: 48 };

/** Column-major copy of `m` with entry (row r, column c) set to v. */
function withEntry(m: Float64Array, r: number, c: number, v: number): Float64Array {
  const out = Float64Array.from(m);
  out[c * 4 + r] = v;
  return out;
}

describe('matrix layouts', () => {
  it('row-major nested and flat inputs give the same column-major matrix', () => {
    const rows = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]];
    const a = fromRowMajor(rows);
    expect(Array.from(a)).toEqual([1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 4, 8, 12, 16]);
    expect(Array.from(fromRowMajor(rows.flat()))).toEqual(Array.from(a));
    expect(toRowMajor(a)).toEqual(rows);
  });

  it('names the row or the count that is wrong', () => {
    expect(() => fromRowMajor([[1, 0, 0, 0], [0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toThrow('matrix row 1 must hold 4 numbers');
    expect(() => fromRowMajor(new Array(15).fill(0))).toThrow('matrix must be 4x4 (16 numbers), got 15');
    expect(() => fromRowMajor(new Array(17).fill(0))).toThrow('got 17');
    // four numbers are a flat (too short) matrix, not four rows
    expect(() => fromRowMajor([1, 2, 3, 4])).toThrow('got 4');
  });
});

describe('rigid poses', () => {
  const poses = [orbitPose(0.7, 0.4, 3), orbitPose(-2.1, -0.2, 5, [0.3, -0.1, 0.2]), lookAt([1, -2, 0.5], [0.2, 0.1, -0.3], [0.1, 0.2, 1])];

  it('accepts general rotations and names a reflection of each', () => {
    for (const p of poses) {
      expect(rigidPoseProblem(p)).toBeNull();
      for (let col = 0; col < 3; col++) {
        const refl = Float64Array.from(p);
        for (let r = 0; r < 3; r++) refl[col * 4 + r] = -refl[col * 4 + r]!;
        expect(rigidPoseProblem(refl)).toBe('rotation is a reflection (determinant -1)');
      }
    }
  });

  it('checks each entry of the last row, strictly beyond the tolerance', () => {
    const p = Float64Array.from(poses[0]!);
    for (const c of [0, 1, 2]) {
      expect(rigidPoseProblem(withEntry(p, 3, c, 0.5), 0.5)).toBeNull();
      expect(rigidPoseProblem(withEntry(p, 3, c, 0.75), 0.5)).toBe('last row is not 0 0 0 1');
      expect(rigidPoseProblem(withEntry(p, 3, c, -0.75), 0.5)).toBe('last row is not 0 0 0 1');
    }
    expect(rigidPoseProblem(withEntry(p, 3, 3, 1.5), 0.5)).toBeNull();
    expect(rigidPoseProblem(withEntry(p, 3, 3, 1.75), 0.5)).toBe('last row is not 0 0 0 1');
    expect(rigidPoseProblem(withEntry(p, 3, 3, 0.25), 0.5)).toBe('last row is not 0 0 0 1');
    expect(rigidPoseProblem(withEntry(p, 0, 3, Number.NaN))).toBe('has a non-finite entry');
  });

  it('checks every pair of rotation columns, strictly beyond the tolerance', () => {
    // identity with one column scaled by 1.5: |c|^2 - 1 = 1.25 exactly
    for (const col of [0, 1, 2]) {
      const m = fromRowMajor(I);
      m[col * 4 + col] = 1.5;
      expect(rigidPoseProblem(m, 1.25)).toBeNull();
      m[col * 4 + col] = 1.75;
      expect(rigidPoseProblem(m, 1.25)).toBe('rotation is not orthonormal (scaled or sheared)');
    }
    // unit columns that are not orthogonal: each pair
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
      const m = fromRowMajor(I);
      m[b * 4 + a] = 0.6;
      m[b * 4 + b] = 0.8;
      expect(rigidPoseProblem(m)).toBe('rotation is not orthonormal (scaled or sheared)');
    }
  });
});

describe('intrinsics', () => {
  it('rejects non-finite, non-positive focal lengths and non-integer sizes, naming the field', () => {
    expect(() => cameraFromIntrinsics({ ...K, cx: Number.NaN }, I)).toThrow('cx is not a finite number');
    expect(() => cameraFromIntrinsics({ ...K, fy: Infinity }, I)).toThrow('fy is not a finite number');
    for (const bad of [{ fx: 0 }, { fy: 0 }, { fx: -1 }, { fy: -2 }]) {
      expect(() => cameraFromIntrinsics({ ...K, ...bad }, I)).toThrow('focal length must be positive');
    }
    for (const bad of [{ width: 0 }, { height: 0 }, { width: 1.5 }, { height: 2.5 }, { width: -4 }]) {
      expect(() => cameraFromIntrinsics({ ...K, ...bad }, I)).toThrow(/^image size must be positive integers, got/);
    }
    expect(() => cameraFromIntrinsics(K, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0.5, 1]])).toThrow('pose last row is not 0 0 0 1');
    expect(cameraFromIntrinsics({ ...K, width: 1, height: 1 }, I).width).toBe(1);
  });

  it('learnit field of view: open interval (0, pi), f = W / 2 / tan(angle / 2), and back', () => {
    expect(() => cameraFromLearnit(0, I, 64, 64)).toThrow('camera_angle_x must be in (0, pi), got 0');
    expect(() => cameraFromLearnit(Math.PI, I, 64, 64)).toThrow('camera_angle_x must be in (0, pi)');
    expect(() => cameraFromLearnit(-0.5, I, 64, 64)).toThrow('camera_angle_x must be in (0, pi)');
    const cam = cameraFromLearnit(0.8, I, 64, 48);
    expect(cam.fx).toBeCloseTo(32 / Math.tan(0.4), 12);
    expect(cam.fy).toBe(cam.fx);
    expect([cam.cx, cam.cy]).toEqual([32, 24]);
    expect(cameraAngleX(cam)).toBeCloseTo(0.8, 12);
    expect(cameraAngleX(cameraFromLearnit(3, I, 10, 10))).toBeCloseTo(3, 12);
  });

  it('resizing keeps the aspect by default and scales each axis by its own factor', () => {
    const cam = cameraFromIntrinsics(K, I);
    const half = scaleCamera(cam, 32);
    expect([half.width, half.height, half.fx, half.fy, half.cx, half.cy]).toEqual([32, 24, 25, 25, 16, 12]);
    const wide = scaleCamera(cam, 128, 24);
    expect([wide.width, wide.height, wide.fx, wide.fy, wide.cx, wide.cy]).toEqual([128, 24, 100, 25, 64, 12]);
    for (const [w, h] of [[0, 10], [10, 0], [-8, 10], [10, -6], [1.5, 10], [10, 2.5]] as const) {
      expect(() => scaleCamera(cam, w, h)).toThrow(`resized image must have a positive integer size, got ${w}x${h}`);
    }
    expect(() => scaleCamera(cam, 10)).toThrow('got 10x7.5');
  });
});

describe('lookAt', () => {
  const col = (m: Float64Array, c: number) => [m[c * 4]!, m[c * 4 + 1]!, m[c * 4 + 2]!];

  it('puts the camera at the eye with +z pointing away from a target off the origin', () => {
    const eye = [1, 2, 3], target = [1, 2, -1];
    const m = lookAt(eye, target);
    expect(col(m, 3)).toEqual(eye);
    expect(col(m, 2)).toEqual([0, 0, 1]);
    expect(rigidPoseProblem(m, 1e-12)).toBeNull();
    const m2 = lookAt([4, -1, 2], [1, 1, 1]);
    const back = [3, -2, 1].map((v) => v / Math.sqrt(14));
    col(m2, 2).forEach((v, i) => expect(v).toBeCloseTo(back[i]!, 14));
    expect(col(m2, 0)[2]).toBeCloseTo(0, 14); // right is horizontal (up = +z)
    expect(rigidPoseProblem(m2, 1e-12)).toBeNull();
  });

  it('looking along `up` picks a perpendicular right vector; eye = target is an error', () => {
    const down = lookAt([0, 0, 5], [0, 0, 0]);
    expect(col(down, 0).map((v) => v + 0)).toEqual([0, -1, 0]);
    expect(rigidPoseProblem(down, 1e-12)).toBeNull();
    const side = lookAt([5, 0, 0], [0, 0, 0], [1, 0, 0]);
    expect(col(side, 0).map((v) => v + 0)).toEqual([0, 0, -1]);
    const almost = lookAt([0.95, 0, 0.3122498999], [0, 0, 0], [0.95, 0, 0.3122498999]);
    expect(rigidPoseProblem(almost, 1e-9)).toBeNull();
    expect(() => lookAt([1, 1, 1], [1, 1, 1])).toThrow('lookAt: eye and target coincide');
  });
});

describe('the band of trained cameras', () => {
  it('radius, field of view and elevation, rounded; a camera at the origin has elevation 0', () => {
    const r = cameraRanges([cameraAt(orbitPose(0.3, 0.5, 4), 64), cameraAt(orbitPose(2, -0.1, 3.5), 64, 64, 0.7)]);
    expect(r.radius).toEqual([3.5, 4]);
    expect(r.cameraAngleX).toEqual([0.691, 0.7]);
    expect(r.elevationDeg).toEqual([-5.7, 28.6]);
    expect(cameraRanges([cameraAt(fromRowMajor(I), 8)]).elevationDeg).toEqual([0, 0]);
    expect(() => cameraRanges([])).toThrow('cameraRanges: no cameras');
  });
});

it('pluckerImage refuses an output buffer of the wrong size', () => {
  const cam = cameraAt(orbitPose(0, 0.3, 4), 4, 3);
  expect(() => pluckerImage(cam, 1, new Float32Array(71))).toThrow('pluckerImage: out must hold 72 values, got 71');
  expect(pluckerImage(cam, 1, new Float32Array(72)).length).toBe(72);
});
