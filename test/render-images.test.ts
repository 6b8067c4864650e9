import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { gridImage, resizeImage, rgbImage } from '../src/core/render/image-ops.ts';
import { writeAnimation, writePng } from '../src/node/io/images.ts';
import { plotTrainingCurves } from '../src/node/io/plot.ts';
import { assertClose } from './helpers/assert-close.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-img-'));

describe('image ops', () => {
  it('bilinear resize: identity copy, 2x2 -> 1x1 averages, constant stays constant', () => {
    const img = rgbImage(Float32Array.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]), 2, 2);
    assertClose(resizeImage(img, 2, 2).data, img.data);
    assertClose(resizeImage(img, 1, 1).data, [0.5, 0.5, 0.5], 1e-7);
    const up = resizeImage(rgbImage(new Float32Array(27).fill(0.3), 3, 3), 7, 5);
    expect(up.data.length).toBe(7 * 5 * 3);
    assertClose(up.data, new Float32Array(105).fill(0.3), 1e-6);
    // 1x2 -> 1x4: pixel centres map to -0.25, 0.25, 0.75, 1.25 -> clamped, lerped
    assertClose(resizeImage(rgbImage(Float32Array.from([0, 0, 0, 1, 1, 1]), 2, 1), 4, 1).data.filter((_, i) => i % 3 === 0), [0, 0.25, 0.75, 1], 1e-6);
  });
  it('grid places resized cells with padding', () => {
    const red = rgbImage(Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => (i % 3 === 0 ? 1 : 0)), 4, 4);
    const g = gridImage([[red, null], [null, red]], 2, 1, 0.5);
    expect([g.width, g.height]).toEqual([7, 7]);
    const px = (x: number, y: number) => Array.from(g.data.subarray((y * 7 + x) * 3, (y * 7 + x) * 3 + 3));
    expect(px(1, 1)).toEqual([1, 0, 0]);
    expect(px(4, 1)).toEqual([0.5, 0.5, 0.5]);
    expect(px(5, 5)).toEqual([1, 0, 0]);
    expect(px(0, 0)).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('image files', () => {
  it('PNG round trip, animated WebP and GIF with every frame', async () => {
    const dir = tmp();
    const img = rgbImage(Float32Array.from({ length: 8 * 6 * 3 }, (_, i) => (i % 7) / 6), 8, 6);
    await writePng(path.join(dir, 'a.png'), img);
    const { data, info } = await sharp(path.join(dir, 'a.png')).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([8, 6, 3]);
    assertClose(Array.from(data, (v) => v / 255), img.data, 0.5 / 255 + 1e-6);
    const frames = [0, 0.5, 1].map((v) => rgbImage(new Float32Array(8 * 6 * 3).fill(v), 8, 6));
    for (const ext of ['webp', 'gif']) {
      const f = path.join(dir, `t.${ext}`);
      await writeAnimation(f, frames);
      const meta = await sharp(f, { animated: true }).metadata();
      expect(meta.format).toBe(ext);
      expect(meta.pages).toBe(3);
      expect(meta.pageHeight).toBe(6);
    }
    await expect(writeAnimation(path.join(dir, 't.png'), frames)).rejects.toThrow(/\.webp or \.gif/);
  });
  it('training curves PNG from metrics records', async () => {
    const dir = tmp();
    const recs = [];
    for (let s = 1; s <= 20; s++) recs.push({ kind: 'train', step: s, time: s * 3, loss: 0.1 / s, psnr: 10 + s / 2 });
    recs.push({ kind: 'val', step: 10, time: 30, psnr: 12 }, { kind: 'val', step: 20, time: 60, psnr: 14 });
    const f = path.join(dir, 'curves.png');
    await plotTrainingCurves(recs, f, 'test run');
    const meta = await sharp(f).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width!).toBeGreaterThan(400);
    expect(meta.height!).toBeGreaterThan(300);
  });
});
