/**
 * The safetensors format (huggingface/safetensors), float32 only: 8-byte little-endian header
 * length, a JSON header `{name: {dtype: 'F32', shape, data_offsets: [begin, end]}, __metadata__}`
 * padded with spaces to a multiple of 8, then the raw little-endian data. Pure, no Node imports.
 */
export interface SafeTensor { dtype: 'F32'; shape: number[]; data: Float32Array }

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes tensors (sorted by name, as the reference implementation does) and string metadata. */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: '${name}' shape [${t.shape}] holds ${n} values, data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const hbytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hbytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const name of names) {
    const t = tensors[name]!;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(pos + 4 * i, t.data[i]!, true);
    pos += t.data.byteLength;
  }
  return out;
}

/** Decodes a safetensors file (F32 tensors only); errors name the tensor. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than its 8-byte header length');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (8 + hlen > bytes.length) throw new Error(`safetensors: header length ${hlen} exceeds the file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + hlen;
  const tensors: Record<string, SafeTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = info as unknown as Record<string, string>; continue; }
    if (info.dtype !== 'F32') throw new Error(`safetensors: '${name}' has dtype ${info.dtype}; only F32 is supported`);
    const [b, e] = info.data_offsets;
    const n = info.shape.reduce((a, c) => a * c, 1);
    if (e - b !== 4 * n || base + e > bytes.length) throw new Error(`safetensors: '${name}' offsets [${b}, ${e}] do not fit shape [${info.shape}]`);
    const data = new Float32Array(n);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(base + b, base + e));
    else for (let i = 0; i < n; i++) data[i] = dv.getFloat32(base + b + 4 * i, true);
    tensors[name] = { dtype: 'F32', shape: info.shape, data };
  }
  return { tensors, metadata };
}
