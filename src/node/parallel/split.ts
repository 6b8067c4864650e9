/**
 * Pure helpers of data-parallel training: splitting a batch by objects, packing named
 * parameters (or their gradients) into one Float32Array for a single transferable message,
 * and the object-weighted gradient average.
 *
 * The training loss is the mean over the batch's B objects of each object's mean squared error
 * over its K rays (all objects have the same K), so a part of `n_i` objects whose loss is the
 * mean over its own objects contributes `n_i / B` of the whole batch's loss and gradient.
 */
import type { Batch } from '../../core/model/trainer.ts';

/** Objects per part when B objects are split over `parts` threads: as even as possible, larger parts first. */
export function splitCounts(B: number, parts: number): number[] {
  const n = Math.max(1, Math.min(B, Math.floor(parts)));
  const base = Math.floor(B / n);
  const extra = B % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Objects `[offset, offset + count)` of a batch; views into its arrays (no copy) unless `copy`. */
export function sliceBatch(b: Batch, offset: number, count: number, copy = false): Batch {
  const pick = (a: Float32Array, per: number) => {
    const v = a.subarray(offset * per, (offset + count) * per);
    return copy ? v.slice() : v;
  };
  const img = b.S * b.H * b.W;
  return {
    B: count, S: b.S, H: b.H, W: b.W, K: b.K,
    supportRgb: pick(b.supportRgb, img * 3),
    supportPlucker: pick(b.supportPlucker, img * 6),
    queryRays: pick(b.queryRays, b.K * 6),
    queryRgb: pick(b.queryRgb, b.K * 3),
    ...(b.queryWeight ? { queryWeight: pick(b.queryWeight, b.K) } : {}),
  };
}

/** Where each named tensor lives in a packed buffer. */
export interface PackLayout {
  names: string[];
  sizes: number[];
  offsets: number[];
  total: number;
}

export function packLayout(entries: Iterable<[string, number]>): PackLayout {
  const names: string[] = [], sizes: number[] = [], offsets: number[] = [];
  let total = 0;
  for (const [n, size] of entries) {
    names.push(n);
    sizes.push(size);
    offsets.push(total);
    total += size;
  }
  return { names, sizes, offsets, total };
}

/** Packs arrays by name into one buffer laid out by `layout` (error naming a missing or mis-sized one). */
export function pack(layout: PackLayout, get: (name: string) => ArrayLike<number> | undefined, out: Float32Array<ArrayBuffer> = new Float32Array(layout.total)): Float32Array<ArrayBuffer> {
  layout.names.forEach((n, i) => {
    const a = get(n);
    if (!a || a.length !== layout.sizes[i]) throw new Error(`pack: '${n}' ${a ? `has ${a.length} values, expected ${layout.sizes[i]}` : 'is missing'}`);
    out.set(a, layout.offsets[i]);
  });
  return out;
}

/** Views of a packed buffer by name (no copy). */
export function unpack(layout: PackLayout, buf: Float32Array): Map<string, Float32Array> {
  if (buf.length !== layout.total) throw new Error(`unpack: buffer has ${buf.length} values, expected ${layout.total}`);
  const out = new Map<string, Float32Array>();
  layout.names.forEach((n, i) => out.set(n, buf.subarray(layout.offsets[i], layout.offsets[i]! + layout.sizes[i]!)));
  return out;
}

/**
 * The object-weighted mean of per-part values, in place into `into`:
 * `into = sum_i (counts[i] / sum(counts)) * parts[i]`. Summed in part order, so the result is
 * the same for the same parts on every run.
 */
export function weightedMean(parts: readonly Float32Array[], counts: readonly number[], into: Float32Array): Float32Array {
  if (parts.length !== counts.length || parts.length === 0) throw new Error(`weightedMean: ${parts.length} parts, ${counts.length} counts`);
  const total = counts.reduce((a, b) => a + b, 0);
  const n = into.length;
  for (const p of parts) if (p.length !== n) throw new Error(`weightedMean: part of ${p.length} values, expected ${n}`);
  const w0 = counts[0]! / total;
  const p0 = parts[0]!;
  for (let j = 0; j < n; j++) into[j] = w0 * p0[j]!;
  for (let i = 1; i < parts.length; i++) {
    const w = counts[i]! / total;
    const p = parts[i]!;
    for (let j = 0; j < n; j++) into[j] = into[j]! + w * p[j]!;
  }
  return into;
}
