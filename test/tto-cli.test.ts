import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
let run: string;
beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 1 }, views: 6, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-tto-'));
  run = path.join(base, 'run');
  const t = await runCli(['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '2', '--rays', '8', '--support', '2',
    '--steps', '1', '--out', run, '--backend', 'cpu', '--quiet', ...TINY_SETS]);
  expect(t.code, t.stderr).toBe(0);
});

const render = (out: string, extra: string[]) => runCli(['render', '--run', run, '--object', 'obj003', '--support-views', '0,3', '--size', '16',
  '--out', path.join(base, out), '--backend', 'cpu', '--quiet', ...extra]);

describe('lfkit render --tto-steps', () => {
  it('writes tto.json with PSNR at steps 0, N/4, N/2, N; step 0 is the plain render', async () => {
    const plain = await render('plain', ['--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const held = JSON.parse(plain.stdout).views.filter((v: { psnr?: number }) => v.psnr !== undefined);
    expect(held).toHaveLength(4);

    const r = await render('tto', ['--tto-steps', '4', '--tto-rays', '32', '--tto-lr', '0.01', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    const tto = JSON.parse(fs.readFileSync(path.join(base, 'tto', 'tto.json'), 'utf8'));
    expect(res.tto.file).toBe(path.join(base, 'tto', 'tto.json'));
    expect(tto.points.map((p: { step: number }) => p.step)).toEqual([0, 1, 2, 4]);
    expect(tto.queries).toEqual(held.map((v: { name: string }) => v.name));
    expect([tto.all, tto.lr, tto.rays, tto.steps]).toEqual([false, 0.01, 32, 4]);
    const p0 = tto.points[0];
    held.forEach((v: { psnr: number }, i: number) => expect(p0.perQuery[i]).toBeCloseTo(v.psnr, 4));
    // the rendered views come from the optimised tokens: their PSNR is the last point's
    const last = tto.points[3];
    res.views.filter((v: { psnr?: number }) => v.psnr !== undefined).forEach((v: { psnr: number }, i: number) => expect(v.psnr).toBeCloseTo(last.perQuery[i], 4));
    for (const p of tto.points) expect(Number.isFinite(p.supportPsnr) && Number.isFinite(p.queryPsnr)).toBe(true);

    const all = await render('tto-all', ['--tto-steps', '2', '--tto-all', '--tto-rays', '16']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/test-time optimisation \(Z \+ decoder/);
    expect(all.stdout).toMatch(/step\s+seconds\s+support PSNR\s+query PSNR/);
    expect(JSON.parse(fs.readFileSync(path.join(base, 'tto-all', 'tto.json'), 'utf8')).all).toBe(true);
  });

  it('bad tto flags name the flag', async () => {
    const a = await render('bad', ['--tto-all']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/--tto-all: needs --tto-steps/);
    const b = await render('bad', ['--tto-steps', '0']);
    expect(b.code).toBe(2); // a malformed flag is a usage error
    expect(b.stderr).toMatch(/--tto-steps/);
  });
});
