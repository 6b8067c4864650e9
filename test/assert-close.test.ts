import { describe, expect, it } from 'vitest';
import { assertClose, maxAbsDiff } from './helpers/assert-close.ts';

describe('assertClose', () => {
  it('passes within tolerance and fails outside it, naming the index', () => {
    expect(() => assertClose([1, 2, 3], [1, 2, 3.0000001], 1e-6)).not.toThrow();
    expect(() => assertClose([1, 2, 3], [1, 2.1, 3], 1e-3)).toThrow(/index 1/);
    expect(() => assertClose([1, NaN], [1, 1], 1)).toThrow(/index 1/);
    expect(() => assertClose([1], [1, 2])).toThrow(/length/);
    expect(maxAbsDiff([0, 1], [0.5, 1])).toBe(0.5);
  });
});
