/**
 * The safetensors codec (`src/core/model/safetensors.ts`) on hand-made bytes: the header's
 * layout and padding, metadata, and one clear error for each kind of corrupt or truncated file.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../src/core/model/safetensors.ts';

/** A file from a header object and raw data bytes, as another writer could produce it. */
function fileOf(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  while (pad && (8 + json.length) % 8 !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('writes an 8-aligned header, sorted names, metadata only when given, little-endian data', () => {
    const bytes = encodeSafetensors({ b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) }, a: { dtype: 'F32', shape: [1, 1], data: new Float32Array([0.5]) } });
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + hlen) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
    expect(Object.keys(header)).toEqual(['a', 'b']);
    expect(header.a).toEqual({ dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [2], data_offsets: [4, 12] });
    expect(bytes.length).toBe(8 + hlen + 12);
    const dv = new DataView(bytes.buffer, 8 + hlen);
    expect([dv.getFloat32(0, true), dv.getFloat32(4, true), dv.getFloat32(8, true)]).toEqual([0.5, 1, -2]);
    const withMeta = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([3]) } }, { step: '7' });
    expect(decodeSafetensors(withMeta).metadata).toEqual({ step: '7' });
    expect(decodeSafetensors(bytes).metadata).toEqual({});
    const back = decodeSafetensors(bytes).tensors;
    expect(Array.from(back.b!.data)).toEqual([1, -2]);
    expect(back.a!.shape).toEqual([1, 1]);
  });

  it('refuses a tensor whose data does not fill its shape', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow("safetensors: 'w' shape [2,2] holds 4 values, data has 3");
  });

  it('reads a file another writer padded differently', () => {
    const data = new Uint8Array(new Float32Array([1.5, 2.5]).buffer);
    const f = fileOf({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data, false);
    expect(Array.from(decodeSafetensors(f).tensors.x!.data)).toEqual([1.5, 2.5]);
  });

  it('names what is wrong with a corrupt or truncated file', () => {
    const good = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    expect(() => decodeSafetensors(good.subarray(0, 7))).toThrow('safetensors: file shorter than its 8-byte header length');
    expect(decodeSafetensors(good.subarray(0, good.length)).tensors.w!.data.length).toBe(2);
    const hlen = Number(new DataView(good.buffer).getBigUint64(0, true));
    expect(() => decodeSafetensors(good.subarray(0, 8 + hlen - 1))).toThrow(`safetensors: header length ${hlen} exceeds the file`);
    expect(decodeSafetensors(fileOf({}, new Uint8Array(0))).tensors).toEqual({});
    expect(() => decodeSafetensors(good.subarray(0, good.length - 1))).toThrow("safetensors: 'w' offsets [0, 8] do not fit shape [2]");
    const f16 = fileOf({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => decodeSafetensors(f16)).toThrow("safetensors: 'h' has dtype F16; only F32 is supported");
    const short = fileOf({ s: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(12));
    expect(() => decodeSafetensors(short)).toThrow("safetensors: 's' offsets [0, 8] do not fit shape [3]");
    const exact = fileOf({ e: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, new Uint8Array(12));
    expect(decodeSafetensors(exact).tensors.e!.data.length).toBe(3);
  });
});
