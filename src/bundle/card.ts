/**
 * The model card of a bundle (`lfkit bundle --card`): the bundle is evaluated on the test split
 * at 1..5 support views (method.md section 3, with the given draws, objects and seed) and two
 * files are written into it:
 *
 * - `card.json` (machine-readable): the exact sweep settings (split, objects and their ids,
 *   draws, seed, support counts, checkpoint, backend) and every figure (model and every
 *   baseline, mean and standard error of PSNR, object PSNR and SSIM), the training command,
 *   data recipe, training time (from `metrics.jsonl` / the checkpoint's loop state), the
 *   machine, and the margins the issue asks for;
 * - `MODEL_CARD.md`: the same for people, with the sweep table next to every baseline and
 *   `sweep.png` (PSNR against support views with the training mean dashed).
 *
 * Evaluation files go to a work folder outside the bundle (`evaluateModel`), so an interrupted
 * card resumes and the bundle holds only what ships.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SupportSummary } from '../eval/evaluate.ts';
import { countParameters } from '../model/model.ts';
import { writeFileAtomic, writeJsonAtomic } from '../node/fs.ts';
import { vegaLiteToPng } from '../node/plot.ts';
import { RECIPES } from '../synth/recipes.ts';
import { sweepMarkdown, sweepPlotSpec, type SweepPoint, type SweepRunInfo } from '../sweep/sweep.ts';
import { loadRun } from '../train/run.ts';
import { readMetrics, RunError } from '../train/run-folder.ts';
import { evaluateModel } from './bundle.ts';
import { BUNDLE_FILES, bundleBlock } from './load.ts';

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
  };
  margins: CardMargins;
  reproduce: string;
}

/** The margins of `CardMargins` from a sweep's results. */
export function cardMargins(results: readonly SupportSummary[]): CardMargins {
  const at = (s: number) => results.find((r) => r.support === s);
  const r3 = at(3), r1 = at(1), r5 = at(5);
  const tm = r3?.baselines.trainMean?.psnr.mean, wo = r3?.baselines.wrongObject?.psnr.mean;
  return {
    vsTrainMeanAt3: r3 && tm !== undefined ? r3.model.psnr.mean - tm : null,
    vsWrongObjectAt3: r3 && wo !== undefined ? r3.model.psnr.mean - wo : null,
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
  L.push(`| parameters | ${m.parameters.toLocaleString('en-US')} |`);
  L.push(`| weights | \`model.safetensors\`, float32, ${(m.weightsBytes / 2 ** 20).toFixed(2)} MB (no optimizer state) |`);
  L.push(`| image size | ${m.imageSize}x${m.imageSize} |`);
  L.push(`| support views in training | ${t.support.join(', ')} |`);
  L.push(`| checkpoint | ${t.checkpoint.which} at step ${t.checkpoint.step} of ${t.scheduleSteps}` +
    `${t.checkpoint.valPsnr !== null ? ` (val PSNR ${t.checkpoint.valPsnr.toFixed(2)} dB)` : ''} |`);
  L.push('');
  L.push('## Training');
  L.push('');
  L.push('Command:');
  L.push('');
  L.push('```sh');
  L.push(t.command ?? '(not recorded)');
  L.push('```');
  L.push('');
  L.push(`Data: ${t.data.recipe ? `recipe \`${t.data.recipe}\` (\`${t.data.recipeCommand}\`)` : `a custom dataset at \`${t.data.root}\``}` +
    `, category \`${t.data.category}\`, views resized to ${t.data.size}x${t.data.size}.`);
  L.push('');
  L.push(`Training time: ${mins(t.secondsToCheckpoint)} to the bundled checkpoint (step ${t.checkpoint.step})` +
    `${t.runSeconds !== null ? `; the whole run ${mins(t.runSeconds)} (${t.runSteps} steps)` : ''}, summed over resumed sessions.`);
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
  const check = (ok: boolean | null) => (ok === null ? 'not evaluated' : ok ? 'met' : '**not met**');
  L.push('| figure | value | bar (issue 6) | |');
  L.push('| --- | --- | --- | --- |');
  L.push(`| 3 views: model - per-pixel training mean | ${g.vsTrainMeanAt3 !== null ? signed(g.vsTrainMeanAt3) : 'n/a'} | >= 2 dB | ${check(g.vsTrainMeanAt3 === null ? null : g.vsTrainMeanAt3 >= 2)} |`);
  L.push(`| 3 views: model - wrong-object control | ${g.vsWrongObjectAt3 !== null ? signed(g.vsWrongObjectAt3) : 'n/a'} | >= 1 dB | ${check(g.vsWrongObjectAt3 === null ? null : g.vsWrongObjectAt3 >= 1)} |`);
  L.push(`| PSNR at 5 views - at 1 view | ${g.gain1to5 !== null ? signed(g.gain1to5) : 'n/a'} | > the two standard errors (${g.gain1to5StdErrs !== null ? g.gain1to5StdErrs.toFixed(2) : 'n/a'} dB) | ${check(g.gain1to5 === null ? null : g.gain1to5 > g.gain1to5StdErrs!)} |`);
  L.push('');
  L.push('The per-pixel training mean is `train-mean.png` (the mean of every view of every training object, 8-bit); the wrong-object control is this model given ' +
    'the support views of the next test object. The gap to that control is what the support views contribute.');
  L.push('');
  return L.join('\n');
}

/** Evaluates a bundle and writes `card.json`, `MODEL_CARD.md` and `sweep.png` into it (module header). */
export async function writeModelCard(bundleDir: string, opts: CardOptions = {}): Promise<ModelCard> {
  const run = await loadRun(bundleDir);
  const block = bundleBlock(run.info);
  if (!block) {
    run.dispose();
    throw new RunError(`--out: ${bundleDir} is not a model bundle (make one with lfkit bundle --run RUN --out ${bundleDir})`);
  }
  const supportCounts = opts.supportCounts ?? [1, 2, 3, 4, 5];
  const draws = opts.draws ?? 10, seed = opts.seed ?? 0, split = opts.split ?? 'test';
  let report;
  try {
    report = await evaluateModel(run, { supportCounts, draws, split, seed, objects: opts.objects, data: opts.data, quiet: opts.quiet }, { workDir: opts.workDir });
  } finally {
    run.dispose();
  }
  const info = run.info;
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
      data: { root: info.data.root, category: info.data.category, size: info.data.size, recipe, recipeCommand: recipe ? `lfkit synth --recipe ${recipe} --out ${info.data.root}` : null },
      support: info.support,
      seed: info.seed,
      checkpoint: { which: run.checkpoint.which, step: block.state.step, valPsnr: valAt?.psnr ?? (block.state.bestStep === block.state.step ? block.state.bestVal : null) },
      scheduleSteps: config.train.steps,
      secondsToCheckpoint: block.state.time,
      runSeconds: lastTrain?.time ?? null,
      runSteps: lastTrain?.step ?? null,
      notes: opts.notes ?? null,
    },
    machine: machine(opts.backend ?? null),
    sweep: { split, draws, seed, objects: report.objects.length, objectIds: report.objects, supportCounts, results: report.results },
    margins: cardMargins(report.results),
    reproduce: `node bin/lfkit.mjs bundle --out ${bundleDir} --card --data ${dataRoot} ${flags.join(' ')}`,
  };
  const points: SweepPoint[] = report.results.map((r) => ({ run: name, series: name, support: r.support, summary: r }));
  const runInfo: SweepRunInfo = {
    label: name, series: name, dir: bundleDir, checkpoint: { which: run.checkpoint.which, step: block.state.step },
    data: { root: dataRoot, category: info.data.category }, supportCounts, objectIds: report.objects,
  };
  writeFileAtomic(path.join(bundleDir, BUNDLE_FILES.plot), await vegaLiteToPng(sweepPlotSpec({ points, runs: [runInfo] }, `${name}: test split, ${report.objects.length} objects x ${draws} draws`)));
  writeJsonAtomic(path.join(bundleDir, BUNDLE_FILES.cardJson), card);
  writeFileAtomic(path.join(bundleDir, BUNDLE_FILES.card), modelCardMarkdown(card, points));
  return card;
}

/** Reads a bundle's `card.json`, or null. */
export function readModelCard(bundleDir: string): ModelCard | null {
  const f = path.join(bundleDir, BUNDLE_FILES.cardJson);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ModelCard) : null;
}
