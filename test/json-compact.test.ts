import { describe, expect, it } from 'vitest';
import { stringifyCompactArrays } from '../src/node/io/fs.ts';

describe('stringifyCompactArrays (card.json)', () => {
  it('parses to the same value, arrays of plain values on one line, nested structure indented', () => {
    const value = { a: [1, 2.5, null, 'x', true], b: { c: [] as number[], d: {} }, e: [{ f: [3, 4] }, [5]], g: undefined, h: new Date(0) };
    const s = stringifyCompactArrays(value);
    expect(JSON.parse(s)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(s).toContain('"a": [1,2.5,null,"x",true]');
    expect(s).toContain('"c": []');
    expect(s).toContain('"d": {}');
    expect(s).toContain('\n      "f": [3,4]');
    expect(s).not.toContain('"g"');
    expect(s).toContain('"h": "1970-01-01T00:00:00.000Z"');
  });

  it('is much shorter than two-space JSON for per-draw figures', () => {
    const value = { records: Array.from({ length: 5 }, (_, s) => ({ support: s + 1, psnr: Array.from({ length: 500 }, (_, i) => 15 + (i % 40) / 4) })) };
    const s = stringifyCompactArrays(value);
    expect(JSON.parse(s)).toEqual(value);
    expect(s.length).toBeLessThan(0.5 * JSON.stringify(value, null, 2).length);
  });
});
