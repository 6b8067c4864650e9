/**
 * Where the viewer keeps to the model's valid range (`src/core/model/view-geometry.ts`):
 * trained camera ranges from a config, zoom limits, support views spread by azimuth, the rays
 * within a distance of the origin, and the silhouette bound of the support views.
 */
import { describe, expect, it } from 'vitest';
import { CLASSIC_CAMERA_RANGES, cameraAt, cameraFromIntrinsics, lookAt, orbitPose, pluckerImage, toRowMajor, type Camera } from '../src/core/rays/index.ts';
import {
  foregroundRadius, mid, trainedCameras, orbitAngles, raysWithin, supportByAzimuth, zoomLimits,
} from '../src/core/model/view-geometry.ts';

function orbitCamera(azDeg: number, elDeg: number, radius = 4, size = 32, angleX = 0.6911): Camera {
  const a = (azDeg * Math.PI) / 180, e = (elDeg * Math.PI) / 180;
  const eye: [number, number, number] = [radius * Math.cos(e) * Math.cos(a), radius * Math.cos(e) * Math.sin(a), radius * Math.sin(e)];
  const f = (0.5 * size) / Math.tan(0.5 * angleX);
  return { fx: f, fy: f, cx: size / 2, cy: size / 2, width: size, height: size, c2w: lookAt(eye, [0, 0, 0], [0, 0, 1]) };
}

describe('trainedCameras', () => {
  it('reads the top-level cameras field of a config.json', () => {
    const r = trainedCameras({ format: 'lfkit-run', cameras: { radius: [3.6, 4.4], cameraAngleX: [0.62, 0.76], elevationDeg: [-10, 70] } });
    expect(r).toEqual({ radius: [3.6, 4.4], cameraAngleX: [0.62, 0.76], elevationDeg: [-10, 70] });
  });

  it('defaults to radius 4, camera_angle_x 0.6911 and -10 to 50 degrees when a config has none (or lacks a field)', () => {
    expect(trainedCameras({ format: 'lfkit-run' })).toEqual({ radius: [4, 4], cameraAngleX: [0.6911, 0.6911], elevationDeg: [-10, 50] });
    expect(trainedCameras(null)).toEqual(CLASSIC_CAMERA_RANGES);
    expect(trainedCameras({ cameras: { radius: [2, 3] } })).toEqual({ radius: [2, 3], cameraAngleX: [0.6911, 0.6911], elevationDeg: [-10, 50] });
  });

  it('names the bad field', () => {
    expect(() => trainedCameras({ cameras: { radius: [4] } })).toThrow(/cameras\.radius: expected \[min, max\]/);
    expect(() => trainedCameras({ cameras: { elevationDeg: [50, -10] } })).toThrow(/cameras\.elevationDeg: \[50, -10\]/);
    expect(() => trainedCameras({ cameras: { cameraAngleX: [0.6, 4] } })).toThrow(/cameras\.cameraAngleX/);
    expect(() => trainedCameras({ cameras: [1, 2] })).toThrow(/cameras: expected an object/);
  });
});

describe('zoomLimits', () => {
  it('is the trained radius range; a single radius is widened by 10% each way', () => {
    expect(zoomLimits(trainedCameras({ cameras: { radius: [3.6, 4.4] } }))).toEqual([3.6, 4.4]);
    const [lo, hi] = zoomLimits(CLASSIC_CAMERA_RANGES);
    expect(lo).toBeCloseTo(3.6, 12);
    expect(hi).toBeCloseTo(4.4, 12);
  });
});

describe('supportByAzimuth', () => {
  it('spreads the views around the object, not by index', () => {
    // views clustered by index: 0, 8 and 16 lie within 22 degrees of azimuth of each other
    const az = Array.from({ length: 24 }, (_, i) => (i % 8) * 45 + Math.floor(i / 8) * 11);
    const cams = az.map((a) => orbitCamera(a, 20));
    const s = supportByAzimuth(cams, 3);
    expect(s).toHaveLength(3);
    expect(s[0]).toBe(0);
    const angles = s.map((i) => orbitAngles(cams[i]!).azimuth);
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const d = Math.abs(angles[i]! - angles[j]!) % (2 * Math.PI);
        expect((Math.min(d, 2 * Math.PI - d) * 180) / Math.PI).toBeGreaterThan(100);
      }
    }
    // index spreading would have picked 0, 8, 16: 22 degrees apart
    expect(s).not.toEqual([0, 8, 16]);
  });

  it('keeps view 0, never repeats a view, and caps the count at the number of views', () => {
    const cams = [0, 90, 180, 270].map((a) => orbitCamera(a, 10));
    expect(supportByAzimuth(cams, 2)).toEqual([0, 2]);
    expect(supportByAzimuth(cams, 4)).toEqual([0, 1, 2, 3]);
    expect(supportByAzimuth(cams, 9)).toEqual([0, 1, 2, 3]);
    expect(supportByAzimuth(cams, 1)).toEqual([0]);
  });

  it('orbitAngles gives azimuth from +x toward +y and elevation above z = 0', () => {
    const a = orbitAngles(orbitCamera(120, 35, 4.2));
    expect((a.azimuth * 180) / Math.PI).toBeCloseTo(120, 9);
    expect(a.elevationDeg).toBeCloseTo(35, 9);
    expect(a.radius).toBeCloseTo(4.2, 9);
  });
});

describe('raysWithin', () => {
  it('keeps exactly the rays whose |m| is at most the limit', () => {
    const cam = orbitCamera(30, 20, 4, 16);
    const rays = pluckerImage(cam, 0.55);
    const index = new Int32Array(256);
    const n = raysWithin(rays, 256, 0.3, index);
    const want: number[] = [];
    for (let i = 0; i < 256; i++) if (Math.hypot(rays[i * 6 + 3]!, rays[i * 6 + 4]!, rays[i * 6 + 5]!) <= 0.3) want.push(i);
    expect(n).toBe(want.length);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(256);
    expect(Array.from(index.subarray(0, n))).toEqual(want);
    expect(raysWithin(rays, 256, null, index)).toBe(256);
  });
});

describe('foregroundRadius', () => {
  it('bounds a sphere of radius 0.8 from its silhouettes (margin 15% plus a pixel), null when all is background', () => {
    // render a sphere of radius 0.8 at the origin: foreground where the pixel's ray passes within 0.8
    const views = [0, 120, 240].map((a) => {
      const camera = orbitCamera(a, 15, 4, 64);
      const rays = pluckerImage(camera, 1);
      const image = new Float32Array(64 * 64 * 3).fill(1);
      for (let i = 0; i < 64 * 64; i++) if (Math.hypot(rays[i * 6 + 3]!, rays[i * 6 + 4]!, rays[i * 6 + 5]!) <= 0.8) image.fill(0.3, i * 3, i * 3 + 3);
      return { image, camera };
    });
    const r = foregroundRadius(views)!;
    const pixel = 4 / views[0]!.camera.fx;
    expect(r).toBeGreaterThan(0.8 * 1.15 - pixel);
    expect(r).toBeLessThanOrEqual(0.8 * 1.15 + pixel + 1e-9);
    expect(foregroundRadius(views.map((v) => ({ ...v, image: new Float32Array(64 * 64 * 3).fill(1) })))).toBeNull();
  });
});

describe('view geometry on exact inputs', () => {
  it('the silhouette bound is the farthest foreground ray line (any channel below 0.96), plus the margin and a pixel', () => {
    const cam = cameraFromIntrinsics({ fx: 5, fy: 4, cx: 1.3, cy: 0.7, width: 4, height: 3 }, toRowMajor(orbitPose(0.4, 0.3, 3.5)));
    const cam2 = cameraFromIntrinsics({ fx: 6, fy: 6, cx: 2.2, cy: 1.9, width: 4, height: 3 }, toRowMajor(orbitPose(2.1, -0.2, 3)));
    const white = (): number[] => new Array<number>(4 * 3 * 3).fill(1); // float64: 0.96 stays 0.96
    const pl = pluckerImage(cam), pl2 = pluckerImage(cam2);
    const dist = (p: Float32Array, i: number) => Math.hypot(p[i * 6 + 3]!, p[i * 6 + 4]!, p[i * 6 + 5]!);
    expect(foregroundRadius([{ image: white(), camera: cam }])).toBeNull();
    const a = white();
    a[(0 * 4 + 3) * 3 + 1] = 0.5; // pixel (u 3, v 0): green only
    a[(2 * 4 + 0) * 3 + 0] = 0.96; // pixel (u 0, v 2): at the threshold, background
    const pixel = Math.hypot(...orbitPose(0.4, 0.3, 3.5).slice(12, 15)) / 5;
    expect(foregroundRadius([{ image: a, camera: cam }])).toBeCloseTo(dist(pl, 3) * 1.15 + pixel, 5);
    const b = white();
    b[(1 * 4 + 2) * 3 + 2] = 0.1; // pixel (u 2, v 1) of the second view: blue only
    const both = foregroundRadius([{ image: a, camera: cam }, { image: b, camera: cam2 }])!;
    expect(both).toBeCloseTo(Math.max(dist(pl, 3), dist(pl2, 6)) * 1.15 + Math.max(pixel, 3 / 6), 5);
  });

  it('support views spread by azimuth: view 0, then the nearest unused view to each step; ties take the lower index', () => {
    const deg = Math.PI / 180;
    const cams = [0, 10, 20, 180, 90, 270, 185].map((a) => cameraAt(orbitPose(a * deg, 0.3, 4), 8));
    expect(supportByAzimuth(cams, 4)).toEqual([0, 3, 4, 5]);
    expect(supportByAzimuth(cams, 2)).toEqual([0, 3]);
    expect(supportByAzimuth(cams, 2.9)).toEqual([0, 3]);
    expect(supportByAzimuth(cams, 0)).toEqual([0]);
    expect(supportByAzimuth(cams, 99)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // 175 and 185 degrees are equally far from 180: the lower index wins
    const tie = [0, 185, 175].map((a) => cameraAt(orbitPose(a * deg, 0.3, 4), 8));
    expect(supportByAzimuth(tie, 2)).toEqual([0, 1]);
    const tie2 = [0, 175, 185].map((a) => cameraAt(orbitPose(a * deg, 0.3, 4), 8));
    expect(supportByAzimuth(tie2, 2)).toEqual([0, 1]);
  });

  it('rays within a limit include the boundary; null takes every ray', () => {
    const rays = new Float32Array([0, 0, 1, 3, 4, 0, 0, 0, 1, 3, 4.5, 0, 0, 0, 1, 0, 0, 0]);
    const idx = new Int32Array(3);
    expect(raysWithin(rays, 3, 5, idx)).toBe(2);
    expect(Array.from(idx.subarray(0, 2))).toEqual([0, 2]);
    expect(raysWithin(rays, 3, null, idx)).toBe(3);
    expect(Array.from(idx)).toEqual([0, 1, 2]);
    expect(raysWithin(rays, 2, 0, idx)).toBe(0);
  });

  it('trained ranges at their bounds; a range that is one value is allowed', () => {
    expect(trainedCameras({ cameras: { elevationDeg: [-90, 90], radius: [2, 2] } })).toMatchObject({ elevationDeg: [-90, 90], radius: [2, 2] });
    expect(() => trainedCameras({ cameras: { elevationDeg: [-90.5, 0] } })).toThrow('config.json cameras.elevationDeg: [-90.5, 0] must satisfy -90 <= min <= max <= 90');
    expect(() => trainedCameras({ cameras: { elevationDeg: [0, 90.5] } })).toThrow('cameras.elevationDeg');
    expect(() => trainedCameras({ cameras: { radius: [0, 2] } })).toThrow('cameras.radius');
    expect(() => trainedCameras({ cameras: { radius: [1, 'x'] } })).toThrow('config.json cameras.radius: expected [min, max] numbers, got [1,"x"]');
    expect(() => trainedCameras({ cameras: { radius: [1, Infinity] } })).toThrow('expected [min, max] numbers');
    expect(() => trainedCameras({ cameras: 'wide' })).toThrow('config.json cameras: expected an object');
    expect(trainedCameras({ cameras: null })).toEqual(CLASSIC_CAMERA_RANGES);
    expect(trainedCameras({ cameras: { cameraAngleX: [0.5, 3.1] } }).cameraAngleX).toEqual([0.5, 3.1]);
    expect(mid([2, 5])).toBe(3.5);
  });
});
