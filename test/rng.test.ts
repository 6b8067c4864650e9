import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/util/rng.ts';

describe('Rng', () => {
  it('is deterministic per seed and resumable from its state', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa);
    const s = a.state();
    const cont = Array.from({ length: 5 }, () => a.next());
    const r = new Rng(s);
    expect(Array.from({ length: 5 }, () => r.next())).toEqual(cont);
  });

  it('samples distinct indices in range and has a plausible mean', () => {
    const r = new Rng(1);
    const s = r.sample(25, 4);
    expect(new Set(s).size).toBe(4);
    for (const i of s) expect(i >= 0 && i < 25).toBe(true);
    expect(() => r.sample(3, 4)).toThrow(/distinct/);
    let m = 0;
    for (let i = 0; i < 20000; i++) m += r.next();
    expect(Math.abs(m / 20000 - 0.5)).toBeLessThan(0.01);
    let n = 0, n2 = 0;
    for (let i = 0; i < 20000; i++) { const x = r.normal(); n += x; n2 += x * x; }
    expect(Math.abs(n / 20000)).toBeLessThan(0.03);
    expect(Math.abs(n2 / 20000 - 1)).toBeLessThan(0.05);
  });
});
