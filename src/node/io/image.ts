/**
 * PNG (or any image sharp reads) -> `[H, W, 3]` Float32 composited on white, plus alpha.
 * Optional square resize: integer factors (128 -> 64) average blocks exactly; other factors use
 * sharp's linear kernel. Both average premultiplied colour, so the composite of the resized
 * image equals the resize of the composite. Grey or RGB, with or without alpha; sharp's raw output is 8-bit, so
 * 16-bit PNGs are read at 8-bit precision (scaled, not truncated).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { decodePngFast, pngSize } from './png.ts';
import { DatasetError } from '../../core/data/types.ts';

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
 * Plain 8-bit PNGs take the fast path of `png.ts`; everything else goes through sharp.
 * Resizing by an integer factor averages each block (the exact area filter, in JS); other
 * factors use sharp's linear kernel.
 *
 * @example const { image, alpha, width } = await decodeImage('chairs/1a2b/r_000.png', { size: 64 });
 */
export async function decodeImage(file: string, opts: { size?: number } = {}): Promise<DecodedImage> {
  let buf: Buffer;
  try {
    // A synchronous read: dataset images are small, and fs.promises.readFile costs 10-20x
    // more per file (several thread-pool round trips) on a busy machine.
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? `${file}: image file is missing` : `${file}: cannot read image (${(err as Error).message})`);
  }
  const size = opts.size;
  let src = decodePngFast(buf);
  let srcWidth = src?.width ?? pngSize(buf)?.width;
  let srcHeight = src?.height ?? pngSize(buf)?.height;
  const integerFactor = (w: number, h: number) => size !== undefined && w % size === 0 && h % size === 0;
  try {
    if (!src && (size === undefined || srcWidth === undefined || integerFactor(srcWidth, srcHeight!))) {
      // full-size decode by sharp (non-PNG files: the size is only known after decoding)
      const { data, info } = await sharp(buf, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
      src = { data, width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
      srcWidth = info.width;
      srcHeight = info.height;
    }
    if (src && (size === undefined || (src.width === size && src.height === size))) {
      return { ...toFloat(src.data, src.width, src.height, src.channels), width: src.width, height: src.height, srcWidth: src.width, srcHeight: src.height };
    }
    if (src && integerFactor(src.width, src.height)) {
      const full = toFloat(src.data, src.width, src.height, src.channels);
      return { ...boxDownscale(full, src.width, src.height, size!, size!), width: size!, height: size!, srcWidth: src.width, srcHeight: src.height };
    }
    // any other factor: sharp's linear kernel (it premultiplies alpha while resizing)
    if (srcWidth === undefined || srcHeight === undefined) {
      const meta = await sharp(buf).metadata();
      if (!meta.width || !meta.height) throw new Error('no image size in the header');
      srcWidth = meta.width;
      srcHeight = meta.height;
    }
    const { data, info } = await sharp(buf, { failOn: 'warning' })
      .resize(size!, size!, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { ...toFloat(data, info.width, info.height, info.channels), width: info.width, height: info.height, srcWidth, srcHeight };
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(`${file}: cannot decode image (${(err as Error).message})`);
  }
}

/** Area filter for integer factors: each output pixel is the mean of its `fx x fy` block (image and alpha). */
function boxDownscale(src: { image: Float32Array; alpha: Float32Array | null }, w: number, h: number, ow: number, oh: number): { image: Float32Array; alpha: Float32Array | null } {
  const fx = w / ow, fy = h / oh;
  const inv = 1 / (fx * fy);
  const image = new Float32Array(ow * oh * 3);
  const alpha = src.alpha ? new Float32Array(ow * oh) : null;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let dy = 0; dy < fy; dy++) {
        let i = (y * fy + dy) * w + x * fx;
        for (let dx = 0; dx < fx; dx++, i++) {
          r += src.image[i * 3]!; g += src.image[i * 3 + 1]!; b += src.image[i * 3 + 2]!;
          if (src.alpha) a += src.alpha[i]!;
        }
      }
      const o = y * ow + x;
      image[o * 3] = r * inv; image[o * 3 + 1] = g * inv; image[o * 3 + 2] = b * inv;
      if (alpha) alpha[o] = a * inv;
    }
  }
  return { image, alpha };
}

/** Interleaved 1-4 channel 8-bit pixels -> white-composited RGB and alpha. */
function toFloat(data: Uint8Array, width: number, height: number, channels: number): { image: Float32Array; alpha: Float32Array | null } {
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
