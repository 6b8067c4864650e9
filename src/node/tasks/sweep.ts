/**
 * `lfkit sweep` (issue 6): the test protocol of method.md section 3 for several runs at several
 * support counts, the paper's Figure 4a for our runs.
 *
 * Each run (or model bundle) is evaluated with `evaluateRun` (through `evaluateModel`), so a
 * run's `eval-partial.jsonl` makes an interrupted sweep resume where it stopped and `lfkit eval`
 * and `lfkit sweep` share results. Outputs in `OUT/`:
 *
 * - `sweep.json`: settings (split, draws, seed, objects), every run (label, folder, checkpoint)
 *   and one point per (run, support count) with the model's and every baseline's figures;
 * - `sweep.csv`: one row per point, mean and standard error of PSNR, object PSNR and SSIM for
 *   the model and every baseline;
 * - `sweep.md`: Markdown tables (PSNR of the model and every baseline; object-pixel PSNR; silhouette-edge PSNR);
 * - `sweep.png`: PSNR against support views, one line per series with ± s.e. error bars, and
 *   the per-pixel training mean as a dashed line.
 */
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { BASELINES, type BaselineName } from '../../core/metrics/baselines.ts';
import type { ObjectRecord, ScoreSummary, SupportSummary } from '../../core/analysis/evaluate.ts';
import { meanStdErr, type MeanStdErr } from '../../core/metrics/metrics.ts';
import type { RunEvalOptions } from './eval.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';
import { vegaLiteToPng } from '../io/plot.ts';
import { openRun, requireRunInfo } from '../runs/run.ts';
import { RunError, RUN_FILES } from '../runs/run-folder.ts';
import { evaluateModel } from './bundle.ts';
import { bundleBlock } from '../runs/bundle.ts';

export const SWEEP_FORMAT = 'lfkit-sweep';

/** Display names of the model and the baselines (as `formatEvalTable`). */
export const METHOD_NAMES: Record<'model' | BaselineName, string> = {
  model: 'model', white: 'all white', supportMean: 'support mean colour', nearestSupport: 'nearest support view',
  trainMean: 'per-pixel training mean', wrongObject: 'wrong-object control',
};

/** One run to sweep. */
export interface SweepEntry {
  dir: string;
  /** Table and legend name (default: the folder name). */
  label?: string;
  /** The plot line it belongs to (default: its label). `--train` puts every per-count run on one line. */
  series?: string;
  /** Support counts for this run (default: the sweep's). */
  supportCounts?: number[];
  /** Checkpoint of this run (default: the sweep's `checkpoint`). */
  checkpoint?: 'best' | 'last' | 'auto';
}

export interface SweepSettings {
  supportCounts: number[];
  draws: number;
  split: string;
  /** First N objects of the split, or null for all. */
  objects: number | null;
  seed: number;
  checkpoint: 'best' | 'last' | 'auto';
  data?: { root?: string; category?: string };
  reference?: string;
}

/** One (run, support count) result. */
export interface SweepPoint {
  run: string;
  series: string;
  support: number;
  summary: SupportSummary;
}

export interface SweepRunInfo {
  label: string;
  series: string;
  dir: string;
  checkpoint: { which: 'best' | 'last'; step: number };
  data: { root: string; category: string | null };
  supportCounts: number[];
  objectIds: string[];
}

/**
 * A run against the reference run at one support count, on the same draws: the mean and
 * standard error of the per-image difference (run - reference). Paired, so the standard error
 * leaves out what both runs share (how hard each object and view is), unlike the two runs'
 * separate standard errors.
 */
export interface PairedDifference {
  run: string;
  reference: string;
  support: number;
  /** Images both runs were scored on. */
  images: number;
  psnr: MeanStdErr;
  objectPsnr: MeanStdErr;
  /** Silhouette-edge PSNR (n = 0 when either run's records predate it). */
  edgePsnr?: MeanStdErr;
  /** Share of the images on which the run's PSNR is higher. */
  wins: number;
}

export interface SweepResult {
  format: typeof SWEEP_FORMAT;
  version: 1;
  createdAt: string;
  settings: SweepSettings;
  runs: SweepRunInfo[];
  points: SweepPoint[];
  /** Every other run against the reference run (the first unless `reference`), when there are two or more. */
  paired?: PairedDifference[];
}

/** One image's model scores, keyed by object and draw (the same key is the same draw: method.md section 3). */
export interface ImageKeyed {
  key: string;
  psnr: number;
  objectPsnr: number;
  /** NaN or absent when the record predates the figure. */
  edgePsnr?: number;
}

/** The per-image model scores of one support count's records. */
export function imageScores(records: readonly ObjectRecord[]): ImageKeyed[] {
  return records.flatMap((r) => r.draws.map((d) => ({
    key: `${r.object}#${d.draw}:${d.support.join(',')}>${d.query}`, psnr: d.model.psnr, objectPsnr: d.model.objectPsnr, edgePsnr: d.model.edgePsnr ?? NaN,
  })));
}

/** Paired differences (run - reference) over the images both were scored on; null when they share none. */
export function pairedDifference(run: string, reference: string, support: number, a: readonly ImageKeyed[], ref: readonly ImageKeyed[]): PairedDifference | null {
  const byKey = new Map(ref.map((x) => [x.key, x]));
  const dp: number[] = [], dobj: number[] = [], dedge: number[] = [];
  let wins = 0;
  for (const x of a) {
    const y = byKey.get(x.key);
    if (!y) continue;
    dp.push(x.psnr - y.psnr);
    if (Number.isFinite(x.objectPsnr) && Number.isFinite(y.objectPsnr)) dobj.push(x.objectPsnr - y.objectPsnr);
    const xe = x.edgePsnr ?? NaN, ye = y.edgePsnr ?? NaN;
    if (Number.isFinite(xe) && Number.isFinite(ye)) dedge.push(xe - ye);
    if (x.psnr > y.psnr) wins++;
  }
  if (!dp.length) return null;
  return { run, reference, support, images: dp.length, psnr: meanStdErr(dp), objectPsnr: meanStdErr(dobj), edgePsnr: meanStdErr(dedge), wins: wins / dp.length };
}

export interface SweepOptions extends SweepSettings {
  /** Label of the run the others are compared with, image by image (default: the first). */
  reference?: string;
  quiet?: boolean;
  /** Work folder for bundles' evaluation files (default: `bundleWorkDir`); one subfolder per label. */
  workDir?: string;
  /** Progress lines (`evaluating runs/a (1 of 2) ...`). */
  log?: (line: string) => void;
}

/** Labels of the entries: given, else folder names; duplicates are an error naming `--label`. */
export function sweepLabels(entries: readonly SweepEntry[]): string[] {
  const labels = entries.map((e) => e.label ?? path.basename(path.resolve(e.dir)));
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new RunError(`--label: two runs are labelled '${l}' (folder names); give each run a --label`);
    seen.add(l);
  }
  return labels;
}

/** Evaluates every entry at its support counts (module header). */
export async function sweepRuns(entries: readonly SweepEntry[], opts: SweepOptions): Promise<SweepResult> {
  if (entries.length === 0) throw new RunError('--run: give at least one run folder');
  const labels = sweepLabels(entries);
  if (opts.reference !== undefined && !labels.includes(opts.reference)) {
    throw new RunError(`--reference: no run is labelled '${opts.reference}' (labels: ${labels.join(', ')})`);
  }
  const images = new Map<string, ImageKeyed[]>(); // `${label}|${S}`
  const runs: SweepRunInfo[] = [];
  const points: SweepPoint[] = [];
  let lastTrainMean: string | null = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const label = labels[i]!;
    const counts = e.supportCounts ?? opts.supportCounts;
    opts.log?.(`evaluating ${e.dir} (${i + 1} of ${entries.length}) at ${counts.join(',')} support views`);
    const run = await openRun(e.dir, { checkpoint: e.checkpoint ?? opts.checkpoint });
    // runs of one dataset share the training mean: reuse one computed for an earlier run
    // (evaluateRun checks its key and recomputes it when it belongs to other data)
    const tm = path.join(e.dir, RUN_FILES.trainMean);
    if (!bundleBlock(run.info) && !existsSync(tm) && lastTrainMean) copyFileSync(lastTrainMean, tm);
    try {
      const evalOpts: RunEvalOptions = {
        supportCounts: counts, draws: opts.draws, split: opts.split, objects: opts.objects ?? undefined, seed: opts.seed,
        data: opts.data, quiet: opts.quiet,
      };
      const report = await evaluateModel(run, evalOpts, { workDir: opts.workDir ? path.join(opts.workDir, label) : undefined });
      const info = requireRunInfo(run);
      const ds = opts.data?.root ?? info.data.root;
      runs.push({
        label, series: e.series ?? label, dir: e.dir, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step },
        data: { root: ds, category: opts.data?.category ?? info.data.category }, supportCounts: counts, objectIds: report.objects,
      });
      report.results.forEach((r, j) => {
        points.push({ run: label, series: e.series ?? label, support: r.support, summary: r });
        const recs = report.records?.[j];
        if (recs) images.set(`${label}|${r.support}`, imageScores(recs));
      });
      if (!bundleBlock(run.info) && existsSync(tm)) lastTrainMean = tm;
    } finally {
      run.dispose();
    }
  }
  const paired: PairedDifference[] = [];
  const reference = opts.reference ?? labels[0]!;
  for (const label of labels) {
    if (label === reference) continue;
    for (const p of points.filter((q) => q.run === label)) {
      const a = images.get(`${label}|${p.support}`), ref = images.get(`${reference}|${p.support}`);
      const d = a && ref ? pairedDifference(label, reference, p.support, a, ref) : null;
      if (d) paired.push(d);
    }
  }
  return {
    format: SWEEP_FORMAT, version: 1, createdAt: new Date().toISOString(), settings: stripOpts(opts), runs, points,
    ...(paired.length ? { paired } : {}),
  };
}

/** Markdown table of the paired differences (empty string when there are none). */
export function pairedMarkdown(paired: readonly PairedDifference[] | undefined): string {
  if (!paired?.length) return '';
  const refs = [...new Set(paired.map((d) => d.reference))];
  const signed = (m: MeanStdErr | undefined) => {
    if (!m || !Number.isFinite(m.mean)) return 'n/a';
    const t = (Math.abs(m.mean) < 0.005 ? 0 : m.mean).toFixed(2); // no '-0.00'
    return `${t.startsWith('-') ? '' : '+'}${t} ± ${m.stderr.toFixed(2)}`;
  };
  return [
    `Paired differences against \`${refs.join('`, `')}\` on the same draws: mean ± standard error of the per-image difference (run - reference), and the share of images on which the run is better:`,
    '',
    '| run | reference | S | images | Δ PSNR | Δ object PSNR | Δ edge PSNR | run better on |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...paired.map((d) => `| ${d.run} | ${d.reference} | ${d.support} | ${d.images} | **${signed(d.psnr)}** | ${signed(d.objectPsnr)} | ${signed(d.edgePsnr)} | ${(100 * d.wins).toFixed(0)}% |`),
  ].join('\n');
}

function stripOpts(o: SweepOptions): SweepSettings {
  return {
    supportCounts: o.supportCounts, draws: o.draws, split: o.split, objects: o.objects, seed: o.seed, checkpoint: o.checkpoint,
    ...(o.data ? { data: o.data } : {}), ...(o.reference !== undefined ? { reference: o.reference } : {}),
  };
}

const fmt = (m: MeanStdErr | undefined, digits: number): string =>
  m && Number.isFinite(m.mean) ? `${m.mean.toFixed(digits)} ± ${m.stderr.toFixed(digits)}` : 'n/a';

/** Markdown tables of the points: PSNR of the model and every baseline; object-pixel PSNR. */
export function sweepMarkdown(points: readonly SweepPoint[], opts: { runColumn?: boolean } = {}): string {
  const runCol = opts.runColumn ?? true;
  const present = BASELINES.filter((b) => points.some((p) => p.summary.baselines[b]));
  const head = (cols: string[]) => [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`];
  const lead = (p: SweepPoint) => [...(runCol ? [p.run] : []), String(p.support)];
  const leadCols = [...(runCol ? ['run'] : []), 'S'];
  const lines: string[] = [];
  lines.push('PSNR in dB over all pixels (mean ± standard error over images; the model\'s prediction unclamped), object-pixel PSNR, silhouette-edge PSNR (pixels within one pixel of the outline, where thin parts are) and SSIM of the model, and the PSNR of every baseline on the same draws:');
  lines.push('');
  lines.push(...head([...leadCols, 'PSNR', 'object PSNR', 'edge PSNR', 'SSIM', ...present.map((b) => METHOD_NAMES[b])]));
  for (const p of points) {
    const s = p.summary;
    lines.push(`| ${[...lead(p), `**${fmt(s.model.psnr, 2)}**`, fmt(s.model.objectPsnr, 2), fmt(s.model.edgePsnr, 2), fmt(s.model.ssim, 4), ...present.map((b) => fmt(s.baselines[b]?.psnr, 2))].join(' | ')} |`);
  }
  // one table per masked figure: the model beside every baseline
  const maskedTable = (caption: string, key: 'objectPsnr' | 'edgePsnr') => {
    lines.push('', caption, '', ...head([...leadCols, 'model', ...present.map((b) => METHOD_NAMES[b])]));
    for (const p of points) {
      const s = p.summary;
      lines.push(`| ${[...lead(p), fmt(s.model[key], 2), ...present.map((b) => fmt(s.baselines[b]?.[key], 2))].join(' | ')} |`);
    }
  };
  maskedTable('Object-pixel PSNR in dB (query alpha > 0), model and baselines:', 'objectPsnr');
  if (points.some((p) => Number.isFinite(p.summary.model.edgePsnr?.mean))) {
    maskedTable('Silhouette-edge PSNR in dB (pixels within one pixel of the query\'s outline, both sides: where thin legs are), model and baselines:', 'edgePsnr');
  }
  return lines.join('\n');
}

/** `sweep.csv`: one row per point; empty cells for baselines that were not computed. */
export function sweepCsv(result: SweepResult): string {
  const metrics = ['psnr', 'object_psnr', 'edge_psnr', 'ssim'] as const;
  const key: Record<(typeof metrics)[number], keyof ScoreSummary> = { psnr: 'psnr', object_psnr: 'objectPsnr', edge_psnr: 'edgePsnr', ssim: 'ssim' };
  const cols = ['run', 'series', 'dir', 'checkpoint', 'step', 'support', 'objects', 'draws', 'images'];
  for (const m of ['model', ...BASELINES]) for (const x of metrics) cols.push(`${m}_${x}`, `${m}_${x}_se`);
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = [cols.join(',')];
  for (const p of result.points) {
    const run = result.runs.find((r) => r.label === p.run)!;
    const s = p.summary;
    const cells: string[] = [p.run, p.series, run.dir, run.checkpoint.which, String(run.checkpoint.step), String(p.support), String(s.objects), String(s.draws), String(s.images)];
    for (const m of ['model', ...BASELINES] as const) {
      const sum = m === 'model' ? s.model : s.baselines[m];
      for (const x of metrics) {
        const v = sum?.[key[x]];
        cells.push(v && Number.isFinite(v.mean) ? String(v.mean) : '', v && Number.isFinite(v.stderr) ? String(v.stderr) : '');
      }
    }
    rows.push(cells.map(esc).join(','));
  }
  return rows.join('\n') + '\n';
}

const PALETTE = ['#4c78a8', '#e45756', '#54a24b', '#f58518', '#b279a2', '#72b7b2', '#eeca3b', '#9d755d'];
export const TRAIN_MEAN_SERIES = 'per-pixel training mean';
export const WRONG_OBJECT_SERIES = 'wrong-object control';

/**
 * The sweep plot: PSNR against support views, one line per series with ± s.e. error bars, the
 * per-pixel training mean dashed (one line per dataset; at a count evaluated by several runs of
 * one dataset its figure is the same on the same draws, so the first is drawn). With
 * `wrongObject` (for one series, e.g. a model card), its wrong-object control is drawn dotted.
 */
export function sweepPlotSpec(result: Pick<SweepResult, 'points' | 'runs'>, title = 'PSNR against support views', opts: { wrongObject?: boolean } = {}): TopLevelSpec {
  const rows: { series: string; kind: 'model' | 'baseline' | 'control'; S: number; psnr: number; lo: number; hi: number }[] = [];
  const datasets = [...new Set(result.runs.map((r) => `${r.data.root}|${r.data.category}`))];
  const baselineName = (run: SweepRunInfo) =>
    datasets.length === 1 ? TRAIN_MEAN_SERIES : `${TRAIN_MEAN_SERIES} (${path.basename(path.resolve(run.data.root))})`;
  const seenBaseline = new Set<string>();
  const series: string[] = [];
  for (const p of result.points) {
    const m = p.summary.model.psnr;
    if (!series.includes(p.series)) series.push(p.series);
    rows.push({ series: p.series, kind: 'model', S: p.support, psnr: m.mean, lo: m.mean - m.stderr, hi: m.mean + m.stderr });
    const wo = p.summary.baselines.wrongObject?.psnr;
    if (opts.wrongObject && wo) rows.push({ series: WRONG_OBJECT_SERIES, kind: 'control', S: p.support, psnr: wo.mean, lo: wo.mean - wo.stderr, hi: wo.mean + wo.stderr });
    const tm = p.summary.baselines.trainMean?.psnr;
    const run = result.runs.find((r) => r.label === p.run);
    if (tm && run) {
      const name = baselineName(run);
      if (!seenBaseline.has(`${name}|${p.support}`)) {
        seenBaseline.add(`${name}|${p.support}`);
        rows.push({ series: name, kind: 'baseline', S: p.support, psnr: tm.mean, lo: tm.mean - tm.stderr, hi: tm.mean + tm.stderr });
      }
    }
  }
  const baseNames = [...new Set(rows.filter((r) => r.kind === 'baseline').map((r) => r.series))];
  const control = rows.some((r) => r.kind === 'control') ? [WRONG_OBJECT_SERIES] : [];
  const domain = [...series, ...control, ...baseNames];
  const range = [...series.map((_, i) => PALETTE[i % PALETTE.length]!), ...control.map(() => '#e45756'), ...baseNames.map((_, i) => (i === 0 ? '#888888' : '#bbbbbb'))];
  const xs = rows.map((r) => r.S);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  rows.sort((a, b) => a.S - b.S);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    width: 420,
    height: 280,
    data: { values: rows },
    encoding: {
      x: {
        field: 'S', type: 'quantitative', title: 'support views',
        scale: { domain: [lo - 0.25, hi + 0.25], nice: false, zero: false },
        axis: { values: Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), format: 'd' },
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain, range }, legend: { orient: 'bottom', columns: 2, labelLimit: 360 } },
    },
    layer: [
      {
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
        encoding: {
          y: { field: 'psnr', type: 'quantitative', title: 'PSNR (dB)', scale: { zero: false } },
          strokeDash: { field: 'kind', type: 'nominal', scale: { domain: ['model', 'baseline', 'control'], range: [[1, 0], [6, 4], [2, 3]] }, legend: null },
        },
      },
      {
        transform: [{ filter: "datum.kind === 'model'" }],
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
    ],
  } as TopLevelSpec;
}

/** Writes `sweep.json`, `sweep.csv`, `sweep.md` and `sweep.png` into `out`; returns their paths. */
export async function writeSweep(out: string, result: SweepResult, title?: string): Promise<{ json: string; csv: string; md: string; png: string }> {
  const files = { json: path.join(out, 'sweep.json'), csv: path.join(out, 'sweep.csv'), md: path.join(out, 'sweep.md'), png: path.join(out, 'sweep.png') };
  writeJsonAtomic(files.json, result);
  writeFileAtomic(files.csv, sweepCsv(result));
  const s = result.settings;
  const objects = [...new Set(result.runs.map((r) => r.objectIds.length))].join('/');
  const md = [
    `# Support-view sweep`,
    '',
    `Split \`${s.split}\`, ${objects} objects x ${s.draws} draws per support count, seed ${s.seed} (method.md section 3).`,
    '',
    '| run | folder | checkpoint |',
    '| --- | --- | --- |',
    ...result.runs.map((r) => `| ${r.label} | \`${r.dir}\` | ${r.checkpoint.which}, step ${r.checkpoint.step} |`),
    '',
    sweepMarkdown(result.points),
    '',
    ...(result.paired?.length ? [pairedMarkdown(result.paired), ''] : []),
    '![PSNR against support views](sweep.png)',
    '',
  ].join('\n');
  writeFileAtomic(files.md, md);
  writeFileAtomic(files.png, await vegaLiteToPng(sweepPlotSpec(result, title)));
  return files;
}
