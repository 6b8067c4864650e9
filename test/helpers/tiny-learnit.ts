/**
 * A tiny learnit-format dataset for tests (method.md section 2): `<root>/chair_splits.json`,
 * `<root>/chairs/<id>/transforms.json` and RGBA PNGs. Each object is a shaded sphere of its own
 * colour and radius (ray-traced with `src/rays`), seen from cameras at radius 4.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { cameraAt, orbitPose, pixelRays, toRowMajor } from '../../src/core/rays/index.ts';
import { Rng } from '../../src/core/util/rng.ts';

export interface TinyDatasetOptions {
  objects?: { train: number; val: number; test: number };
  views?: number;
  size?: number;
  seed?: number;
}

/** Writes the dataset into a new temp folder and returns its root (category `chairs`). */
export async function makeTinyLearnit(opts: TinyDatasetOptions = {}): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-tiny-'));
  const counts = opts.objects ?? { train: 2, val: 1, test: 2 };
  const views = opts.views ?? 8;
  const size = opts.size ?? 16;
  const rng = new Rng(opts.seed ?? 0);
  const splits: Record<string, string[]> = { train: [], val: [], test: [] };
  let k = 0;
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < counts[split]; i++) {
      const id = `obj${String(k++).padStart(3, '0')}`;
      splits[split]!.push(id);
      const dir = path.join(root, 'chairs', id);
      fs.mkdirSync(dir, { recursive: true });
      const colour = [rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)];
      const radius = rng.uniform(0.6, 1.1);
      const frames = [];
      for (let v = 0; v < views; v++) {
        const pose = orbitPose(rng.uniform(0, 2 * Math.PI), rng.uniform(0.1, 0.8), 4);
        const cam = cameraAt(pose, size);
        const { origins, directions } = pixelRays(cam);
        const px = Buffer.alloc(size * size * 4);
        for (let p = 0; p < size * size; p++) {
          const o = [origins[p * 3]!, origins[p * 3 + 1]!, origins[p * 3 + 2]!];
          const d = [directions[p * 3]!, directions[p * 3 + 1]!, directions[p * 3 + 2]!];
          const b = o[0]! * d[0]! + o[1]! * d[1]! + o[2]! * d[2]!;
          const c = o[0]! ** 2 + o[1]! ** 2 + o[2]! ** 2 - radius * radius;
          const disc = b * b - c;
          if (disc < 0) continue;
          const t = -b - Math.sqrt(disc);
          const n = [0, 1, 2].map((j) => (o[j]! + t * d[j]!) / radius);
          const shade = 0.35 + 0.65 * Math.max(0, 0.5 * n[0]! + 0.3 * n[1]! + 0.8 * n[2]!);
          for (let ch = 0; ch < 3; ch++) px[p * 4 + ch] = Math.round(255 * Math.min(1, colour[ch]! * shade + 0.2 * (n[ch]! * 0.5 + 0.5)));
          px[p * 4 + 3] = 255;
        }
        const name = `r_${String(v).padStart(3, '0')}`;
        await sharp(px, { raw: { width: size, height: size, channels: 4 } }).png().toFile(path.join(dir, `${name}.png`));
        frames.push({ file_path: `./${name}`, transform_matrix: toRowMajor(pose) });
      }
      fs.writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ camera_angle_x: 0.6911, frames }));
    }
  }
  fs.writeFileSync(path.join(root, 'chair_splits.json'), JSON.stringify(splits));
  return root;
}
