/**
 * The one shape check used at module boundaries (style.md item 3). A pattern lists each axis as
 * a number (must match) or a letter from the glossary (B, S, H, W, N, R, d, ...) that binds on
 * first use and must agree afterwards; the error names the argument and both shapes.
 *
 * @example const { B, S } = expectShape(rgb, ['B', 'S', 64, 64, 3], 'supportRgb');
 */
export function expectShape(
  tensor: { shape: readonly number[] },
  pattern: readonly (number | string)[],
  what: string,
  bound: Record<string, number> = {},
): Record<string, number> {
  const s = tensor.shape;
  const known = Object.entries(bound).filter(([k]) => pattern.includes(k));
  const fail = () => new Error(`${what} must be [${pattern.join(', ')}]${known.length ? ` with ${known.map(([k, v]) => `${k} = ${v}`).join(', ')}` : ''}, got [${s.join(', ')}]`);
  if (s.length !== pattern.length) throw fail();
  pattern.forEach((p, i) => {
    if (typeof p === 'number') {
      if (s[i] !== p) throw fail();
    } else if (p in bound) {
      if (bound[p] !== s[i]) throw fail();
    } else {
      bound[p] = s[i]!;
    }
  });
  return bound;
}
