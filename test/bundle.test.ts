import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { BUNDLE_MAX_BYTES, detectRecipe } from '../src/node/tasks/bundle.ts';
import { cardMargins, checkCard, modelCardMarkdown } from '../src/node/tasks/card.ts';
import { useBackend } from '../src/cli/backend.ts';
import type { ModelCard } from '../src/node/tasks/card.ts';
import type { SupportSummary } from '../src/core/analysis/evaluate.ts';
import { countParameters, resolveConfig } from '../src/core/model/index.ts';
import type { SweepResult } from '../src/node/tasks/sweep.ts';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
let run: string;
beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 2 }, views: 8, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-bundle-'));
  run = path.join(base, 'run');
  const t = await runCli(['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--support', '1-2', '--batch', '2', '--rays', '16',
    '--steps', '3', '--val-every', '2', '--out', run, '--backend', 'cpu', '--quiet', ...TINY_SETS]);
  if (t.code !== 0) throw new Error(t.stderr);
});

describe('lfkit bundle', () => {
  it('ships float32 weights without optimizer state, config, metrics and train-mean.png; every command takes it as a run', async () => {
    const out = path.join(base, 'models', 'tiny');
    const b = await runCli(['bundle', '--run', run, '--out', out, '--json', '--backend', 'cpu']);
    expect(b.code, b.stderr).toBe(0);
    const res = JSON.parse(b.stdout).bundle;
    expect(res.checkpoint.which).toBe('best');
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'metrics.jsonl', 'model.safetensors', 'train-mean.png']);
    const best = path.join(run, 'checkpoints', 'best');
    expect(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(path.join(best, 'model.safetensors')))).toBe(true);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(cfg.format).toBe('lfkit-run');
    expect(cfg.bundle).toMatchObject({ format: 'lfkit-bundle', version: 1, source: { checkpoint: 'best', step: res.checkpoint.step }, trainMean: 'train-mean.png', recipe: null });
    expect(cfg.config).toEqual(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')).config);
    // train-mean.png is the run's training mean, to 8 bits
    const tm = JSON.parse(fs.readFileSync(path.join(run, 'train-mean.json'), 'utf8')).data as number[];
    const { data, info } = await sharp(path.join(out, 'train-mean.png')).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([16, 16, 3]);
    let maxErr = 0;
    for (let i = 0; i < tm.length; i++) maxErr = Math.max(maxErr, Math.abs(data[i]! / 255 - tm[i]!));
    expect(maxErr).toBeLessThanOrEqual(0.5 / 255 + 1e-6);

    // the bundle evaluates like the run: same weights, same draws -> the same model figures
    const sr = await runCli(['sweep', '--run', run, '--run', out, '--support', '1,2', '--draws', '2', '--out', path.join(base, 'sw'), '--backend', 'cpu', '--quiet', '--json']);
    expect(sr.code, sr.stderr).toBe(0);
    const sw = JSON.parse(sr.stdout) as SweepResult;
    for (const S of [0, 1]) {
      expect(sw.points[S + 2]!.summary.model).toEqual(sw.points[S]!.summary.model);
      expect(sw.points[S + 2]!.summary.baselines.wrongObject).toEqual(sw.points[S]!.summary.baselines.wrongObject);
      expect(Math.abs(sw.points[S + 2]!.summary.baselines.trainMean!.psnr.mean - sw.points[S]!.summary.baselines.trainMean!.psnr.mean)).toBeLessThan(0.01);
    }
    // the bundle folder stays as shipped (evaluation files went to the sweep's work folder)
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'metrics.jsonl', 'model.safetensors', 'train-mean.png']);
    const r = await runCli(['render', '--run', out, '--object', 'obj004', '--support-views', '0,3', '--orbit', '2', '--size', '16', '--out', path.join(base, 'render'), '--backend', 'cpu', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(base, 'render', 'turntable.webp'))).toBe(true);

    // the model card: evaluated on the test split, figures equal to the sweep's on the same draws
    const work = path.join(base, 'card-work');
    const c = await runCli(['bundle', '--out', out, '--card', '--support', '1,2', '--draws', '2', '--work', work, '--backend', 'cpu', '--quiet',
      '--extra-set', `same data=${root}`]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/wrote .*MODEL_CARD\.md/);
    const card = JSON.parse(fs.readFileSync(path.join(out, 'card.json'), 'utf8')) as ModelCard;
    expect(card.sweep).toMatchObject({ split: 'test', draws: 2, seed: 0, objects: 2, objectIds: ['obj004', 'obj005'], supportCounts: [1, 2] });
    expect(card.sweep.results[1]!.model).toEqual(sw.points[3]!.summary.model);
    // an extra test set is swept the same way: on the same data it gives the same figures, with
    // its training mean computed from that set's train split (the bundle's is the same, to 8 bits)
    expect(card.extra).toHaveLength(1);
    const x = card.extra![0]!;
    expect(x.label).toBe('same data');
    for (const S of [0, 1]) {
      expect(x.sweep.results[S]!.model).toEqual(card.sweep.results[S]!.model);
      expect(x.sweep.results[S]!.baselines.nearestSupport).toEqual(card.sweep.results[S]!.baselines.nearestSupport);
      expect(Math.abs(x.sweep.results[S]!.baselines.trainMean!.psnr.mean - card.sweep.results[S]!.baselines.trainMean!.psnr.mean)).toBeLessThan(0.01);
    }
    expect(x.reproduce).toContain(`--data ${root}`);
    expect(card.training.command).toBe(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')).command);
    expect(card.training.checkpoint.step).toBe(res.checkpoint.step);
    expect(card.training.secondsToCheckpoint).toBeGreaterThan(0);
    expect(card.training.runSteps).toBe(3);
    expect(card.training.init).toBeNull();
    // a run started with --init: the card shows the earlier run's command and the summed time
    const chained = modelCardMarkdown({ ...card, training: { ...card.training, secondsToCheckpoint: 60,
      init: { checkpoint: '/r/checkpoints/last', step: 7, time: 120, command: 'lfkit train --out /r --steps 7' } } }, []);
    expect(chained).toContain('lfkit train --out /r --steps 7   # -> step 7, 2.0 min: /r/checkpoints/last');
    expect(chained).toContain('then continued with:');
    expect(chained).toMatch(/with the 2\.0 min \(7 steps\) before it, 3\.0 min in all/);
    expect(card.machine.cores).toBe(os.cpus().length);
    expect(card.machine.node).toBe(process.version);
    expect(card.model.weightsBytes).toBe(fs.statSync(path.join(out, 'model.safetensors')).size);
    const md = fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
    expect(md).toContain(`**${card.sweep.results[0]!.model.psnr.mean.toFixed(2)} ± ${card.sweep.results[0]!.model.psnr.stderr.toFixed(2)}**`);
    expect(md).toMatch(/per-pixel training mean \| wrong-object control/);
    expect(md).toContain(card.reproduce);
    expect(md).toContain('## same data');
    expect(md).toContain(x.reproduce);
    expect((await sharp(path.join(out, 'sweep.png')).metadata()).format).toBe('png');
    expect(fs.readdirSync(out)).not.toContain('eval-partial.jsonl');
    expect(fs.existsSync(path.join(work, 'eval-partial.jsonl'))).toBe(true);
    // per-draw records: the first draw of each object can be re-evaluated alone and matches
    expect(Object.keys(card.sweep.records)).toEqual(['1', '2']);
    expect(card.sweep.records['2']!['obj005']!.model.length).toBe(2);
    await useBackend('cpu');
    const chk = await checkCard(out, { data: { root }, objects: 2, draws: 1 });
    expect(chk.images).toBe(4);
    expect(chk.maxAbsDiff).toBeLessThan(1e-3);
    expect(chk.perSupport.map((p) => p.support)).toEqual([1, 2]);
    expect(chk.margins).toEqual(card.margins);
    // a card whose figures are not this model's is caught
    const tampered = { ...card, sweep: { ...card.sweep, records: { ...card.sweep.records, '1': { ...card.sweep.records['1'], obj004: { ...card.sweep.records['1']!['obj004']!, model: [99, 99] } } } } };
    fs.writeFileSync(path.join(out, 'card.json'), JSON.stringify(tampered));
    expect((await checkCard(out, { data: { root }, objects: 2, draws: 1 })).maxAbsDiff).toBeGreaterThan(50);
  }, 300_000);

  it('refuses to overwrite without --force, to write into a foreign folder, and to bundle a bundle', async () => {
    const out = path.join(base, 'b2');
    expect((await runCli(['bundle', '--run', run, '--out', out, '--quiet'])).code).toBe(0);
    const again = await runCli(['bundle', '--run', run, '--out', out, '--quiet']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/--out: bundle .* already exists; use --force/);
    const forced = await runCli(['bundle', '--run', run, '--out', out, '--quiet', '--force', '--checkpoint', 'last']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).bundle.source.checkpoint).toBe('last');
    const foreign = path.join(base, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    const f = await runCli(['bundle', '--run', run, '--out', foreign, '--quiet']);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/not a model bundle; refusing/);
    expect(fs.readdirSync(foreign)).toEqual(['notes.txt']);
    const bb = await runCli(['bundle', '--run', out, '--out', path.join(base, 'b3'), '--quiet']);
    expect(bb.code).toBe(1);
    expect(bb.stderr).toMatch(/--run: .* is already a model bundle/);
    const nodata = await runCli(['bundle', '--run', run, '--out', path.join(base, 'b4'), '--data', path.join(base, 'missing'), '--quiet']);
    expect(nodata.code).toBe(1);
    expect(nodata.stderr).toMatch(/--data: .*--no-train-mean/);
    const skip = await runCli(['bundle', '--run', run, '--out', path.join(base, 'b4'), '--data', path.join(base, 'missing'), '--no-train-mean', '--quiet']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(fs.existsSync(path.join(base, 'b4', 'train-mean.png'))).toBe(false);
  });

  it('the cpu preset fits in a 10 MB bundle; margins and recipe detection', async () => {
    expect(countParameters(resolveConfig('cpu').model) * 4 + 64 * 1024).toBeLessThan(BUNDLE_MAX_BYTES);
    const ms = (mean: number, stderr = 0.1) => ({ mean, stderr, n: 10 });
    const sum = (support: number, m: number, tm: number, wo: number): SupportSummary => ({
      support, objects: 1, draws: 1, images: 1, model: { psnr: ms(m, support === 1 ? 0.2 : 0.1), objectPsnr: ms(0), ssim: ms(0) },
      baselines: { trainMean: { psnr: ms(tm), objectPsnr: ms(0), ssim: ms(0) }, wrongObject: { psnr: ms(wo), objectPsnr: ms(0), ssim: ms(0) },
        nearestSupport: { psnr: ms(m - 1.25), objectPsnr: ms(0), ssim: ms(0) } },
    });
    const m = cardMargins([sum(1, 16, 14.5, 15), sum(3, 17.5, 14.5, 16), sum(5, 18, 14.5, 16.2)]);
    expect(m.vsTrainMeanAt3).toBeCloseTo(3, 10);
    expect(m.vsWrongObjectAt3).toBeCloseTo(1.5, 10);
    expect(m.gain1to5).toBeCloseTo(2, 10);
    expect(m.gain1to5StdErrs).toBeCloseTo(0.3, 10);
    expect(m.vsNearestAt3).toBeCloseTo(1.25, 10);
    expect(cardMargins([sum(2, 1, 1, 1)])).toEqual({ vsTrainMeanAt3: null, vsWrongObjectAt3: null, vsNearestAt3: null, gain1to5: null, gain1to5StdErrs: null });
    const ds = await openDataset(root, { category: 'chairs' });
    expect(detectRecipe(ds, 16, 8)).toBeNull();
  });
});
