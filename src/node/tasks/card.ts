/**
 * The model card of a bundle (`lfkit bundle --card`): the bundle is evaluated on the test split
 * at 1..5 support views (method.md section 3, with the given draws, objects and seed) and two
 * files are written into it:
 *
 * - `card.json` (machine-readable): the exact sweep settings (split, objects and their ids,
 *   draws, seed, support counts, checkpoint, backend) and every figure (model and every
 *   baseline, mean and standard error of PSNR, object PSNR, silhouette-edge PSNR and SSIM), the training command,
 *   data recipe, training time (from `metrics.jsonl` / the checkpoint's loop state), the
 *   machine, and the margins the issue asks for;
 * - `MODEL_CARD.md`: the same for people, with the sweep table next to every baseline and
 *   `sweep.png` (PSNR against support views with the training mean dashed).
 *
 * Evaluation files go to a work folder outside the bundle (`evaluateModel`), so an interrupted
 * card resumes and the bundle holds only what ships.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateSynthesizer, type ObjectRecord, type SupportSummary } from '../../core/analysis/evaluate.ts';
import { RUN_FILES as EVAL_RUN_FILES } from '../runs/run-folder.ts';
import { countParameters } from '../../core/model/model.ts';
import { resolveConfig, type ModelConfig } from '../../core/model/config.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';
import { vegaLiteToPng } from '../io/plot.ts';
import { RECIPES } from '../../../datasets/recipes.ts';
import { sweepMarkdown, sweepPlotSpec, type SweepPoint, type SweepRunInfo } from './sweep.ts';
import { openRun, requireRunInfo } from '../runs/run.ts';
import { readMetrics, RunError, type RunInit } from '../runs/run-folder.ts';
import { evaluateRun } from './eval.ts';
import { bundleWorkDir, evaluateModel } from './bundle.ts';
import { BUNDLE_FILES, bundleBlock } from '../runs/bundle.ts';

export const CARD_FORMAT = 'lfkit-model-card';

export interface CardOptions {
  /** Evaluation data (default: the bundle's `data.root`). */
  data?: { root?: string; category?: string };
  supportCounts?: number[];
  draws?: number;
  /** First N test objects (default: all). */
  objects?: number;
  seed?: number;
  split?: string;
  /** Markdown with what the training took (schedule, originScale, chunks...), put in the card as is. */
  notes?: string;
  /** Work folder for evaluation files (default: `bundleWorkDir`). */
  workDir?: string;
  /**
   * More test sets, each swept with the same settings and reported in its own table, e.g. the
   * looks training never saw. Their training-mean baseline is their own train split's mean.
   */
  extraSets?: { label: string; root: string; category?: string }[];
  /** The tfjs backend the evaluation ran on (recorded). */
  backend?: string;
  quiet?: boolean;
}

/** Differences the issue's bar is stated in (null when a count was not evaluated). */
export interface CardMargins {
  /** S = 3: model PSNR minus the per-pixel training mean's (bar: >= 2 dB). */
  vsTrainMeanAt3: number | null;
  /** S = 3: model PSNR minus its wrong-object control's (bar: >= 1 dB). */
  vsWrongObjectAt3: number | null;
  /** PSNR at 5 views minus at 1 view, and the sum of their standard errors (bar: gain > that sum). */
  gain1to5: number | null;
  gain1to5StdErrs: number | null;
  /** S = 3: model PSNR minus the nearest support view's (copying the closest photo). */
  vsNearestAt3?: number | null;
}

/** One more test set of a card (`CardOptions.extraSets`). */
export interface CardExtraSet {
  label: string;
  data: { root: string; category: string | null; recipe: string | null };
  sweep: { split: string; draws: number; seed: number; objects: number; objectIds: string[]; supportCounts: number[]; results: SupportSummary[] };
  margins: CardMargins;
  reproduce: string;
}

export interface ModelCard {
  format: typeof CARD_FORMAT;
  version: 1;
  createdAt: string;
  name: string;
  model: { preset: string; variant: string; parameters: number; imageSize: number; weightsBytes: number; config: unknown };
  training: {
    command: string | null;
    data: { root: string; category: string | null; size: number; recipe: string | null; recipeCommand: string | null };
    support: number[];
    seed: number;
    checkpoint: { which: 'best' | 'last'; step: number; valPsnr: number | null };
    scheduleSteps: number;
    /** Training seconds up to the bundled checkpoint (its loop state). */
    secondsToCheckpoint: number;
    /** Training seconds and steps of the whole run (`metrics.jsonl`), when known. */
    runSeconds: number | null;
    runSteps: number | null;
    /** The checkpoint the run started from (`lfkit train --init`), with its run's command; null for a fresh start. */
    init?: RunInit | null;
    notes: string | null;
  };
  machine: { cpu: string; cores: number; node: string; platform: string; backend: string | null };
  sweep: {
    split: string;
    draws: number;
    seed: number;
    objects: number;
    objectIds: string[];
    supportCounts: number[];
    results: SupportSummary[];
    /**
     * Per-image PSNR of every draw: support count -> object id -> per draw (in order) the
     * model's and the wrong-object control's PSNR, and the draw's support and query views. The
     * draws of an object depend only on (seed, S, object id), and the first k of D draws are the
     * draws of a k-draw evaluation, so a subset can be re-evaluated and compared (`checkCard`).
     */
    records: Record<string, Record<string, { model: number[]; wrongObject: (number | null)[]; support: number[][]; query: number[] }>>;
  };
  margins: CardMargins;
  reproduce: string;
  /** Further test sets (`CardOptions.extraSets`), e.g. held-out looks. */
  extra?: CardExtraSet[];
}

/** The margins of `CardMargins` from a sweep's results. */
export function cardMargins(results: readonly SupportSummary[]): CardMargins {
  const at = (s: number) => results.find((r) => r.support === s);
  const r3 = at(3), r1 = at(1), r5 = at(5);
  const tm = r3?.baselines.trainMean?.psnr.mean, wo = r3?.baselines.wrongObject?.psnr.mean;
  const ns = r3?.baselines.nearestSupport?.psnr.mean;
  return {
    vsTrainMeanAt3: r3 && tm !== undefined ? r3.model.psnr.mean - tm : null,
    vsWrongObjectAt3: r3 && wo !== undefined ? r3.model.psnr.mean - wo : null,
    vsNearestAt3: r3 && ns !== undefined ? r3.model.psnr.mean - ns : null,
    gain1to5: r1 && r5 ? r5.model.psnr.mean - r1.model.psnr.mean : null,
    gain1to5StdErrs: r1 && r5 ? r5.model.psnr.stderr + r1.model.psnr.stderr : null,
  };
}

function machine(backend: string | null): ModelCard['machine'] {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.arch()}`, backend };
}

const mins = (s: number) => (s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} dB`;

/** The model fields that differ from the preset's (`decoderWidth 256 (preset: 128)`), or null. */
function presetChanges(preset: string, model: ModelConfig | undefined): string | null {
  if (!model) return null;
  let base: ModelConfig;
  try {
    base = resolveConfig(preset, {}).model;
  } catch {
    return null; // an unknown preset: nothing to compare with
  }
  const out = (Object.keys(model) as (keyof ModelConfig)[])
    .filter((k) => JSON.stringify(model[k]) !== JSON.stringify(base[k]))
    .map((k) => `\`${k}\` ${JSON.stringify(model[k])} (preset: ${JSON.stringify(base[k])})`);
  return out.length ? out.join(', ') : null;
}

/** `MODEL_CARD.md` text of a card. */
export function modelCardMarkdown(card: ModelCard, points: readonly SweepPoint[]): string {
  const t = card.training, m = card.model, s = card.sweep, g = card.margins;
  const L: string[] = [];
  L.push(`# Model card: ${card.name}`);
  L.push('');
  L.push(`A locality-aware generalizable light field (Lee et al., NeurIPS 2023; lfkit's \`${m.preset}\` preset, variant \`${m.variant}\`) ` +
    `for few-shot novel view synthesis of ${t.data.category ?? 'objects'} at ${m.imageSize}x${m.imageSize}. ` +
    `Written by \`lfkit bundle --card\` on ${card.createdAt.slice(0, 10)}; the figures are in \`card.json\`.`);
  L.push('');
  L.push('## Model');
  L.push('');
  L.push('| | |');
  L.push('| --- | --- |');
  L.push(`| preset / variant | \`${m.preset}\` / \`${m.variant}\` |`);
  const changed = presetChanges(m.preset, (m.config as { model?: ModelConfig } | null)?.model);
  if (changed) L.push(`| model settings other than the preset's | ${changed} |`);
  L.push(`| parameters | ${m.parameters.toLocaleString('en-US')} |`);
  L.push(`| weights | \`model.safetensors\`, float32, ${(m.weightsBytes / 2 ** 20).toFixed(2)} MB (no optimizer state) |`);
  L.push(`| image size | ${m.imageSize}x${m.imageSize} |`);
  L.push(`| support views in training | ${t.support.join(', ')} |`);
  L.push(`| checkpoint | ${t.checkpoint.which} at step ${t.checkpoint.step} of ${t.scheduleSteps}` +
    `${t.checkpoint.valPsnr !== null ? ` (val PSNR ${t.checkpoint.valPsnr.toFixed(2)} dB)` : ''} |`);
  L.push('');
  L.push('## Training');
  L.push('');
  const chain: RunInit[] = [];
  for (let i = t.init ?? null; i; i = i.init ?? null) chain.unshift(i);
  const before = chain.reduce((a, c) => ({ time: a.time + c.time, step: a.step + c.step }), { time: 0, step: 0 });
  if (chain.length) {
    L.push(`The run started from a checkpoint of an earlier run (\`lfkit train --init\`), ${chain.length === 1 ? 'trained' : 'itself a chain,'} with:`);
    L.push('');
    L.push('```sh');
    for (const c of chain) L.push(`${c.command ?? '(command not recorded)'}   # -> step ${c.step}, ${mins(c.time)}: ${c.checkpoint}`);
    L.push('```');
    L.push('');
    L.push('then continued with:');
  } else {
    L.push('Command:');
  }
  L.push('');
  L.push('```sh');
  L.push(t.command ?? '(not recorded)');
  L.push('```');
  L.push('');
  L.push(`Data: ${t.data.recipe ? `recipe \`${t.data.recipe}\` (\`${t.data.recipeCommand}\`)` : `a custom dataset at \`${t.data.root}\``}` +
    `, category \`${t.data.category}\`, views resized to ${t.data.size}x${t.data.size}.`);
  L.push('');
  L.push(`Training time: ${mins(t.secondsToCheckpoint)} to the bundled checkpoint (step ${t.checkpoint.step})` +
    `${t.runSeconds !== null ? `; the whole run ${mins(t.runSeconds)} (${t.runSteps} steps)` : ''}, summed over resumed sessions` +
    (chain.length ? `; with the ${mins(before.time)} (${before.step} steps) before it, ${mins(t.secondsToCheckpoint + before.time)} in all.` : '.'));
  L.push('');
  L.push(`Machine (where this card was made; lfkit does not record the training machine): ${card.machine.cpu}, ${card.machine.cores} cores, ` +
    `Node ${card.machine.node}, ${card.machine.platform}${card.machine.backend ? `, TensorFlow.js backend \`${card.machine.backend}\`` : ''}.`);
  if (t.notes) {
    L.push('');
    L.push('### What it took');
    L.push('');
    L.push(t.notes.trim());
  }
  L.push('');
  L.push('## Test-split sweep');
  L.push('');
  L.push(`Split \`${s.split}\`, ${s.objects} objects x ${s.draws} draws per support count, seed ${s.seed}: per draw S support views and 1 query view ` +
    'drawn from all views of the object, the full query image rendered (method.md section 3). Reproduce with:');
  L.push('');
  L.push('```sh');
  L.push(card.reproduce);
  L.push('```');
  L.push('');
  L.push(sweepMarkdown(points, { runColumn: false }));
  L.push('');
  L.push(`![PSNR against support views](${BUNDLE_FILES.plot})`);
  L.push('');
  L.push('### Margins');
  L.push('');
  L.push(...marginsTable(g));
  L.push('');
  L.push('The per-pixel training mean is `train-mean.png` (the mean of every view of every training object, 8-bit); the wrong-object control is this model given ' +
    'the support views of the next test object. The gap to that control is what the support views contribute.');
  L.push('');
  for (const x of card.extra ?? []) {
    L.push(`## ${x.label}`);
    L.push('');
    L.push(`Split \`${x.sweep.split}\` of ${x.data.recipe ? `recipe \`${x.data.recipe}\`` : `\`${x.data.root}\``}, ${x.sweep.objects} objects x ${x.sweep.draws} draws per support count, ` +
      `seed ${x.sweep.seed}; the per-pixel training mean is that set's own (its train split). Reproduce with:`);
    L.push('');
    L.push('```sh');
    L.push(x.reproduce);
    L.push('```');
    L.push('');
    L.push(sweepMarkdown(x.sweep.results.map((r) => ({ run: card.name, series: card.name, support: r.support, summary: r })), { runColumn: false }));
    L.push('');
    L.push(...marginsTable(x.margins));
    L.push('');
  }
  return L.join('\n');
}

/** The margins as a Markdown table, each beside its target. */
function marginsTable(g: CardMargins): string[] {
  const check = (ok: boolean | null) => (ok === null ? 'not evaluated' : ok ? 'met' : '**not met**');
  const row = (what: string, v: number | null | undefined, target: string, ok: (v: number) => boolean) =>
    `| ${what} | ${v != null ? signed(v) : 'n/a'} | ${target} | ${check(v == null ? null : ok(v))} |`;
  return [
    '| figure | value | target | |',
    '| --- | --- | --- | --- |',
    row('3 views: model - per-pixel training mean', g.vsTrainMeanAt3, '>= 2 dB', (v) => v >= 2),
    row('3 views: model - wrong-object control', g.vsWrongObjectAt3, '>= 1 dB', (v) => v >= 1),
    row('3 views: model - nearest support view', g.vsNearestAt3, '>= 1.5 dB', (v) => v >= 1.5),
    row('PSNR at 5 views - at 1 view', g.gain1to5, `> the two standard errors (${g.gain1to5StdErrs !== null ? g.gain1to5StdErrs.toFixed(2) : 'n/a'} dB)`,
      (v) => v > g.gain1to5StdErrs!),
  ];
}

/** Evaluates a bundle and writes `card.json`, `MODEL_CARD.md` and `sweep.png` into it (module header). */
export async function writeModelCard(bundleDir: string, opts: CardOptions = {}): Promise<ModelCard> {
  const run = await openRun(bundleDir);
  const block = bundleBlock(run.info);
  if (!block) {
    run.dispose();
    throw new RunError(`--out: ${bundleDir} is not a model bundle (make one with lfkit bundle --run RUN --out ${bundleDir})`);
  }
  const supportCounts = opts.supportCounts ?? [1, 2, 3, 4, 5];
  const draws = opts.draws ?? 10, seed = opts.seed ?? 0, split = opts.split ?? 'test';
  const work = opts.workDir ?? bundleWorkDir(bundleDir);
  let report;
  try {
    report = await evaluateModel(run, { supportCounts, draws, split, seed, objects: opts.objects, data: opts.data, quiet: opts.quiet }, { workDir: work });
  } finally {
    run.dispose();
  }
  const records = readRecords(path.join(work, EVAL_RUN_FILES.evalPartial), { step: block.state.step, split, seed, draws }, supportCounts, report.objects);
  const flagsOf = (root: string) => [
    `--support ${supportCounts.join(',')}`, `--draws ${draws}`, ...(opts.objects !== undefined ? [`--objects ${opts.objects}`] : []), `--seed ${seed}`,
    ...(split !== 'test' ? [`--split ${split}`] : []), `--data ${root}`,
  ];
  const extra: CardExtraSet[] = [];
  for (const [i, x] of (opts.extraSets ?? []).entries()) {
    // a fresh load per set: its own work folder, so the training mean is that set's
    const xr = await openRun(bundleDir);
    let rep: Awaited<ReturnType<typeof evaluateRun>>;
    try {
      const xwork = `${work}-set${i}`;
      mkdirSync(xwork, { recursive: true });
      rep = await evaluateRun({ ...xr, dir: xwork }, { supportCounts, draws, split, seed, objects: opts.objects, data: { root: x.root, category: x.category }, quiet: opts.quiet });
    } finally {
      xr.dispose();
    }
    const base = path.basename(path.resolve(x.root));
    extra.push({
      label: x.label,
      data: { root: x.root, category: x.category ?? null, recipe: RECIPES[base] ? base : null },
      sweep: { split, draws, seed, objects: rep.objects.length, objectIds: rep.objects, supportCounts, results: rep.results },
      margins: cardMargins(rep.results),
      reproduce: `node bin/lfkit.mjs eval --run ${bundleDir} ${flagsOf(x.root).join(' ')}`,
    });
  }
  const info = requireRunInfo(run);
  const config = run.config;
  const metrics = readMetrics<{ kind: string; step: number; time: number; psnr?: number }>(bundleDir);
  const lastTrain = metrics.filter((r) => r.kind === 'train').at(-1);
  const valAt = metrics.find((r) => r.kind === 'val' && r.step === block.state.step);
  const recipe = block.recipe && RECIPES[block.recipe] ? block.recipe : null;
  const dataRoot = opts.data?.root ?? info.data.root;
  const flags = [
    `--support ${supportCounts.join(',')}`, `--draws ${draws}`, ...(opts.objects !== undefined ? [`--objects ${opts.objects}`] : []), `--seed ${seed}`,
    ...(split !== 'test' ? [`--split ${split}`] : []),
  ];
  const name = path.basename(path.resolve(bundleDir));
  const card: ModelCard = {
    format: CARD_FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    name,
    model: {
      preset: config.preset, variant: config.model.variant, parameters: countParameters(config.model), imageSize: config.model.imageSize,
      weightsBytes: statSync(path.join(bundleDir, BUNDLE_FILES.weights)).size, config,
    },
    training: {
      command: info.command ?? null,
      // recipeCommand writes to data/<recipe>, not to the author's own (often absolute) path: it is for readers on other machines
      data: { root: info.data.root, category: info.data.category, size: info.data.size, recipe, recipeCommand: recipe ? `lfkit synth --recipe ${recipe} --out data/${recipe}` : null },
      support: info.support,
      seed: info.seed,
      checkpoint: { which: run.checkpoint.which, step: block.state.step, valPsnr: valAt?.psnr ?? (block.state.bestStep === block.state.step ? block.state.bestVal : null) },
      scheduleSteps: config.train.steps,
      secondsToCheckpoint: block.state.time,
      runSeconds: lastTrain?.time ?? null,
      runSteps: lastTrain?.step ?? null,
      init: info.init ?? null,
      notes: opts.notes ?? null,
    },
    machine: machine(opts.backend ?? null),
    sweep: { split, draws, seed, objects: report.objects.length, objectIds: report.objects, supportCounts, results: report.results, records },
    margins: cardMargins(report.results),
    reproduce: `node bin/lfkit.mjs bundle --out ${bundleDir} --card --data ${dataRoot} ${flags.join(' ')}` +
      (opts.extraSets ?? []).map((x) => ` --extra-set '${x.label}=${x.root}'`).join(''),
    ...(extra.length ? { extra } : {}),
  };
  const points: SweepPoint[] = report.results.map((r) => ({ run: name, series: name, support: r.support, summary: r }));
  const runInfo: SweepRunInfo = {
    label: name, series: name, dir: bundleDir, checkpoint: { which: run.checkpoint.which, step: block.state.step },
    data: { root: dataRoot, category: info.data.category }, supportCounts, objectIds: report.objects,
  };
  writeFileAtomic(path.join(bundleDir, BUNDLE_FILES.plot), await vegaLiteToPng(sweepPlotSpec({ points, runs: [runInfo] }, `${name}: test split, ${report.objects.length} objects x ${draws} draws`, { wrongObject: true })));
  writeJsonAtomic(path.join(bundleDir, BUNDLE_FILES.cardJson), card, { compactArrays: true });
  writeFileAtomic(path.join(bundleDir, BUNDLE_FILES.card), modelCardMarkdown(card, points));
  return card;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The card's per-draw records from the evaluation's `eval-partial.jsonl` (the evaluated checkpoint and settings only). */
function readRecords(file: string, key: { step: number; split: string; seed: number; draws: number }, counts: number[], ids: string[]): ModelCard['sweep']['records'] {
  const out: ModelCard['sweep']['records'] = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let p: { step: number; split: string; seed: number; draws: number; record: ObjectRecord };
    try {
      p = JSON.parse(line);
    } catch {
      continue;
    }
    const r = p.record;
    if (p.step !== key.step || p.split !== key.split || p.seed !== key.seed || p.draws !== key.draws) continue;
    if (!counts.includes(r.support) || !ids.includes(r.object)) continue;
    (out[String(r.support)] ??= {})[r.object] = {
      model: r.draws.map((d) => r4(d.model.psnr)),
      wrongObject: r.draws.map((d) => (d.baselines.wrongObject ? r4(d.baselines.wrongObject.psnr) : null)),
      support: r.draws.map((d) => d.support),
      query: r.draws.map((d) => d.query),
    };
  }
  return out;
}

export interface CardCheck {
  /** Images compared (objects x draws x counts). */
  images: number;
  /** Largest |PSNR now - PSNR in the card| over the compared images, and the mean difference. */
  maxAbsDiff: number;
  meanDiff: number;
  /** Mean model PSNR per count on the compared images: now, and in the card. */
  perSupport: { support: number; now: number; card: number }[];
  /** The card's margins (its full sweep). */
  margins: CardMargins;
}

/**
 * Re-evaluates a bundle on the first `objects` test objects of `data` with the first `draws`
 * draws of its card's sweep (same seed, so the same support and query views) and compares the
 * model's per-image PSNR with the card's records: does the shipped model reproduce its card?
 * (the issue asks for agreement within 0.3 dB). `data` must hold those test objects (e.g.
 * regenerated by recipe: `ensureRecipeTestObjects`).
 */
export async function checkCard(bundleDir: string, opts: { data: { root: string; category?: string }; objects?: number; draws?: number; supportCounts?: number[] }): Promise<CardCheck> {
  const card = readModelCard(bundleDir);
  if (!card) throw new RunError(`${bundleDir}: no ${BUNDLE_FILES.cardJson}; write it with lfkit bundle --out ${bundleDir} --card`);
  const counts = opts.supportCounts ?? card.sweep.supportCounts;
  const draws = Math.min(opts.draws ?? 2, card.sweep.draws);
  const run = await openRun(bundleDir);
  try {
    const ds = await run.openData(opts.data);
    const n0 = Math.min(opts.objects ?? 3, card.sweep.objectIds.length);
    const ids = ds.ids(card.sweep.split).slice(0, n0);
    if (JSON.stringify(ids) !== JSON.stringify(card.sweep.objectIds.slice(0, n0))) {
      throw new RunError(`${opts.data.root}: the first ${card.sweep.split} objects are ${ids.join(', ')}, the card's ${card.sweep.objectIds.slice(0, n0).join(', ')}`);
    }
    const collected: ObjectRecord[] = [];
    await evaluateSynthesizer(run.synth, ds, {
      supportCounts: counts, draws, split: card.sweep.split, seed: card.sweep.seed, objects: n0, wrongObject: false, trainMean: null,
      store: { get: () => undefined, put: (rec) => collected.push(rec) },
    });
    let n = 0, maxAbs = 0, sum = 0;
    const perSupport: CardCheck['perSupport'] = [];
    for (const S of counts) {
      let now = 0, was = 0, k = 0;
      for (const rec of collected.filter((r) => r.support === S)) {
        const ref = card.sweep.records[String(S)]?.[rec.object];
        if (!ref) throw new RunError(`${bundleDir}/${BUNDLE_FILES.cardJson}: no records of object ${rec.object} at ${S} views`);
        rec.draws.forEach((d, i) => {
          if (JSON.stringify(d.support) !== JSON.stringify(ref.support[i]) || d.query !== ref.query[i]) {
            throw new RunError(`${rec.object}, ${S} views, draw ${i}: support ${d.support} / query ${d.query} differ from the card's (${ref.support[i]} / ${ref.query[i]}): not the same data`);
          }
          const diff = d.model.psnr - ref.model[i]!;
          maxAbs = Math.max(maxAbs, Math.abs(diff));
          sum += diff;
          now += d.model.psnr;
          was += ref.model[i]!;
          n++;
          k++;
        });
      }
      perSupport.push({ support: S, now: now / k, card: was / k });
    }
    return { images: n, maxAbsDiff: maxAbs, meanDiff: sum / n, perSupport, margins: card.margins };
  } finally {
    run.dispose();
  }
}
/** Reads a bundle's `card.json`, or null. */
export function readModelCard(bundleDir: string): ModelCard | null {
  const f = path.join(bundleDir, BUNDLE_FILES.cardJson);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ModelCard) : null;
}
