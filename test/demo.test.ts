import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { spreadSupport } from '../src/node/tasks/demo.ts';
import { cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let base: string;
let bundle: string;
beforeAll(async () => {
  const root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 2 }, views: 8, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-demo-'));
  const run = path.join(base, 'run');
  const t = await runCli(['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--support', '1-2', '--batch', '2', '--rays', '16',
    '--steps', '2', '--out', run, '--backend', 'cpu', '--quiet', ...TINY_SETS]);
  if (t.code !== 0) throw new Error(t.stderr);
  bundle = path.join(base, 'models', 'tiny');
  const b = await runCli(['bundle', '--run', run, '--out', bundle, '--quiet']);
  if (b.code !== 0) throw new Error(b.stderr);
});

describe('lfkit demo (npm run demo)', () => {
  it('regenerates held-out test chairs by recipe, prints PSNR beside the baselines, writes views and turntables', async () => {
    const out = path.join(base, 'demo-out');
    const args = ['demo', '--model', bundle, '--out', out, '--objects', '2', '--draws', '1', '--frames', '3', '--size', '24', '--backend', 'cpu'];
    const d = await runCli(args);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/regenerating 2 held-out test objects of synth-chairs-64/);
    // only the asked-for test objects of the recipe, with all of the recipe's 50 views at 64x64
    const splits = JSON.parse(fs.readFileSync(path.join(out, 'data', 'chair_splits.json'), 'utf8'));
    expect(splits).toEqual({ train: [], val: [], test: ['synth-chairs-s0-test-00000', 'synth-chairs-s0-test-00001'] });
    const tj = JSON.parse(fs.readFileSync(path.join(out, 'data', 'chairs', 'synth-chairs-s0-test-00001', 'transforms.json'), 'utf8'));
    expect(tj.frames.length).toBe(50);
    expect((await sharp(path.join(out, 'data', 'chairs', 'synth-chairs-s0-test-00001', 'r_049.png')).metadata()).width).toBe(64);
    // the table: model and every baseline known without the training set, plus the bundle's training mean
    expect(d.stdout).toMatch(/views +model +all white +support mean colour +nearest support view +per-pixel training mean +wrong-object control/);
    for (const S of [1, 3, 5]) expect(d.stdout).toMatch(new RegExp(`\\n${S} +-?\\d+\\.\\d\\d ± \\d+\\.\\d\\d`));
    expect(d.stdout).toContain(path.join(out, 'views.png'));
    expect(d.stdout).toContain(path.join(out, 'turntable.webp'));
    const res = JSON.parse(fs.readFileSync(path.join(out, 'demo.json'), 'utf8'));
    expect(res.report.results.map((r: { support: number; images: number }) => [r.support, r.images])).toEqual([[1, 2], [3, 2], [5, 2]]);
    expect(Object.keys(res.report.results[1].baselines).sort()).toEqual(['nearestSupport', 'supportMean', 'trainMean', 'white', 'wrongObject']);
    expect(res.views.length).toBe(2);
    expect(res.views[0].support.length).toBe(5);
    expect(res.views[0].psnr['5'].length).toBe(4);
    expect(res.views[0].psnr['3'].every(Number.isFinite)).toBe(true);
    // views.png: per object 3 support-count rows + ground truth, 5 support + 4 held-out columns of 96 px,
    // a 96 px label column and a 22 px header
    const v = await sharp(path.join(out, 'views.png')).metadata();
    expect(v.width).toBe(96 + 9 * 96 + 10 * 2);
    expect(v.height).toBe(22 + 9 * 96 + 10 * 2); // 2 objects x 4 rows + 1 spacer row
    // the turntable: 3 frames, 2 objects x 3 support counts, rendered at 24 px and shown at 128
    const tt = await sharp(path.join(out, 'turntable.webp'), { animated: true }).metadata();
    expect(tt.pages).toBe(3);
    expect(tt.width).toBe(3 * 128 + 4 * 2);
    expect(tt.pageHeight).toBe(2 * 128 + 3 * 2);

    // a second run reuses the regenerated objects and gives the same figures
    const d2 = await runCli([...args, '--json']);
    expect(d2.code, d2.stderr).toBe(0);
    expect(d2.stderr).not.toMatch(/regenerating/);
    expect(JSON.parse(d2.stdout).report.results).toEqual(res.report.results);
  });

  it('a missing model is a clear error saying how to get one', async () => {
    const d = await runCli(['demo', '--model', path.join(base, 'nowhere'), '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/--model: no model at .*nowhere/);
    expect(d.stderr).toMatch(/git checkout -- models\/lfkit-chairs-cpu/);
    expect(d.stderr).toMatch(/lfkit.mjs bundle --run runs\/chairs --out models\/lfkit-chairs-cpu/);
    expect(fs.existsSync(path.join(base, 'x'))).toBe(false);
  });

  it('spreadSupport: nested sets, each next view the farthest from those chosen', () => {
    const cams = [0, 0.1, Math.PI, Math.PI / 2, 0.2].map((az) => cameraAt(orbitPose(az, 0, 4), 8));
    expect(spreadSupport(cams, 3)).toEqual([0, 2, 3]);
    expect(spreadSupport(cams, 5).slice(0, 3)).toEqual([0, 2, 3]);
  });
});
