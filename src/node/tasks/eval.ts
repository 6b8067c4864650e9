/**
 * `lfkit eval` as a library call: the protocol of `evaluate.ts` on a trained run, with the
 * run folder's files (style.md item 7):
 *
 * - `eval-partial.jsonl`: one line per (support count, object) as soon as it is done, tagged
 *   with the checkpoint step, a hash of its weights file, split, seed and draws; an interrupted
 *   evaluation resumes from it, other weights ignore it (a bundle replaced in place at the same
 *   step, or a run retrained into the same folder, is evaluated afresh).
 * - `eval.json`: results merged per split and support count (re-running with other counts adds
 *   them; results of an older checkpoint are replaced).
 * - `train-mean.json`: the per-pixel mean of the training images (all views of every training
 *   object, at the model's size), computed once.
 *
 * `lfkit sweep` (issue 6) calls `evaluateRun` once per run with its support counts.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../../core/data/types.ts';
import { CHECKPOINT_FILE_NAMES } from '../runs/checkpoint.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';
import { Progress } from '../io/progress.ts';
import type { LoadedRun } from '../runs/run.ts';
import { RunError, RUN_FILES } from '../runs/run-folder.ts';
import { TrainMeanAccumulator } from '../../core/metrics/baselines.ts';
import { evaluateSynthesizer, type EvalReport, type ObjectRecord, type SupportSummary } from '../../core/analysis/evaluate.ts';

export interface RunEvalOptions {
  supportCounts: number[];
  draws?: number;
  split?: string;
  objects?: number;
  seed?: number;
  /** Evaluate on another dataset than the run's. */
  data?: { root?: string; category?: string };
  quiet?: boolean;
  /** Objects the training mean is computed from (default: all training objects). */
  trainMeanObjects?: number;
}

/** `eval.json` of a run. */
export interface EvalFile {
  format: 'lfkit-eval';
  version: 1;
  /** `weights`: `weightsKey` of the checkpoint (absent before session 5). */
  checkpoint: { which: 'best' | 'last'; step: number; weights?: string };
  /** split -> support count -> summary. */
  results: Record<string, Record<string, SupportSummary & { draws: number; seed: number; objectIds: string[]; updatedAt: string }>>;
}

interface PartialLine {
  step: number;
  which: string;
  /** `weightsKey` of the checkpoint evaluated (absent in files of lfkit before session 5: ignored). */
  weights?: string;
  split: string;
  seed: number;
  draws: number;
  record: ObjectRecord;
}

/**
 * Per-pixel mean of all views of the training objects at the dataset's size, cached in the
 * run folder (`train-mean.json`).
 */
export async function trainMeanImage(runDir: string, dataset: Dataset, size: number, opts: { quiet?: boolean; maxObjects?: number } = {}): Promise<Float32Array | null> {
  const file = path.join(runDir, RUN_FILES.trainMean);
  const key = `${dataset.root}|${dataset.category}|${size}|${opts.maxObjects ?? 'all'}`;
  if (existsSync(file)) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8'));
      if (c.key === key && Array.isArray(c.data) && c.data.length === size * size * 3) return Float32Array.from(c.data);
    } catch {
      // recompute below
    }
  }
  let ids: string[];
  try {
    ids = dataset.ids('train');
  } catch {
    return null; // a dataset without a train split (e.g. one object folder): no training mean
  }
  if (opts.maxObjects !== undefined && opts.maxObjects < ids.length) {
    const step = ids.length / opts.maxObjects;
    ids = Array.from({ length: opts.maxObjects }, (_, i) => ids[Math.floor(i * step)]!);
  }
  if (ids.length === 0) return null;
  const acc = new TrainMeanAccumulator(size, size);
  const bar = new Progress({ total: ids.length, label: 'training mean', unit: 'obj', quiet: opts.quiet });
  for (const id of ids) {
    const obj = await dataset.loadObject(id);
    for (const v of obj.views) acc.add(v.image);
    bar.tick();
  }
  bar.finish();
  const mean = acc.mean();
  writeJsonAtomic(file, { key, objects: ids.length, images: acc.count, size, data: Array.from(mean, (v) => Math.round(v * 1e6) / 1e6) });
  return mean;
}

/**
 * Identity of a checkpoint's weights for the evaluation cache: SHA-1 of its `model.safetensors`
 * (`CHECKPOINT_FILE_NAMES.weights`, also a bundle's weights file); `none` when there is no such file.
 */
export function weightsKey(checkpointDir: string): string {
  const file = path.join(checkpointDir, CHECKPOINT_FILE_NAMES.weights);
  if (!existsSync(file)) return 'none';
  return createHash('sha1').update(readFileSync(file)).digest('hex');
}

/** Evaluates a loaded run; writes `eval.json` and keeps partial results (module header). */
export async function evaluateRun(run: LoadedRun, opts: RunEvalOptions): Promise<EvalReport> {
  const split = opts.split ?? 'test';
  const draws = opts.draws ?? 10;
  const seed = opts.seed ?? 0;
  const size = run.config.model.imageSize;
  const dataset = await run.openData(opts.data);
  const ids = dataset.ids(split);
  if (ids.length === 0) throw new RunError(`--split: split '${split}' of ${dataset.root} has no objects`);
  const first = await dataset.loadObject(ids[0]!);
  const maxS = Math.max(...opts.supportCounts);
  if (maxS + 1 > first.views.length) {
    throw new RunError(`--support: ${maxS} support views + 1 query need ${maxS + 1} views; objects of ${dataset.root} have ${first.views.length}`);
  }
  const trainMean = await trainMeanImage(run.dir, dataset, size, { quiet: opts.quiet, maxObjects: opts.trainMeanObjects });

  const step = run.checkpoint.state.step;
  const which = run.checkpoint.which;
  const weights = weightsKey(run.checkpoint.dir);
  const partialFile = path.join(run.dir, RUN_FILES.evalPartial);
  const saved = new Map<string, ObjectRecord>();
  if (existsSync(partialFile)) {
    const text = readFileSync(partialFile, 'utf8');
    // a torn last line (killed mid-append) is dropped, so the next append starts a fresh line
    if (text.length && !text.endsWith('\n')) writeFileAtomic(partialFile, text.slice(0, text.lastIndexOf('\n') + 1));
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const p = JSON.parse(line) as PartialLine;
        if (p.step === step && p.which === which && p.weights === weights && p.split === split && p.seed === seed && p.draws === draws) {
          saved.set(`${p.record.support}/${p.record.object}`, p.record);
        }
      } catch {
        // torn line from an interrupted append
      }
    }
  }
  const nObjects = Math.min(ids.length, opts.objects ?? ids.length);
  const bar = new Progress({ total: opts.supportCounts.length * nObjects, label: `eval ${split}`, unit: 'obj', quiet: opts.quiet });
  const report = await evaluateSynthesizer(run.synth, dataset, {
    supportCounts: opts.supportCounts,
    draws,
    split,
    objects: opts.objects,
    seed,
    trainMean,
    store: {
      get: (s, o) => saved.get(`${s}/${o}`),
      put: (record) => {
        const line: PartialLine = { step, which, weights, split, seed, draws, record };
        appendFileSync(partialFile, JSON.stringify(line) + '\n');
      },
    },
    onProgress: (_d, _t, rec) => bar.tick(1, { S: String(rec.support), psnr: rec.draws.reduce((a, d) => a + d.model.psnr, 0) / rec.draws.length }),
  });
  bar.finish();

  const evalFile = path.join(run.dir, RUN_FILES.eval);
  let doc: EvalFile = { format: 'lfkit-eval', version: 1, checkpoint: { which, step, weights }, results: {} };
  if (existsSync(evalFile)) {
    try {
      const old = JSON.parse(readFileSync(evalFile, 'utf8')) as EvalFile;
      if (old.format === 'lfkit-eval' && old.checkpoint?.step === step && old.checkpoint?.which === which && old.checkpoint?.weights === weights) doc = old;
    } catch {
      // unreadable: replaced
    }
  }
  const bySplit = (doc.results[split] ??= {});
  const now = new Date().toISOString();
  for (const r of report.results) bySplit[String(r.support)] = { ...r, draws, seed, objectIds: report.objects, updatedAt: now };
  writeJsonAtomic(evalFile, doc);
  return report;
}
