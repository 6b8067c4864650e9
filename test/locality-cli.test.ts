import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
let run: string;
beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 3 }, views: 6, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-locality-'));
  run = path.join(base, 'run');
  const t = await runCli(['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '2', '--rays', '8', '--support', '2',
    '--steps', '1', '--out', run, '--backend', 'cpu', '--quiet', ...TINY_SETS]);
  expect(t.code, t.stderr).toBe(0);
});

describe('lfkit locality', () => {
  it('writes the map grid and its JSON; prints the concentration figure', async () => {
    const out = path.join(base, 'maps.png');
    // test objects: obj003, obj004, obj005; R = 4 latent tokens in TINY_SETS
    const r = await runCli(['locality', '--run', run, '--object', 'obj004', '--support', '2', '--tokens', '3', '--objects', '2', '--out', out, '--backend', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.tokens).toHaveLength(3);
    expect(res.objects.map((o: { object: string }) => o.object)).toEqual(['obj004', 'obj003']);
    for (const o of res.objects) {
      expect(o.support).toEqual([0, 3]);
      expect(o.view).toBe(1);
      expect(o.concentration).toHaveLength(3);
      // a share of the top 10% of 16 x 16 pixels (26 of 256) lies in [26/256, 1]
      for (const c of o.concentration) expect(c).toBeGreaterThanOrEqual(26 / 256 - 1e-9);
      for (const c of o.concentration) expect(c).toBeLessThanOrEqual(1 + 1e-9);
    }
    const all = res.objects.flatMap((o: { concentration: number[] }) => o.concentration);
    expect(res.concentration).toBeCloseTo(all.reduce((a: number, b: number) => a + b, 0) / all.length, 9);
    expect(res.variant).toBe('full');
    // 2 rows (objects) x (truth + render + 3 maps) cells of 64 px with 2 px padding
    const m = await sharp(out).metadata();
    expect([m.format, m.width, m.height]).toEqual(['png', 5 * 64 + 6 * 2, 2 * 64 + 3 * 2]);
    expect(JSON.parse(fs.readFileSync(path.join(base, 'maps.json'), 'utf8')).tokens).toEqual(res.tokens);

    const t = await runCli(['locality', '--run', run, '--object', 'obj003', '--tokens', '2', '--objects', '1', '--support', '1', '--view', '5', '--out', out, '--backend', 'cpu']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/concentration \(share of \|difference\| in the top 10% of pixels\): \d\.\d{3}/);
    expect(t.stdout).toMatch(/obj003: support 0, view 5/);
  });

  it('bad flags name the flag', async () => {
    const png = path.join(base, 'x.png');
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await runCli(['locality', '--run', run, '--backend', 'cpu', '--quiet', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
    };
    await bad(['--object', 'obj003', '--out', path.join(base, 'x.jpg')], /--out: .*\.png/);
    await bad(['--object', 'obj003', '--support', '2', '--view', '0', '--out', png], /--view: view 0 is a support view/);
    await bad(['--object', 'obj003', '--view', '9', '--out', png], /--view: view 9 does not exist/);
    await bad(['--object', 'obj003', '--support', '6', '--out', png], /--support: object obj003 has 6 views/);
    await bad(['--object', 'obj003', '--tokens', '0', '--out', png], /--tokens/);
  });
});
