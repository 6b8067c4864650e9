import { describe, expect, it } from 'vitest';
import {
  cameraAt, cameraFromLearnit, cameraFromSrn, lookAt, orbitPose, pixelRays, plucker, pluckerImage,
  pluckerAtPixels, rigidPoseProblem, scaleCamera, toRowMajor, fromRowMajor, cameraAngleX, CameraError, cameraRanges,
} from '../src/core/rays/index.ts';
import { assertClose } from './helpers/assert-close.ts';

describe('Plücker embedding', () => {
  it('is unchanged when the origin slides along the ray, and d_hat . m = 0', () => {
    const o = [0.3, -1.2, 2.5];
    const d = [0.2, 0.7, -0.4];
    const a = plucker(o, d);
    for (const t of [-3, 0.5, 7]) {
      const o2 = [o[0]! + t * d[0]!, o[1]! + t * d[1]!, o[2]! + t * d[2]!];
      assertClose(plucker(o2, d), a, 1e-12);
    }
    expect(Math.abs(a[0] * a[3] + a[1] * a[4] + a[2] * a[5])).toBeLessThan(1e-12);
    // scaling the direction does not change it either
    assertClose(plucker(o, d.map((x) => x * 5)), a, 1e-12);
  });

  it('holds d_hat . m = 0 and |d_hat| = 1 for every pixel of an image', () => {
    const cam = cameraAt(orbitPose(0.7, 0.4, 4), 16, 12);
    const pl = pluckerImage(cam);
    expect(pl.length).toBe(16 * 12 * 6);
    for (let i = 0; i < 16 * 12; i++) {
      const [x, y, z, a, b, c] = pl.subarray(i * 6, i * 6 + 6);
      expect(Math.abs(x! * a! + y! * b! + z! * c!)).toBeLessThan(1e-5);
      expect(Math.abs(Math.hypot(x!, y!, z!) - 1)).toBeLessThan(1e-6);
    }
  });

  it('the moment is the distance from the origin: |m| of the centre ray of a camera looking at the origin is 0', () => {
    // 9x9: the centre pixel's centre (4.5, 4.5) is the principal point, so its ray passes
    // through the target (the origin) and its moment vanishes.
    const cam = cameraAt(orbitPose(1.1, 0.5, 4), 9, 9);
    const pl = pluckerImage(cam);
    const e = pluckerAtPixels(cam, [4 * 9 + 4]);
    expect(Math.hypot(e[3]!, e[4]!, e[5]!)).toBeLessThan(1e-6);
    assertClose(e, pl.subarray((4 * 9 + 4) * 6, (4 * 9 + 5) * 6), 1e-6);
    // a corner ray misses the origin by about 4 * sin(angle to the axis)
    const c = pluckerAtPixels(cam, [0]);
    const ang = Math.atan(Math.hypot(4, 4) / cam.fx);
    expect(Math.hypot(c[3]!, c[4]!, c[5]!)).toBeCloseTo(4 * Math.sin(ang), 5);
  });

  it('originScale multiplies the moment', () => {
    const cam = cameraAt(orbitPose(0.2, 0.3, 4), 6, 6);
    const a = pluckerImage(cam, 1);
    const b = pluckerImage(cam, 0.5);
    for (let i = 0; i < 36; i++) {
      assertClose(b.subarray(i * 6, i * 6 + 3), a.subarray(i * 6, i * 6 + 3), 1e-7);
      assertClose(b.subarray(i * 6 + 3, i * 6 + 6), Array.from(a.subarray(i * 6 + 3, i * 6 + 6), (x) => x * 0.5), 1e-6);
    }
  });
});

describe('pixel rays', () => {
  it('the centre pixel of a camera at a known pose gives the known ray', () => {
    // Camera at (0, 0, 4) looking down -z at the origin (identity rotation), odd size so a
    // pixel centre sits on the principal point.
    const c2w = fromRowMajor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]);
    const cam = cameraFromLearnit(0.6911, toRowMajor(c2w), 5, 5);
    const { origins, directions } = pixelRays(cam);
    const c = (2 * 5 + 2) * 3;
    assertClose(origins.subarray(c, c + 3), [0, 0, 4], 1e-6);
    assertClose(directions.subarray(c, c + 3), [0, 0, -1], 1e-6);
    // pixel (u=4, v=2): right of centre -> +x direction component; row 0 is the top -> +y
    const f = 2.5 / Math.tan(0.6911 / 2);
    const r = (2 * 5 + 4) * 3;
    const dx = 2 / f;
    assertClose(directions.subarray(r, r + 3), [dx / Math.hypot(dx, 1), 0, -1 / Math.hypot(dx, 1)], 1e-6);
    const t = (0 * 5 + 2) * 3;
    expect(directions[t + 1]!).toBeGreaterThan(0);
  });

  it('learnit and SRN descriptions of the same physical camera give the same rays', () => {
    const W = 10, H = 10, angle = 0.6911;
    const gl = orbitPose(0.9, 0.35, 4);
    const learnit = cameraFromLearnit(angle, toRowMajor(gl), W, H);
    // The SRN file stores the OpenCV pose: c2w_cv = c2w_gl * diag(1,-1,-1,1) (its own inverse).
    const cv = Float64Array.from(gl);
    for (let k = 0; k < 4; k++) { cv[4 + k] = -gl[4 + k]!; cv[8 + k] = -gl[8 + k]!; }
    const f = (0.5 * W) / Math.tan(0.5 * angle);
    const srn = cameraFromSrn({ f, cx: W / 2, cy: H / 2, width: W, height: H }, toRowMajor(cv).flat());
    assertClose(pluckerImage(srn), pluckerImage(learnit), 1e-6);
  });

  it('scaling a camera keeps the rays through the same relative image points', () => {
    const cam = cameraAt(orbitPose(0.3, 0.2, 4), 8, 8);
    const big = scaleCamera(cam, 16);
    expect(big.fx).toBeCloseTo(cam.fx * 2, 10);
    expect(big.cx).toBe(8);
    // pixel (1,1) of the 8x8 image covers pixels 2..3 of the 16x16 one; their shared corner
    // (x = 4, y = 4 in the big image) is the small pixel's centre (1.5, 1.5) scaled by 2.
    const a = pluckerAtPixels(cam, [1 * 8 + 1]);
    const { origins } = pixelRays(big);
    expect(origins[0]).toBeCloseTo(cam.c2w[12]!, 6);
    expect(a.length).toBe(6);
    expect(cameraAngleX(big)).toBeCloseTo(cameraAngleX(cam), 12);
  });
});

describe('poses', () => {
  it('lookAt points the camera -z at the target with +z up, and is rigid', () => {
    const m = lookAt([4, 0, 0], [0, 0, 0], [0, 0, 1]);
    expect(rigidPoseProblem(m)).toBeNull();
    const cam = cameraAt(m, 5, 5);
    const { directions } = pixelRays(cam);
    const c = (2 * 5 + 2) * 3;
    assertClose(directions.subarray(c, c + 3), [-1, 0, 0], 1e-6);
    // camera up is world +z
    assertClose([m[4]!, m[5]!, m[6]!], [0, 0, 1], 1e-12);
  });

  it('orbitPose places the camera at the given azimuth, elevation and radius', () => {
    const m = orbitPose(Math.PI / 2, Math.PI / 6, 4, [0, 0, 1]);
    assertClose([m[12]!, m[13]!, m[14]!], [0, 4 * Math.cos(Math.PI / 6), 1 + 2], 1e-9);
    expect(rigidPoseProblem(m)).toBeNull();
    // straight overhead still yields a valid pose
    expect(rigidPoseProblem(orbitPose(0, Math.PI / 2, 4))).toBeNull();
  });

  it('rejects non-rigid or non-finite poses with a reason', () => {
    const m = lookAt([4, 0, 0]);
    const scaled = Float64Array.from(m); for (let k = 0; k < 3; k++) scaled[k] = scaled[k]! * 2;
    expect(rigidPoseProblem(scaled)).toMatch(/orthonormal/);
    const nan = Float64Array.from(m); nan[13] = NaN;
    expect(rigidPoseProblem(nan)).toMatch(/non-finite/);
    expect(() => cameraFromLearnit(0.69, toRowMajor(scaled), 4, 4)).toThrow(CameraError);
    expect(() => cameraFromLearnit(-1, toRowMajor(m), 4, 4)).toThrow(/camera_angle_x/);
  });
});

describe('cameraRanges', () => {
  it('measures radius, camera_angle_x and elevation of orbit cameras exactly', () => {
    const cams = [
      cameraAt(orbitPose(0.3, (-10 * Math.PI) / 180, 3.6), 64, 64, 0.62),
      cameraAt(orbitPose(2.0, (70 * Math.PI) / 180, 4.6), 64, 64, 0.8),
      cameraAt(orbitPose(4.1, (20 * Math.PI) / 180, 4.0), 64, 64, 0.7),
    ];
    expect(cameraRanges(cams)).toEqual({ radius: [3.6, 4.6], cameraAngleX: [0.62, 0.8], elevationDeg: [-10, 70] });
    expect(() => cameraRanges([])).toThrow(/no cameras/);
  });
});
