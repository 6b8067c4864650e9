/**
 * Dataset loading speed: views per second loading a generated learnit dataset of 64x64 RGBA
 * PNGs (10 objects x 50 views, written with sharp into a temp folder) with `openDataset` +
 * `loadObject`: at full size, resized to 32x32 (integer factor: area average in JS) and to
 * 48x48 (sharp, linear kernel); plus sharp's bare decode of the same files as a reference for
 * the JS PNG path of `src/datasets/png.ts`.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { tmpDir, writeLearnit } from '../test/helpers/dataset-fixtures.ts';
import { median, timeIt, type Benchmark, type Figure } from './harness.ts';

const OBJECTS = 10;
const VIEWS = 50;
const SIZE = 64;

export const dataBenchmark: Benchmark = {
  name: 'data',
  description: `views per second loading a learnit dataset (${OBJECTS} objects x ${VIEWS} views, ${SIZE}x${SIZE} RGBA PNG)`,
  async run() {
    const root = tmpDir('lfkit-bench-data-');
    try {
      const { ids } = await writeLearnit(root, { objects: OBJECTS, views: VIEWS, size: SIZE });
      const figures: Figure[] = [];
      const variants: { name: string; size?: number; concurrency: number }[] = [
        { name: `data.views_per_s_${SIZE}`, concurrency: 8 },
        { name: `data.views_per_s_${SIZE}_resize32`, size: 32, concurrency: 8 }, // integer factor: JS area filter
        { name: `data.views_per_s_${SIZE}_resize48`, size: 48, concurrency: 8 }, // other factors: sharp, linear kernel
      ];
      for (const v of variants) {
        const ds = await openDataset(root, { category: 'chairs', size: v.size, concurrency: v.concurrency });
        const times = await timeIt(async () => { for (const id of ids) await ds.loadObject(id); }, 5, 1);
        figures.push({
          name: v.name,
          value: (OBJECTS * VIEWS) / median(times),
          unit: 'views/s',
          backend: 'none',
          note: `${OBJECTS} objects x ${VIEWS} views ${SIZE}x${SIZE} RGBA PNG, objects in sequence, ${v.concurrency} views decoded at once` +
            `${v.size ? `, resized to ${v.size}x${v.size}` : ''}; median of 5`,
        });
      }
      // reference: the same files through sharp alone (decode only, 8 at once), what the JS path replaces
      const files = ids.flatMap((id) => Array.from({ length: VIEWS }, (_, v) => path.join(root, 'chairs', id, `r_${String(v).padStart(3, '0')}.png`)));
      const sharpTimes = await timeIt(async () => {
        for (let i = 0; i < files.length; i += 8) {
          await Promise.all(files.slice(i, i + 8).map((f) => sharp(readFileSync(f)).raw().toBuffer()));
        }
      }, 5, 1);
      figures.push({
        name: `data.sharp_decode_views_per_s_${SIZE}`,
        value: files.length / median(sharpTimes),
        unit: 'views/s',
        backend: 'none',
        note: 'reference: sharp raw decode only (no composite, no cameras), 8 at once; median of 5',
      });
      return figures;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
