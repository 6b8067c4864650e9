/**
 * The fast PNG path (`src/datasets/png.ts`) against sharp, the reference decoder: every
 * scanline filter and colour type byte-exact, fallbacks for what it does not handle, and the
 * resize paths (integer-factor area average, sharp linear otherwise) on premultiplied colour.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/node/io/image.ts';
import { decodePngFast, pngSize } from '../src/node/io/png.ts';
import { assertClose } from './helpers/assert-close.ts';
import { compositeOnWhite, rgbaPattern, removeTmpDirs, tmpDir, writePng } from './helpers/dataset-fixtures.ts';

afterAll(removeTmpDirs);

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG written by hand: row `y` uses filter `filters[y % filters.length]`; the IDAT is split in two chunks. */
function handPng(pixels: Uint8Array, w: number, h: number, channels: 1 | 2 | 3 | 4, filters: number[], extra: Buffer[] = []): Buffer {
  const stride = w * channels;
  const rows: number[] = [];
  const at = (y: number, i: number) => (y < 0 || i < 0 ? 0 : pixels[y * stride + i]!);
  for (let y = 0; y < h; y++) {
    const f = filters[y % filters.length]!;
    rows.push(f);
    for (let i = 0; i < stride; i++) {
      const x = at(y, i), a = at(y, i - channels), b = at(y - 1, i), c = at(y - 1, i - channels);
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c); pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      rows.push((x - pred) & 255);
    }
  }
  const z = deflateSync(Uint8Array.from(rows));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const half = Math.floor(z.length / 2);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), ...extra,
    chunk('IDAT', z.subarray(0, half)), chunk('IDAT', z.subarray(half)), chunk('IEND', new Uint8Array()),
  ]);
}

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s >>> 24; }
  return out;
}

describe('fast PNG decoder', () => {
  it('matches sharp byte for byte: every filter type, every 8-bit colour type', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      for (const filters of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
        const w = 7, h = 5;
        const px = noise(w * h * channels, channels * 10 + filters[0]!);
        const png = handPng(px, w, h, channels, filters);
        const fast = decodePngFast(png);
        expect(fast, `channels ${channels} filters ${filters}`).not.toBeNull();
        expect([fast!.width, fast!.height, fast!.channels]).toEqual([w, h, channels]);
        expect(Buffer.from(fast!.data).equals(Buffer.from(px))).toBe(true);
        const ref = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        // sharp returns grey as RGB (grey+alpha as RGBA) with the grey replicated
        const grey = channels <= 2;
        expect(ref.info.channels).toBe(grey ? channels + 2 : channels);
        const expanded = grey ? Buffer.from(Array.from({ length: w * h }, (_, i) => channels === 1 ? [px[i]!, px[i]!, px[i]!] : [px[2 * i]!, px[2 * i]!, px[2 * i]!, px[2 * i + 1]!]).flat()) : Buffer.from(px);
        expect(ref.data.equals(expanded)).toBe(true);
      }
    }
  });

  it('defers to sharp for palette, interlaced, 16-bit, colour-managed or broken files', async () => {
    const w = 6, h = 4, px = noise(w * h * 4, 3);
    const rgba = await sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 4 } });
    expect(decodePngFast(await rgba.clone().png().toBuffer())).not.toBeNull();
    expect(decodePngFast(await rgba.clone().png({ palette: true }).toBuffer())).toBeNull();
    expect(decodePngFast(await rgba.clone().png({ progressive: true }).toBuffer())).toBeNull();
    expect(decodePngFast(await rgba.clone().toColourspace('rgb16').png().toBuffer())).toBeNull();
    expect(decodePngFast(handPng(px, w, h, 4, [0], [chunk('gAMA', Uint8Array.from([0, 0, 0xb1, 0x8f]))]))).toBeNull();
    const good = handPng(px, w, h, 4, [1]);
    expect(decodePngFast(good.subarray(0, good.length - 20))).toBeNull(); // truncated
    expect(decodePngFast(Buffer.from('GIF89a............................'))).toBeNull();
    expect(pngSize(good)).toEqual({ width: 6, height: 4 });
    // decodeImage still reads the deferred files through sharp, to the same pixels
    const dir = tmpDir();
    const f = path.join(dir, 'p.png');
    writeFileSync(f, await rgba.clone().png({ progressive: true }).toBuffer());
    assertClose((await decodeImage(f)).image, compositeOnWhite(px), 1e-6);
  });
});

describe('decodeImage resizing', () => {
  it('integer factors average premultiplied colour exactly (area filter)', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'a.png');
    const px = rgbaPattern(8, 8, 3);
    await writePng(f, px, 8, 8);
    const full = compositeOnWhite(px);
    const r = await decodeImage(f, { size: 4 });
    expect([r.width, r.height, r.srcWidth, r.srcHeight]).toEqual([4, 4, 8, 8]);
    const want = new Float32Array(16 * 3);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) s += full[((2 * y + dy) * 8 + 2 * x + dx) * 3 + c]!;
      want[(y * 4 + x) * 3 + c] = s / 4;
    }
    assertClose(r.image, want, 1e-6);
  });

  it('other factors (sharp, linear kernel) also resize premultiplied colour: a transparent neighbour does not tint', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'b.png');
    // 3x1: opaque red, transparent green, transparent green -> 2x1
    await writePng(f, Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0]), 3, 1);
    const r = await decodeImage(f, { size: 2 });
    expect([r.width, r.height]).toEqual([2, 2]);
    for (let i = 0; i < 4; i++) {
      const [R, G, B] = r.image.subarray(i * 3, i * 3 + 3);
      // composite of a red at coverage a is (1, 1 - a, 1 - a): green equals blue, whatever a is
      expect(Math.abs(G! - B!)).toBeLessThan(0.01);
      expect(R!).toBeGreaterThan(0.99);
    }
  });
});
