/**
 * Node-side image writing for rendered outputs (sharp): PNGs, comparison grids and turntables
 * as animated WebP or GIF. Inputs are `RgbImage`s (`[H, W, 3]` in [0, 1], values clamped and
 * rounded to 8 bits here). Every file goes through `writeFileAtomic`.
 */
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from './fs.ts';
import type { RgbImage } from '../../core/render/image-ops.ts';

/** `[H, W, 3]` floats -> interleaved 8-bit RGB (clamped to [0, 1], rounded). */
export function toRgb8(img: RgbImage): Buffer {
  const out = Buffer.alloc(img.width * img.height * 3);
  const d = img.data;
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, d[i]!)) * 255);
  return out;
}

/** PNG bytes of an image. */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(toRgb8(img), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

/** Writes an image as PNG. */
export async function writePng(file: string, img: RgbImage): Promise<void> {
  writeFileAtomic(file, await encodePng(img));
}

/**
 * Writes frames (all the same size) as an animated image; the format follows the extension:
 * `.webp` (lossless) or `.gif`. `delayMs` per frame; loops forever.
 */
export async function writeAnimation(file: string, frames: readonly RgbImage[], delayMs = 80): Promise<void> {
  if (frames.length === 0) throw new Error('writeAnimation: no frames');
  const { width, height } = frames[0]!;
  const buf = Buffer.alloc(width * height * 3 * frames.length);
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) throw new Error(`writeAnimation: frame ${i} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`);
    toRgb8(f).copy(buf, i * width * height * 3);
  });
  const input = sharp(buf, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } });
  const ext = path.extname(file).toLowerCase();
  const delay = frames.map(() => delayMs);
  let out: Buffer;
  if (ext === '.webp') out = await input.webp({ lossless: true, loop: 0, delay }).toBuffer();
  else if (ext === '.gif') out = await input.gif({ loop: 0, delay }).toBuffer();
  else throw new Error(`writeAnimation: ${file}: use a .webp or .gif file name`);
  writeFileAtomic(file, out);
}
