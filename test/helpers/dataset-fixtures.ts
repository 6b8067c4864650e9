/** Tiny datasets written with sharp into temp folders, for the loader tests and the data benchmark. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { orbitPose, toRowMajor } from '../../src/core/rays/index.ts';

const created: string[] = [];
let cleanupRegistered = false;

/** Removes every folder `tmpDir` made so far (tests: `afterAll(removeTmpDirs)`). */
export function removeTmpDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh temp folder, removed by `removeTmpDirs` or when the process exits normally. */
export function tmpDir(prefix = 'lfkit-data-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', removeTmpDirs);
  }
  return dir;
}

/**
 * A deterministic RGBA test pattern: colour from the pixel position and `seed`, alpha 0 on a
 * border ring (background), 255 inside, and a half-transparent block.
 */
export function rgbaPattern(w: number, h: number, seed = 0): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      d[p] = (x * 37 + seed * 11) & 255;
      d[p + 1] = (y * 53 + seed * 7) & 255;
      d[p + 2] = (x * y + seed) & 255;
      const border = x < w / 4 || x >= (3 * w) / 4 || y < h / 4 || y >= (3 * h) / 4;
      d[p + 3] = border ? 0 : x < w / 2 && y < h / 2 ? 128 : 255;
    }
  }
  return d;
}

/** Expected composite on white of an RGBA byte pattern: `[H, W, 3]`. */
export function compositeOnWhite(d: Uint8Array): Float32Array {
  const n = d.length / 4;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = d[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = (d[i * 4 + c]! / 255) * a + (1 - a);
  }
  return out;
}

export async function writePng(file: string, rgba: Uint8Array, w: number, h: number, channels: 3 | 4 = 4): Promise<void> {
  let data = rgba;
  if (channels === 3) {
    data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = rgba[i * 4 + c]!;
  }
  await sharp(Buffer.from(data), { raw: { width: w, height: h, channels } }).png().toFile(file);
}

/** Camera-to-world of view `i` (orbit, radius 4) as a row-major JSON matrix. */
export function viewPose(i: number): number[][] {
  return toRowMajor(orbitPose(i * 0.41, 0.2 + 0.02 * (i % 7), 4));
}

export interface LearnitFixture {
  root: string;
  ids: string[];
}

/**
 * `<root>/<singular>_splits.json` + `<root>/<singular>s/<id>/{transforms.json, r_XXX.png}`.
 * Objects get `views` views of `size x size`; ids split 60/20/20 into train/val/test.
 */
export async function writeLearnit(root: string, opts: { category?: string; objects?: number; views?: number; size?: number; angle?: number } = {}): Promise<LearnitFixture> {
  const singular = opts.category ?? 'chair';
  const nObj = opts.objects ?? 3;
  const nViews = opts.views ?? 4;
  const size = opts.size ?? 8;
  const ids = Array.from({ length: nObj }, (_, i) => `obj${String(i).padStart(3, '0')}`);
  const folder = path.join(root, `${singular}s`);
  mkdirSync(folder, { recursive: true });
  const nTrain = Math.max(1, Math.round(nObj * 0.6));
  const nVal = Math.round(nObj * 0.2);
  writeFileSync(path.join(root, `${singular}_splits.json`), JSON.stringify({
    train: ids.slice(0, nTrain), val: ids.slice(nTrain, nTrain + nVal), test: ids.slice(nTrain + nVal),
  }));
  for (let o = 0; o < nObj; o++) {
    const dir = path.join(folder, ids[o]!);
    mkdirSync(dir, { recursive: true });
    const frames = [];
    const writes = [];
    for (let v = 0; v < nViews; v++) {
      const name = `r_${String(v).padStart(3, '0')}`;
      frames.push({ file_path: `./${name}`, rotation: 0.1, transform_matrix: viewPose(v) });
      writes.push(writePng(path.join(dir, `${name}.png`), rgbaPattern(size, size, o * 100 + v), size, size));
    }
    await Promise.all(writes);
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ camera_angle_x: opts.angle ?? 0.6911, frames }, null, 1));
  }
  return { root, ids };
}
