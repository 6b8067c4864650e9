/**
 * PNG (or any image sharp reads) -> `[H, W, 3]` Float32 composited on white, plus alpha.
 * Optional square resize with sharp's linear (triangle, anti-aliased when shrinking) kernel;
 * sharp premultiplies alpha while resizing, so the composite of the resized image equals the
 * resize of the composite. Grey or RGB, with or without alpha; sharp's raw output is 8-bit, so
 * 16-bit PNGs are read at 8-bit precision (scaled, not truncated).
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { DatasetError } from './types.ts';

export interface DecodedImage {
  /** `[H, W, 3]` in [0, 1], composited on white: `rgb * a + (1 - a)`. */
  image: Float32Array;
  /** `[H, W]` coverage, or null without an alpha channel. */
  alpha: Float32Array | null;
  width: number;
  height: number;
  /** Size of the file before resizing. */
  srcWidth: number;
  srcHeight: number;
}

const LUT8 = new Float32Array(256);
for (let i = 0; i < 256; i++) LUT8[i] = i / 255;

/**
 * Decodes one image file. Missing file or undecodable data: DatasetError naming the file.
 *
 * @example const { image, alpha, width } = await decodeImage('chairs/1a2b/r_000.png', { size: 64 });
 */
export async function decodeImage(file: string, opts: { size?: number } = {}): Promise<DecodedImage> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? `${file}: image file is missing` : `${file}: cannot read image (${(err as Error).message})`);
  }
  try {
    let srcWidth: number;
    let srcHeight: number;
    let pipeline = sharp(buf, { failOn: 'warning' });
    if (opts.size !== undefined) {
      const meta = await pipeline.metadata();
      if (!meta.width || !meta.height) throw new Error('no image size in the header');
      srcWidth = meta.width;
      srcHeight = meta.height;
      if (srcWidth !== opts.size || srcHeight !== opts.size) {
        pipeline = pipeline.resize(opts.size, opts.size, { fit: 'fill', kernel: 'linear' });
      }
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    srcWidth ??= info.width;
    srcHeight ??= info.height;
    const out = toFloat(data, info.width, info.height, info.channels);
    return { ...out, width: info.width, height: info.height, srcWidth: srcWidth!, srcHeight: srcHeight! };
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(`${file}: cannot decode image (${(err as Error).message})`);
  }
}

/** Interleaved 1-4 channel 8-bit pixels -> white-composited RGB and alpha. */
function toFloat(data: Buffer, width: number, height: number, channels: number): { image: Float32Array; alpha: Float32Array | null } {
  const n = width * height;
  const image = new Float32Array(n * 3);
  const hasAlpha = channels === 2 || channels === 4;
  const alpha = hasAlpha ? new Float32Array(n) : null;
  const colour = channels >= 3 ? 3 : 1;
  if (channels === 4) {
    // the common case (RGBA PNG renders), kept tight
    for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
      const a = LUT8[data[p + 3]!]!;
      const w = 1 - a;
      image[q] = LUT8[data[p]!]! * a + w;
      image[q + 1] = LUT8[data[p + 1]!]! * a + w;
      image[q + 2] = LUT8[data[p + 2]!]! * a + w;
      alpha![i] = a;
    }
    return { image, alpha };
  }
  const src = data;
  const scale = 1 / 255;
  for (let i = 0, p = 0, q = 0; i < n; i++, p += channels, q += 3) {
    const a = hasAlpha ? src[p + channels - 1]! * scale : 1;
    const w = 1 - a;
    if (colour === 3) {
      image[q] = src[p]! * scale * a + w;
      image[q + 1] = src[p + 1]! * scale * a + w;
      image[q + 2] = src[p + 2]! * scale * a + w;
    } else {
      const g = src[p]! * scale * a + w;
      image[q] = g; image[q + 1] = g; image[q + 2] = g;
    }
    if (alpha) alpha[i] = a;
  }
  return { image, alpha };
}
