/**
 * Small pure image operations for rendered outputs: bilinear resize and the comparison grid
 * (support | predicted | ground truth). Images are `RgbImage`: row-major `Float32Array`
 * `[H, W, 3]` in [0, 1] with their size. No Node imports (the viewer shares this).
 */

/** A row-major `[height, width, 3]` image in [0, 1]. */
export interface RgbImage {
  data: Float32Array;
  width: number;
  height: number;
}

/** Wraps a flat `[H, W, 3]` array, checking its length. */
export function rgbImage(data: Float32Array, width: number, height: number): RgbImage {
  if (data.length !== width * height * 3) {
    throw new Error(`image of ${data.length} values is not ${width}x${height}x3`);
  }
  return { data, width, height };
}

/** Bilinear resize (pixel centres aligned, as `align_corners=false`). Same size: a copy. */
export function resizeImage(img: RgbImage, width: number, height: number): RgbImage {
  const { data, width: W, height: H } = img;
  if (W === width && H === height) return { data: Float32Array.from(data), width, height };
  const out = new Float32Array(width * height * 3);
  const sx = W / width, sy = H / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(H - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(H - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(W - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(W - 1, x0 + 1), tx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * W + x0) * 3 + c]!, b = data[(y0 * W + x1) * 3 + c]!;
        const d = data[(y1 * W + x0) * 3 + c]!, e = data[(y1 * W + x1) * 3 + c]!;
        out[(y * width + x) * 3 + c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
    }
  }
  return { data: out, width, height };
}

/**
 * Lays out rows of images (null = an empty cell) into one image: every cell is resized to
 * `cell x cell`, separated by `pad` pixels of `background` grey.
 */
export function gridImage(rows: readonly (readonly (RgbImage | null)[])[], cell: number, pad = 2, background = 0.85): RgbImage {
  const nRows = rows.length;
  const nCols = Math.max(1, ...rows.map((r) => r.length));
  const width = nCols * cell + (nCols + 1) * pad;
  const height = nRows * cell + (nRows + 1) * pad;
  const out = new Float32Array(width * height * 3).fill(background);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      if (!img) return;
      const s = resizeImage(img, cell, cell);
      const x0 = pad + c * (cell + pad), y0 = pad + r * (cell + pad);
      for (let y = 0; y < cell; y++) {
        out.set(s.data.subarray(y * cell * 3, (y + 1) * cell * 3), ((y0 + y) * width + x0) * 3);
      }
    });
  });
  return { data: out, width, height };
}
