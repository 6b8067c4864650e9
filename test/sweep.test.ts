import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { pairedDifference, pairedMarkdown, sweepCsv, sweepPlotSpec, type SweepResult } from '../src/node/tasks/sweep.ts';
import { isRunFinished } from '../src/node/tasks/train-sweep.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 2 }, views: 8, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-sweep-'));
});

const TRAIN = ['--preset', 'cpu', '--batch', '2', '--rays', '16', '--backend', 'cpu', '--quiet', ...TINY_SETS];

describe('lfkit sweep', () => {
  it('two tiny runs at counts 1-2: sweep.json, csv, md and png are valid and consistent', async () => {
    const runs = ['a', 'b'].map((n) => path.join(base, n));
    for (const [i, run] of runs.entries()) {
      const t = await runCli(['train', '--data', root, '--category', 'chairs', '--support', '1-2', '--steps', '2', '--seed', String(i), '--out', run, ...TRAIN]);
      expect(t.code, t.stderr).toBe(0);
    }
    const out = path.join(base, 'sweep');
    const s = await runCli(['sweep', '--run', runs[0]!, '--run', runs[1]!, '--label', 'first', '--label', 'second', '--support', '1-2', '--draws', '2',
      '--out', out, '--backend', 'cpu', '--quiet']);
    expect(s.code, s.stderr).toBe(0);
    const res = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8')) as SweepResult;
    expect(res.settings).toMatchObject({ supportCounts: [1, 2], draws: 2, split: 'test', seed: 0 });
    expect(res.runs.map((r) => r.label)).toEqual(['first', 'second']);
    expect(res.points.map((p) => `${p.run}:${p.support}`)).toEqual(['first:1', 'first:2', 'second:1', 'second:2']);
    for (const p of res.points) {
      expect(p.summary.images).toBe(4); // 2 objects x 2 draws
      expect(Number.isFinite(p.summary.model.psnr.mean)).toBe(true);
      expect(Object.keys(p.summary.baselines).sort()).toEqual(['nearestSupport', 'supportMean', 'trainMean', 'white', 'wrongObject']);
    }
    // the same draws: the baselines that ignore the model agree between runs, the model does not
    // (the second run reuses the first one's train-mean.json, stored to 1e-6)
    expect(res.points[2]!.summary.baselines.trainMean!.psnr.mean).toBeCloseTo(res.points[0]!.summary.baselines.trainMean!.psnr.mean, 4);
    expect(res.points[2]!.summary.baselines.nearestSupport).toEqual(res.points[0]!.summary.baselines.nearestSupport);
    expect(fs.readFileSync(path.join(runs[1]!, 'train-mean.json'), 'utf8')).toBe(fs.readFileSync(path.join(runs[0]!, 'train-mean.json'), 'utf8'));
    expect(res.points[0]!.summary.model.psnr.mean).not.toBe(res.points[2]!.summary.model.psnr.mean);
    // the figures equal what lfkit eval stored in the run (shared eval-partial.jsonl / eval.json)
    const ev = JSON.parse(fs.readFileSync(path.join(runs[1]!, 'eval.json'), 'utf8'));
    expect(ev.results.test['2'].model).toEqual(res.points[3]!.summary.model);

    const csv = fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(5);
    const head = csv[0]!.split(',');
    const row = csv[4]!.split(',');
    expect(row[head.indexOf('run')]).toBe('second');
    expect(Number(row[head.indexOf('support')])).toBe(2);
    expect(Number(row[head.indexOf('model_psnr')])).toBeCloseTo(res.points[3]!.summary.model.psnr.mean, 10);
    expect(Number(row[head.indexOf('trainMean_psnr_se')])).toBeCloseTo(res.points[3]!.summary.baselines.trainMean!.psnr.stderr, 10);

    const md = fs.readFileSync(path.join(out, 'sweep.md'), 'utf8');
    // runs scored now carry the silhouette-edge figure: its table, the model beside every baseline
    expect(md).toMatch(/Silhouette-edge PSNR in dB[^\n]*\n\n\| run \| S \| model \| all white \|/);
    expect(Number.isFinite(res.points[0]!.summary.model.edgePsnr!.mean)).toBe(true);
    expect(md).toMatch(/\| run \| S \| PSNR \| object PSNR \| edge PSNR \| SSIM \| all white \| support mean colour \| nearest support view \| per-pixel training mean \| wrong-object control \|/);
    expect(md).toContain(`| second | 2 | **${res.points[3]!.summary.model.psnr.mean.toFixed(2)} ± ${res.points[3]!.summary.model.psnr.stderr.toFixed(2)}**`);
    // paired differences against the first run, on the same 4 images per count: with every image
    // shared, the mean difference is the difference of the means
    expect(res.paired!.map((d) => `${d.run}-${d.reference}:${d.support}:${d.images}`)).toEqual(['second-first:1:4', 'second-first:2:4']);
    for (const [i, d] of res.paired!.entries()) {
      expect(d.psnr.mean).toBeCloseTo(res.points[2 + i]!.summary.model.psnr.mean - res.points[i]!.summary.model.psnr.mean, 9);
      expect(d.wins).toBeGreaterThanOrEqual(0);
      expect(d.wins).toBeLessThanOrEqual(1);
    }
    expect(md).toMatch(new RegExp(`\\| second \\| first \\| 2 \\| 4 \\| \\*\\*[+-]${Math.abs(res.paired![1]!.psnr.mean).toFixed(2)} ± ${res.paired![1]!.psnr.stderr.toFixed(2)}\\*\\*`));
    const png = await sharp(path.join(out, 'sweep.png')).metadata();
    expect(png.format).toBe('png');
    expect(png.width).toBeGreaterThan(400);

    // a second sweep recomputes nothing: every (count, object) record comes from eval-partial.jsonl
    const partial = path.join(runs[0]!, 'eval-partial.jsonl');
    const before = fs.readFileSync(partial, 'utf8');
    const s2 = await runCli(['sweep', '--run', runs[0]!, '--support', '1-2', '--draws', '2', '--out', path.join(base, 'sweep2'), '--backend', 'cpu', '--quiet', '--json']);
    expect(s2.code, s2.stderr).toBe(0);
    expect(fs.readFileSync(partial, 'utf8')).toBe(before);
    expect(JSON.parse(s2.stdout).points[1].summary).toEqual(res.points[1]!.summary);

    // other weights at the same step (a run retrained in place, a bundle replaced): nothing is
    // reused; with the second run's weights the first run scores exactly what the second did
    for (const c of fs.readdirSync(path.join(runs[0]!, 'checkpoints'))) {
      fs.copyFileSync(path.join(runs[1]!, 'checkpoints', c, 'model.safetensors'), path.join(runs[0]!, 'checkpoints', c, 'model.safetensors'));
    }
    const s3 = await runCli(['sweep', '--run', runs[0]!, '--support', '1-2', '--draws', '2', '--out', path.join(base, 'sweep3'), '--backend', 'cpu', '--quiet', '--json']);
    expect(s3.code, s3.stderr).toBe(0);
    const p3 = JSON.parse(s3.stdout).points;
    expect(p3[0].summary.model).toEqual(res.points[2]!.summary.model);
    expect(p3[1].summary.model).toEqual(res.points[3]!.summary.model);
    expect(fs.readFileSync(partial, 'utf8').length).toBeGreaterThan(before.length);
  });

  it('--train trains one model per count into OUT/runs/s<S>, skips finished runs, resumes unfinished ones', async () => {
    const out = path.join(base, 'trainsweep');
    const args = ['sweep', '--train', '--data', root, '--category', 'chairs', '--support', '1-2', '--steps', '2', '--draws', '1', '--out', out, ...TRAIN];
    const s = await runCli(args);
    expect(s.code, s.stderr).toBe(0);
    for (const S of [1, 2]) {
      const cfg = JSON.parse(fs.readFileSync(path.join(out, 'runs', `s${S}`, 'config.json'), 'utf8'));
      expect(cfg.config.train.support).toEqual([S]);
      expect(isRunFinished(path.join(out, 'runs', `s${S}`), 2)).toBe(true);
    }
    const res = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8')) as SweepResult;
    expect(res.points.map((p) => `${p.run}:${p.support}:${p.series}`)).toEqual(['s1:1:one model per support count', 's2:2:one model per support count']);
    // longer schedule: both runs resume from step 2; a finished run is skipped
    const s2 = await runCli([...args.filter((a) => a !== '--quiet'), '--steps', '3']);
    expect(s2.code, s2.stderr).toBe(0);
    expect(s2.stderr).toMatch(/resuming the 1-view model/);
    for (const S of [1, 2]) expect(isRunFinished(path.join(out, 'runs', `s${S}`), 3)).toBe(true);
    const s3 = await runCli([...args.filter((a) => a !== '--quiet'), '--steps', '3']);
    expect(s3.code, s3.stderr).toBe(0);
    expect(s3.stderr).toMatch(/s1: finished, skipped/);
    expect(s3.stderr).toMatch(/s2: finished, skipped/);
  });

  it('--checkpoint per --run: one run\'s best and last checkpoints side by side, paired', async () => {
    const run = path.join(base, 'bl');
    const t = await runCli(['train', '--data', root, '--category', 'chairs', '--support', '1', '--steps', '3', '--val-every', '1', '--val-objects', '1',
      '--checkpoint-every', '1', '--out', run, ...TRAIN]);
    expect(t.code, t.stderr).toBe(0);
    const out = path.join(base, 'sweep-bl');
    const s = await runCli(['sweep', '--run', run, '--run', run, '--label', 'last', '--label', 'best', '--checkpoint', 'last', '--checkpoint', 'best',
      '--support', '1', '--draws', '1', '--out', out, '--backend', 'cpu', '--quiet', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const res = JSON.parse(s.stdout) as SweepResult;
    expect(res.runs.map((r) => `${r.label}:${r.checkpoint.which}`)).toEqual(['last:last', 'best:best']);
    expect(res.runs[0]!.checkpoint.step).toBe(3);
    expect(res.runs[1]!.checkpoint.step).toBeLessThanOrEqual(3);
    expect(res.paired!.map((d) => `${d.run}-${d.reference}:${d.images}`)).toEqual(['best-last:2']);
    // each checkpoint is evaluated as itself: the same weights give a zero difference, others not
    const same = res.runs[1]!.checkpoint.step === 3;
    if (same) expect(res.paired![0]!.psnr.mean).toBeCloseTo(0, 9);
    else expect(res.points[0]!.summary.model.psnr.mean).not.toBe(res.points[1]!.summary.model.psnr.mean);
    expect(fs.readFileSync(path.join(out, 'sweep.md'), 'utf8')).toMatch(/\| best \| `.*bl` \| best, step [123] \|/);
  });

  it('errors name the flag', async () => {
    const r1 = await runCli(['sweep', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/--run/);
    const r2 = await runCli(['sweep', '--run', path.join(base, 'nope'), '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/--run: run folder .*nope does not exist/);
    const r3 = await runCli(['sweep', '--train', '--data', root, '--preset', 'cpu', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/--steps or --minutes/);
    const r4 = await runCli(['sweep', '--run', 'a', '--run', 'b', '--label', 'x', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/--label: 1 labels for 2 runs/);
    const r5 = await runCli(['sweep', '--run', path.join(base, 'a'), '--reference', 'zz', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r5.code).toBe(1);
    expect(r5.stderr).toMatch(/--reference: no run is labelled 'zz' \(labels: a\)/);
    const r6 = await runCli(['sweep', '--run', 'a', '--run', 'b', '--run', 'c', '--checkpoint', 'best', '--checkpoint', 'last', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r6.code).toBe(1);
    expect(r6.stderr).toMatch(/--checkpoint: 2 checkpoints for 3 runs/);
    const r7 = await runCli(['sweep', '--run', 'a', '--checkpoint', 'newest', '--out', path.join(base, 'x'), '--backend', 'cpu']);
    expect(r7.code).toBe(1);
    expect(r7.stderr).toMatch(/--checkpoint: 'newest' is not one of best, last, auto/);
  });

  it('paired differences: matched by draw, unmatched images left out, a smaller standard error than unpaired', () => {
    // per-image difficulty shared by both runs (the spread), the run 0.3 dB better on each image, plus a little noise
    const hard = [12, 20, 15, 25, 18, 14, 22, 16];
    const ref = hard.map((v, i) => ({ key: `o${i}#0`, psnr: v, objectPsnr: v - 4 }));
    const run = hard.map((v, i) => ({ key: `o${i}#0`, psnr: v + 0.3 + (i % 2 ? 0.05 : -0.05), objectPsnr: v - 4 + 0.5 }));
    run.push({ key: 'only-in-run#0', psnr: 99, objectPsnr: 99 });
    const d = pairedDifference('r', 'ref', 3, run, ref)!;
    expect(d.images).toBe(8);
    expect(d.psnr.mean).toBeCloseTo(0.3, 10);
    expect(d.objectPsnr.mean).toBeCloseTo(0.5, 10);
    expect(d.wins).toBe(1);
    const unpaired = Math.hypot(4.5 / Math.sqrt(8), 4.5 / Math.sqrt(8)); // about the two runs' own s.e. summed
    expect(d.psnr.stderr).toBeLessThan(0.05);
    expect(d.psnr.stderr).toBeLessThan(unpaired / 10);
    expect(pairedDifference('r', 'ref', 3, [{ key: 'x#0', psnr: 1, objectPsnr: 1 }], ref)).toBeNull();
    // an image without object pixels (non-finite object PSNR) counts for PSNR only
    const d2 = pairedDifference('r', 'ref', 1, [{ key: 'o0#0', psnr: 13, objectPsnr: NaN }, { key: 'o1#0', psnr: 19, objectPsnr: 17 }], ref.slice(0, 2))!;
    expect(d2.psnr.n).toBe(2);
    expect(d2.objectPsnr.n).toBe(1);
    expect(d2.wins).toBe(0.5);
    // records without the edge figure (written before it existed): n/a, not a number
    expect(d2.edgePsnr!.n).toBe(0);
    expect(pairedMarkdown([d2])).toContain('| r | ref | 1 | 2 | **+0.00 ± 1.00** | +1.00 ± 0.00 | n/a | 50% |');
    const d3 = pairedDifference('r', 'ref', 1, [{ key: 'a#0', psnr: 13, objectPsnr: 9, edgePsnr: 8 }, { key: 'b#0', psnr: 19, objectPsnr: 17, edgePsnr: 12 }],
      [{ key: 'a#0', psnr: 12, objectPsnr: 9, edgePsnr: 7 }, { key: 'b#0', psnr: 19, objectPsnr: 17, edgePsnr: 10 }])!;
    expect(d3.edgePsnr!.mean).toBeCloseTo(1.5, 10);
    expect(pairedMarkdown([d3])).toContain('| +1.50 ± 0.50 | 50% |');
    expect(pairedMarkdown(undefined)).toBe('');
    expect(pairedMarkdown([{ ...d2, psnr: { mean: -0.001, stderr: 0.04, n: 2 } }])).toContain('| **+0.00 ± 0.04** |');
  });

  it('plot spec: one line per series, error bars, the training mean dashed; csv leaves missing baselines empty', () => {
    const ms = (mean: number) => ({ mean, stderr: 0.1, n: 1 });
    const sum = (support: number, m: number, withTm: boolean) => ({
      support, objects: 1, draws: 1, images: 1,
      model: { psnr: ms(m), objectPsnr: ms(m - 5), ssim: ms(0.8) },
      baselines: withTm ? { trainMean: { psnr: ms(14), objectPsnr: ms(9), ssim: ms(0.7) } } : {},
    });
    const res: SweepResult = {
      format: 'lfkit-sweep', version: 1, createdAt: '', settings: { supportCounts: [1, 2], draws: 1, split: 'test', objects: null, seed: 0, checkpoint: 'auto' },
      runs: ['a', 'b'].map((label) => ({ label, series: label, dir: label, checkpoint: { which: 'best' as const, step: 1 }, data: { root: 'd', category: 'c' }, supportCounts: [1, 2], objectIds: ['o'] })),
      points: [
        { run: 'a', series: 'a', support: 1, summary: sum(1, 15, true) }, { run: 'a', series: 'a', support: 2, summary: sum(2, 16, true) },
        { run: 'b', series: 'b', support: 1, summary: sum(1, 17, false) }, { run: 'b', series: 'b', support: 2, summary: sum(2, 18, false) },
      ],
    };
    const spec = sweepPlotSpec(res) as unknown as { data: { values: { series: string; kind: string; S: number; lo: number; hi: number }[] }; encoding: { color: { scale: { domain: string[] } } } };
    expect(spec.encoding.color.scale.domain).toEqual(['a', 'b', 'per-pixel training mean']);
    const rows = spec.data.values;
    expect(rows.filter((r) => r.kind === 'baseline').map((r) => r.S)).toEqual([1, 2]);
    const b2 = rows.find((r) => r.series === 'b' && r.S === 2)!;
    expect([b2.lo, b2.hi]).toEqual([17.9, 18.1]);
    const csv = sweepCsv(res).trim().split('\n').map((l) => l.split(','));
    const col = csv[0]!.indexOf('trainMean_psnr');
    expect(csv[1]![col]).toBe('14');
    expect(csv[3]![col]).toBe('');
  });
});
