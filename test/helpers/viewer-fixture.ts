/**
 * A tiny learnit-format dataset for the viewer tests: `objects` objects of `views` views,
 * `size x size` RGBA PNGs (a coloured disc on transparent, so alpha compositing shows), cameras
 * on the radius-4 orbit with `camera_angle_x` 0.6911, and a `chair_splits.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { orbitPose, toRowMajor } from '../../src/core/rays/index.ts';

export async function writeTinyLearnit(root: string, opts: { objects?: number; views?: number; size?: number } = {}): Promise<{ ids: string[]; poses: number[][][][] }> {
  const nObj = opts.objects ?? 2, nViews = opts.views ?? 6, size = opts.size ?? 16;
  const ids = Array.from({ length: nObj }, (_, i) => `obj_${String.fromCharCode(97 + i)}`);
  const poses: number[][][][] = [];
  for (const [o, id] of ids.entries()) {
    const dir = path.join(root, 'chairs', id);
    mkdirSync(dir, { recursive: true });
    const frames = [];
    const objPoses: number[][][] = [];
    for (let v = 0; v < nViews; v++) {
      const px = Buffer.alloc(size * size * 4);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const i = (y * size + x) * 4;
          const r = Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2);
          px[i] = (60 * o + 20 * v) % 256; px[i + 1] = 90; px[i + 2] = 200 - 30 * o;
          px[i + 3] = r < size / 3 ? 255 : 0;
        }
      }
      await sharp(px, { raw: { width: size, height: size, channels: 4 } }).png().toFile(path.join(dir, `r_${String(v).padStart(3, '0')}.png`));
      const pose = toRowMajor(orbitPose((2 * Math.PI * v) / nViews + 0.3 * o, 0.2 + 0.1 * (v % 3), 4));
      objPoses.push(pose);
      frames.push({ file_path: `./r_${String(v).padStart(3, '0')}`, transform_matrix: pose });
    }
    poses.push(objPoses);
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ camera_angle_x: 0.6911, frames }));
  }
  mkdirSync(path.join(root, 'chairs', 'empty_folder'), { recursive: true });
  writeFileSync(path.join(root, 'chair_splits.json'), JSON.stringify({ train: ids.slice(1), val: [], test: ids.slice(0, 1) }));
  return { ids, poses };
}
