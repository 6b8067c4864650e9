import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';
import { assertClose } from './helpers/assert-close.ts';
import { chooseTokens, colormap, rescaleToMax, tokenEffects } from '../src/core/analysis/locality.ts';
import { fitSupport } from '../src/core/render/render.ts';
import { resizeImage } from '../src/core/render/image-ops.ts';
import { openRun as loadRun } from '../src/node/runs/run.ts';

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
    expect(res.tokens).toEqual(chooseTokens(4, 3, 0));
    // The figures recomputed in-process: the run's model, support views 0 and 3, query view 1.
    const loaded = await loadRun(run);
    const ds = await loaded.openData();
    const maps: Float32Array[][] = [];
    for (const o of res.objects) {
      expect(o.support).toEqual([0, 3]);
      expect(o.view).toBe(1);
      const obj = await ds.loadObject(o.object);
      const support = fitSupport([0, 3].map((i) => ({ data: obj.views[i]!.image, width: obj.width, height: obj.height })), [0, 3].map((i) => obj.views[i]!.camera), 16);
      const fx = tokenEffects(loaded.model, support, obj.views[1]!.camera, res.tokens);
      assertClose(o.concentration, fx.concentration, 1e-9, 0, `${o.object} concentration`);
      expect(new Set(fx.concentration.map((c) => c.toFixed(6))).size).toBeGreaterThan(1); // tokens differ
      maps.push(fx.maps);
    }
    loaded.dispose();
    const all = res.objects.flatMap((o: { concentration: number[] }) => o.concentration);
    expect(res.concentration).toBeCloseTo(all.reduce((a: number, b: number) => a + b, 0) / all.length, 9);
    expect(res.variant).toBe('full');
    // 2 rows (objects) x (truth + render + 3 maps) cells of 64 px with 2 px padding
    const m = await sharp(out).metadata();
    expect([m.format, m.width, m.height]).toEqual(['png', 5 * 64 + 6 * 2, 2 * 64 + 3 * 2]);
    // Each map cell shows its token's map, rescaled to max 1, in magma, resized to the 64 px cell.
    const { data: png } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const W = 5 * 64 + 6 * 2;
    for (const [r, c] of [[0, 2], [0, 4], [1, 3]] as const) {
      const want = resizeImage({ data: colormap(rescaleToMax(maps[r]![c - 2]!)), width: 16, height: 16 }, 64, 64).data;
      const x0 = 2 + c * 66, y0 = 2 + r * 66;
      const got = new Float32Array(64 * 64 * 3);
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) for (let k = 0; k < 3; k++) got[(y * 64 + x) * 3 + k] = png[((y0 + y) * W + x0 + x) * 3 + k]! / 255;
      assertClose(got, want, 0.5 / 255 + 1e-6, 0, `map cell row ${r} column ${c}`);
    }
    expect(JSON.parse(fs.readFileSync(path.join(base, 'maps.json'), 'utf8')).tokens).toEqual(res.tokens);

    const t = await runCli(['locality', '--run', run, '--object', 'obj003', '--tokens', '2', '--objects', '1', '--support', '1', '--view', '5', '--out', out, '--backend', 'cpu']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/concentration \(share of \|difference\| in the top 10% of pixels\): \d\.\d{3}/);
    expect(t.stdout).toMatch(/obj003: support 0, view 5/);
  });

  it('bad flags name the flag', async () => {
    const png = path.join(base, 'x.png');
    const bad = async (args: string[], pattern: RegExp, code = 1) => {
      const r = await runCli(['locality', '--run', run, '--backend', 'cpu', '--quiet', ...args]);
      expect(r.code, r.stderr).toBe(code); // 2: a malformed flag (usage error)
      expect(r.stderr).toMatch(pattern);
    };
    await bad(['--object', 'obj003', '--out', path.join(base, 'x.jpg')], /--out: .*\.png/);
    await bad(['--object', 'obj003', '--support', '2', '--view', '0', '--out', png], /--view: view 0 is a support view/);
    await bad(['--object', 'obj003', '--view', '9', '--out', png], /--view: view 9 does not exist/);
    await bad(['--object', 'obj003', '--support', '6', '--out', png], /--support: object obj003 has 6 views/);
    await bad(['--object', 'obj003', '--tokens', '0', '--out', png], /--tokens/, 2);
  });
});
