import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';
import { assertClose, maxAbsDiff } from './helpers/assert-close.ts';
import { cameraAngleX, cameraAt, orbitPose } from '../src/core/rays/index.ts';
import { renderCamera } from '../src/core/render/render.ts';
import { openRun as loadRun } from '../src/node/runs/run.ts';


let root: string;
let base: string;
beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 4, val: 1, test: 3 }, views: 8, size: 32 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-cli-'));
});

const allFinite = (x: unknown): boolean =>
  typeof x === 'number' ? Number.isFinite(x) : Array.isArray(x) ? x.every(allFinite) : x && typeof x === 'object' ? Object.values(x).every(allFinite) : true;

describe('CLI smoke test: train 2 steps, eval, render, plot', () => {
  it('every output exists and is valid', async () => {
    const run = path.join(base, 'run');
    const t = await runCli(['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--support', '1-2', '--batch', '2', '--rays', '16',
      '--steps', '2', '--out', run, '--backend', 'cpu', '--quiet', '--json', ...TINY_SETS]);
    expect(t.stderr).not.toMatch(/error/);
    expect(t.code).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(res.step).toBe(2);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    expect(config.config.model.decoderWidth).toBe(16);
    expect(config.config.train.support).toEqual([1, 2]);
    expect(config.data.size).toBe(16);
    const metrics = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.some((m) => m.kind === 'train')).toBe(true);
    expect(metrics.some((m) => m.kind === 'val')).toBe(true);
    expect(allFinite(metrics)).toBe(true);

    const e = await runCli(['eval', '--run', run, '--support', '1,2', '--draws', '2', '--backend', 'cpu', '--quiet']);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/per-pixel training mean/);
    expect(e.stdout).toMatch(/wrong-object control/);
    const ev = JSON.parse(fs.readFileSync(path.join(run, 'eval.json'), 'utf8'));
    for (const S of ['1', '2']) {
      const r = ev.results.test[S];
      expect(r.images).toBe(6);
      expect(allFinite(r.model)).toBe(true);
      expect(Object.keys(r.baselines).sort()).toEqual(['nearestSupport', 'supportMean', 'trainMean', 'white', 'wrongObject']);
      expect(allFinite(r.baselines)).toBe(true);
    }
    // an interrupted eval resumes: records already in eval-partial.jsonl are not recomputed
    const partial = path.join(run, 'eval-partial.jsonl');
    const lines = fs.readFileSync(partial, 'utf8').trim().split('\n');
    expect(lines.length).toBe(6); // 2 counts x 3 objects
    fs.writeFileSync(partial, lines.slice(0, 4).join('\n') + '\n{"step":'); // lost the last two, torn line
    const e2 = await runCli(['eval', '--run', run, '--support', '1,2', '--draws', '2', '--backend', 'cpu', '--quiet']);
    expect(e2.code).toBe(0);
    expect(fs.readFileSync(partial, 'utf8').trim().split('\n').filter((l) => l.startsWith('{"step":2')).length).toBe(6);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'eval.json'), 'utf8')).results.test['2'].model).toEqual(ev.results.test['2'].model);
    const ej = await runCli(['eval', '--run', run, '--support', '1', '--draws', '2', '--backend', 'cpu', '--json']);
    expect(JSON.parse(ej.stdout).results[0].support).toBe(1);

    const out = path.join(base, 'render');
    const r = await runCli(['render', '--run', run, '--object', 'obj005', '--support-views', '0,3', '--orbit', '4', '--elevation', '20', '--size', '24', '--out', out, '--backend', 'cpu', '--quiet']);
    expect(r.code).toBe(0);
    for (const f of ['orbit_000.png', 'orbit_003.png', 'support_0.png', 'support_1.png', 'grid.png']) {
      const m = await sharp(path.join(out, f)).metadata();
      expect(m.format).toBe('png');
    }
    expect((await sharp(path.join(out, 'orbit_000.png')).metadata()).width).toBe(24);
    // orbit_<i>.png is the library's render from support views 0 and 3 at the documented pose:
    // azimuth 2 pi i / 4, elevation 20 degrees, radius 4, the support camera's angle of view.
    const loaded = await loadRun(run);
    const obj = await (await loaded.openData()).loadObject('obj005');
    const ctx = await loaded.synth.encode({ images: [0, 3].map((i) => obj.views[i]!.image), cameras: [0, 3].map((i) => obj.views[i]!.camera) });
    const frames: Float32Array[] = [];
    for (const i of [0, 3]) {
      const cam = cameraAt(orbitPose((2 * Math.PI * i) / 4, (20 * Math.PI) / 180, 4), 24, 24, cameraAngleX(obj.views[0]!.camera));
      const want = (await renderCamera(loaded.synth, ctx, cam)).data.map((v) => Math.min(1, Math.max(0, v)));
      const { data } = await sharp(path.join(out, `orbit_00${i}.png`)).raw().toBuffer({ resolveWithObject: true });
      assertClose(Array.from(data, (v) => v / 255), want, 0.5 / 255 + 1e-6, 0, `orbit_00${i}.png`);
      frames.push(want);
    }
    expect(maxAbsDiff(frames[0]!, frames[1]!)).toBeGreaterThan(0.02);
    loaded.synth.dispose(ctx);
    loaded.dispose();
    const tt = await sharp(path.join(out, 'turntable.webp'), { animated: true }).metadata();
    expect(tt.pages).toBe(4);
    // held-out views with ground truth at the dataset's own 32x32
    const out2 = path.join(base, 'render2');
    const r2 = await runCli(['render', '--run', run, '--object', 'obj005', '--out', out2, '--backend', 'cpu', '--quiet', '--json', '--format', 'gif', '--orbit', '3']);
    expect(r2.code).toBe(0);
    const rj = JSON.parse(r2.stdout);
    expect(rj.turntable.endsWith('turntable.gif')).toBe(true);
    // poses from a transforms.json with images: ground truth known, PSNR finite
    const poses = path.join(root, 'chairs', 'obj005', 'transforms.json');
    const out3 = path.join(base, 'render3');
    const r3 = await runCli(['render', '--run', run, '--object', 'obj005', '--poses', poses, '--out', out3, '--backend', 'cpu', '--quiet', '--json']);
    expect(r3.code).toBe(0);
    const views = JSON.parse(r3.stdout).views;
    expect(views.length).toBe(8);
    expect(views.every((v: { psnr: number; width: number }) => Number.isFinite(v.psnr) && v.width === 32)).toBe(true);
    // support images outside a dataset, any square size (resized to the model's)
    const out4 = path.join(base, 'render4');
    const imgs = ['r_000', 'r_004'].map((n) => path.join(root, 'chairs', 'obj006', `${n}.png`));
    const r4 = await runCli(['render', '--run', run, '--images', imgs.join(','), '--cameras', path.join(root, 'chairs', 'obj006', 'transforms.json'), '--orbit', '2', '--size', '40', '--out', out4, '--backend', 'cpu', '--quiet']);
    expect(r4.code).toBe(0);
    expect((await sharp(path.join(out4, 'orbit_001.png')).metadata()).width).toBe(40);

    const p = await runCli(['plot', '--run', run]);
    expect(p.code).toBe(0);
    expect((await sharp(path.join(run, 'curves.png')).metadata()).format).toBe('png');
  }, 300_000);
});
