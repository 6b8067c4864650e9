/**
 * Contact sheets (`lfkit synth ... --preview sheet.png`): one view each of the first objects of
 * a generated dataset, composited on white and tiled with sharp, to check by eye that chairs
 * look like chairs.
 */
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../src/node/io/fs.ts';

export interface ContactSheetOptions {
  /** Tiles per row (default 8). */
  cols?: number;
  /** Objects shown (default 16). */
  maxObjects?: number;
  /** View index shown per object (default 0). */
  view?: number;
  /** Pixels between tiles (default 2). */
  gap?: number;
}

/**
 * Writes a contact sheet of `ids` (objects under `<root>/<category>/`) to `out` (PNG).
 * Returns the number of tiles.
 */
export async function writeContactSheet(root: string, category: string, ids: string[], out: string, opts: ContactSheetOptions = {}): Promise<number> {
  const chosen = ids.slice(0, opts.maxObjects ?? 16);
  if (chosen.length === 0) throw new Error('contact sheet: no objects to show');
  const view = `r_${String(opts.view ?? 0).padStart(3, '0')}.png`;
  const tiles = await Promise.all(chosen.map(async (id) => {
    const file = path.join(root, category, id, view);
    const img = sharp(file);
    const meta = await img.metadata();
    return { buf: await img.flatten({ background: '#ffffff' }).png().toBuffer(), w: meta.width ?? 0, h: meta.height ?? 0 };
  }));
  const cols = Math.min(opts.cols ?? 8, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const gap = opts.gap ?? 2;
  const tw = Math.max(...tiles.map((t) => t.w)), th = Math.max(...tiles.map((t) => t.h));
  const W = cols * tw + (cols + 1) * gap, H = rows * th + (rows + 1) * gap;
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: '#d8d8d8' } })
    .composite(tiles.map((t, i) => ({ input: t.buf, left: gap + (i % cols) * (tw + gap), top: gap + Math.floor(i / cols) * (th + gap) })))
    .png({ compressionLevel: 9 })
    .toBuffer();
  writeFileAtomic(out, png);
  return tiles.length;
}
