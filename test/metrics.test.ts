import { describe, expect, it } from 'vitest';
import { edgePsnr, gaussianKernel, maskedPsnr, meanStdErr, mse, psnr, silhouetteEdges, ssim, clamp01 } from '../src/core/metrics/metrics.ts';
import { nearestSupportIndex, supportMeanImage, TrainMeanAccumulator, whiteImage } from '../src/core/metrics/baselines.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { assertClose } from './helpers/assert-close.ts';

describe('psnr', () => {
  it('is -10 log10 of the MSE over all pixels and channels', () => {
    // every value off by 0.5: MSE 0.25, PSNR = 10 log10(4) = 6.0206 dB
    expect(psnr(new Float32Array(12).fill(0.5), new Float32Array(12).fill(1))).toBeCloseTo(6.020599913, 8);
    // one value of 4 off by 0.1: MSE 0.0025, PSNR = 26.0206
    expect(psnr([0, 0, 0, 0.1], [0, 0, 0, 0])).toBeCloseTo(26.020599913, 6);
  });
  it('does not clamp the prediction (IPC code)', () => {
    // a prediction of 1.5 against 1: MSE 0.25 -> 6.02 dB; clamped it would be a perfect match
    expect(psnr([1.5, 1.5, 1.5], [1, 1, 1])).toBeCloseTo(6.0206, 3);
  });
  it('is Infinity for a perfect match and rejects a size mismatch', () => {
    expect(psnr([0.2, 0.3], [0.2, 0.3])).toBe(Infinity);
    expect(() => mse([1], [1, 2])).toThrow(/length/);
  });
  it('object pixels only: alpha > 0', () => {
    // 2 pixels, the first (alpha 0) is wrong by 1, the second (alpha 0.5) wrong by 0.1 in one channel
    const pred = [0, 0, 0, 0.1, 0, 0];
    const target = [1, 1, 1, 0, 0, 0];
    const alpha = [0, 0.5];
    expect(maskedPsnr(pred, target, alpha)).toBeCloseTo(-10 * Math.log10(0.01 / 3), 6);
    expect(maskedPsnr(pred, target, [0, 0])).toBeNaN();
  });
  it('silhouette edges: both sides of the outline, within one pixel (8 neighbours)', () => {
    // 5x5, a 2x2 object at (1..2, 1..2): its 4 pixels and the ring around it are edge, column/row 4 not
    const fg = new Float32Array(25);
    for (const [x, y] of [[1, 1], [2, 1], [1, 2], [2, 2]]) fg[y! * 5 + x!] = 1;
    const e = silhouetteEdges(fg, 5, 5);
    const rows = Array.from({ length: 5 }, (_, y) => Array.from(e.subarray(y * 5, y * 5 + 5)).join(''));
    expect(rows).toEqual(['11110', '11110', '11110', '11110', '00000']);
    expect(Array.from(silhouetteEdges(new Float32Array(4).fill(1), 2, 2))).toEqual([0, 0, 0, 0]);
    expect(() => silhouetteEdges(new Float32Array(3), 2, 2)).toThrow(/silhouetteEdges: mask has 3 values, expected 4/);
  });
  it('edge PSNR counts only the outline: an error far from it does not change it', () => {
    const W = 5, H = 5;
    const alpha = new Float32Array(25);
    alpha[2 * 5 + 2] = 1; // one-pixel "leg"
    const target = new Float32Array(75).fill(1);
    target.fill(0, (2 * 5 + 2) * 3, (2 * 5 + 3) * 3);
    const pred = Float32Array.from(target);
    pred[(2 * 5 + 2) * 3] = 0.3; // the leg pixel wrong by 0.3 in one channel: 9 edge pixels x 3 channels
    const want = -10 * Math.log10(0.09 / 27);
    expect(edgePsnr(pred, target, alpha, W, H)).toBeCloseTo(want, 6);
    pred[(4 * 5 + 4) * 3] = 0; // a corner pixel, not on the outline
    expect(edgePsnr(pred, target, alpha, W, H)).toBeCloseTo(want, 6);
    expect(psnr(pred, target)).toBeLessThan(want);
    expect(edgePsnr(pred, target, new Float32Array(25), W, H)).toBeNaN();
  });
});

describe('ssim', () => {
  it('is 1 for identical images', () => {
    const rng = new Rng(1);
    const img = Float32Array.from({ length: 16 * 16 * 3 }, () => rng.next());
    expect(ssim(img, img, 16, 16)).toBeCloseTo(1, 10);
  });
  it('constant images a, b give (2ab + C1) / (a^2 + b^2 + C1)', () => {
    const a = 0.3, b = 0.7, C1 = 1e-4;
    const want = (2 * a * b + C1) / (a * a + b * b + C1);
    expect(ssim(new Float32Array(20 * 20 * 3).fill(a), new Float32Array(20 * 20 * 3).fill(b), 20, 20)).toBeCloseTo(want, 6);
  });
  it('clamps the prediction to [0, 1]', () => {
    const t = new Float32Array(12 * 12 * 3).fill(1);
    expect(ssim(new Float32Array(12 * 12 * 3).fill(1.7), t, 12, 12)).toBeCloseTo(1, 10);
  });
  it('matches a direct 2D-window computation (11x11, sigma 1.5, valid windows)', () => {
    const H = 14, W = 13;
    const rng = new Rng(7);
    const x = Float32Array.from({ length: H * W * 3 }, () => rng.next());
    const y = Float32Array.from(x, (v) => Math.min(1, Math.max(0, v + 0.2 * (rng.next() - 0.5))));
    // independent reference: explicit 2D Gaussian weights, formula of Wang et al. 2004
    const g = [];
    for (let i = 0; i < 11; i++) g.push(Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
    const gs = g.reduce((a, b) => a + b, 0);
    let tot = 0;
    for (let c = 0; c < 3; c++) {
      let s = 0, n = 0;
      for (let y0 = 0; y0 + 11 <= H; y0++) {
        for (let x0 = 0; x0 + 11 <= W; x0++) {
          let mx = 0, my = 0;
          for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
            const w = (g[i]! * g[j]!) / (gs * gs);
            mx += w * x[((y0 + i) * W + x0 + j) * 3 + c]!;
            my += w * y[((y0 + i) * W + x0 + j) * 3 + c]!;
          }
          let vx = 0, vy = 0, cxy = 0;
          for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
            const w = (g[i]! * g[j]!) / (gs * gs);
            const a = x[((y0 + i) * W + x0 + j) * 3 + c]! - mx, b = y[((y0 + i) * W + x0 + j) * 3 + c]! - my;
            vx += w * a * a; vy += w * b * b; cxy += w * a * b;
          }
          s += ((2 * mx * my + 1e-4) * (2 * cxy + 9e-4)) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4));
          n++;
        }
      }
      tot += s / n;
    }
    const got = ssim(x, y, H, W);
    expect(got).toBeLessThan(0.99);
    expect(got).toBeCloseTo(tot / 3, 9);
  });
  it('gaussian kernel sums to 1 and is symmetric', () => {
    const k = gaussianKernel(11, 1.5);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(k[0]).toBeCloseTo(k[10]!, 15);
    expect(k[5]! / k[6]!).toBeCloseTo(Math.exp(1 / 4.5), 12);
  });
});

describe('meanStdErr', () => {
  it('sample std / sqrt(n)', () => {
    // values 1, 2, 3, 4: mean 2.5, sample variance 5/3, stderr sqrt(5/12)
    const r = meanStdErr([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.stderr).toBeCloseTo(Math.sqrt(5 / 12), 12);
    expect(r.n).toBe(4);
    expect(meanStdErr([3])).toEqual({ mean: 3, stderr: 0, n: 1 });
    expect(meanStdErr([NaN, 2, 4]).mean).toBe(3);
  });
});

describe('baselines', () => {
  it('white, support mean colour, nearest support camera, training mean', () => {
    expect(Array.from(whiteImage(1, 2))).toEqual([1, 1, 1, 1, 1, 1]);
    const a = Float32Array.from([0, 0, 0, 1, 1, 1]);
    const b = Float32Array.from([0.5, 0, 1, 0.5, 0, 1]);
    assertClose(supportMeanImage([a, b], 1, 1), [0.5, 0.25, 0.75], 1e-7);
    const cams = [0, 1.5, 3].map((az) => cameraAt(orbitPose(az, 0.3, 4), 8));
    expect(nearestSupportIndex(cams, cameraAt(orbitPose(1.4, 0.2, 4), 8))).toBe(1);
    expect(nearestSupportIndex(cams, cameraAt(orbitPose(2.9, 0.5, 4), 8))).toBe(2);
    const acc = new TrainMeanAccumulator(1, 2);
    acc.add(a); acc.add(b);
    assertClose(acc.mean(), [0.25, 0, 0.5, 0.75, 0.5, 1], 1e-7);
    expect(() => acc.add(new Float32Array(3))).toThrow(/expected 1x2x3/);
    assertClose(clamp01(Float32Array.from([-1, 0.5, 2])), [0, 0.5, 1]);
  });
});

describe('metrics on degenerate and mismatched input', () => {
  it('empty images, size mismatches and empty masks are named', () => {
    expect(() => mse([], [])).toThrow('mse: empty images');
    expect(() => maskedPsnr([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1])).toThrow('maskedPsnr: sizes 6, 9 and alpha 2 x 3 disagree');
    expect(() => maskedPsnr([0, 0, 0], [0, 0, 0], [1, 1])).toThrow('maskedPsnr: sizes 3, 3 and alpha 2 x 3 disagree');
    expect(maskedPsnr([0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0], [0, 0])).toBeNaN();
    // only the pixel under alpha > 0 counts: its error is 0.1 in each channel
    expect(maskedPsnr([0.1, 0.1, 0.1, 1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 0])).toBeCloseTo(20, 10);
    expect(() => ssim(new Array(12).fill(0), new Array(12).fill(0), 2, 3)).toThrow('ssim: images must hold 2x3x3 values, got 12 and 12');
    expect(() => ssim(new Array(18).fill(0), new Array(17).fill(0), 2, 3)).toThrow('got 18 and 17');
    expect(meanStdErr([NaN, Infinity])).toEqual({ mean: NaN, stderr: NaN, n: 0 });
    expect(meanStdErr([2, NaN, 4])).toEqual({ mean: 3, stderr: 1, n: 2 });
  });

  it('an even window shrinks to the odd size below it (a 4x4 image uses 3x3 windows)', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 4 * 4 * 3 }, () => rng.uniform(0, 1));
    const b = a.map((v, i) => (i % 5 === 0 ? 1 - v : v));
    expect(ssim(a, b, 4, 4)).toBe(ssim(a, b, 4, 4, { window: 3 }));
    expect(ssim(a, b, 4, 4, { window: 4 })).toBe(ssim(a, b, 4, 4, { window: 3 }));
    expect(ssim(a, b, 4, 4)).not.toBe(ssim(a, b, 4, 4, { window: 1 }));
  });

  it('silhouette edges at the image border: a mask touching every border', () => {
    // 4x3 mask, object = left two columns: edge pixels are the columns on both sides of the outline
    const fg = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0];
    expect(Array.from(silhouetteEdges(fg, 4, 3))).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    // object = bottom row only
    const fg2 = [0, 0, 0, 0, 0, 0, 1, 1, 1];
    expect(Array.from(silhouetteEdges(fg2, 3, 3))).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1]);
    // object = top row only, then left column only: the neighbours in row 0 / column 0 count
    expect(Array.from(silhouetteEdges([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 3))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(silhouetteEdges([1, 0, 0, 1, 0, 0, 1, 0, 0], 3, 3))).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0]);
  });
});
