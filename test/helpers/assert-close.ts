/** One closeness assertion for the whole suite (docs/model.md#code-conventions). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Throws naming the first index where |a - b| > atol + rtol |b|. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, atol = 1e-6, rtol = 0, what = 'values'): void {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(b[i]!);
    if (!(Math.abs(a[i]! - b[i]!) <= tol)) {
      throw new Error(`${what}: index ${i}: ${a[i]} vs ${b[i]} (tolerance ${tol})`);
    }
  }
}
