/**
 * `npm run demo` (`lfkit demo`): the bundled model on a few held-out test objects, no training.
 *
 * 1. Regenerates the first N test objects of the bundle's data recipe (`synth-chairs-64` for
 *    `models/lfkit-chairs-cpu`) by recipe into a cache folder: only those objects, byte-identical
 *    to the recipe's own (an object depends only on category, seed, split and index).
 * 2. Scores the model with the test protocol (docs/model.md#episodes-and-evaluation: seeded draws of S support +
 *    1 query view, full query images) at 1, 3 and 5 support views, beside the baselines known
 *    without the training set: all white, the support mean colour, the nearest support view, the
 *    wrong-object control, and the per-pixel training mean from the bundle's `train-mean.png`.
 * 3. Renders, per object, four held-out views from nested support sets (the first S of five
 *    views spread around the object) next to the ground truth (`views.png`), and a turntable of
 *    every object from 1, 3 and 5 views side by side (`turntable.webp`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PosedObject } from '../../core/data/types.ts';
import { evaluateSynthesizer, type EvalReport } from '../../core/analysis/evaluate.ts';
import { BASELINES } from '../../core/metrics/baselines.ts';
import { psnr } from '../../core/metrics/metrics.ts';
import sharp from 'sharp';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';
import { encodePng, writeAnimation } from '../io/images.ts';
import { Progress } from '../io/progress.ts';
import { cameraCenter, type Camera } from '../../core/rays/index.ts';
import { gridImage, type RgbImage } from '../../core/render/image-ops.ts';
import { renderCamera } from '../../core/render/render.ts';
import { heldOutViews, orbitCameras } from '../../core/render/views.ts';
import { METHOD_NAMES } from './sweep.ts';
import { DEFAULT_RENDER, proceduralId, splitsFileName, synthesizeProcedural } from './synth.ts';
import { RECIPES } from '../../../datasets/recipes.ts';
import { openRun, type LoadedRun } from '../runs/run.ts';
import { RunError, RUN_FILES } from '../runs/run-folder.ts';
import { readBundleTrainMean } from './bundle.ts';
import { bundleBlock } from '../runs/bundle.ts';

/** Where `npm run demo` looks for the model (`--run` or `LFKIT_DEMO_MODEL` override it). */
export const DEMO_MODEL_DIR = path.join('models', 'lfkit-chairs-cpu');
export const DEMO_RECIPE = 'synth-chairs-64';

export interface DemoOptions {
  model?: string;
  out?: string;
  /** Cache folder of the regenerated test objects (default `<out>/data`). */
  data?: string;
  objects?: number;
  supportCounts?: number[];
  /** Protocol draws per object and support count (default 4). */
  draws?: number;
  /** Turntable frames (default 24) and rendered size in pixels (default 64, the cpu model's; shown at >= 128). */
  frames?: number;
  size?: number;
  format?: 'webp' | 'gif';
  workers?: number;
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface DemoResult {
  model: string;
  checkpoint: { which: 'best' | 'last'; step: number };
  recipe: string;
  data: string;
  objects: string[];
  report: EvalReport;
  /** PSNR of each rendered held-out view against its ground truth, per support count. */
  views: { object: string; support: number[]; psnr: Record<string, number[]> }[];
  files: { views: string; turntable: string; json: string };
  /** Wall-clock seconds: total, and per phase (regenerating data, scoring, rendering). */
  seconds: number;
  phases: { data: number; score: number; render: number };
}

/** The error when the model folder is missing, saying how to get one. */
export function missingModelMessage(dir: string): string {
  return `--run: no model at ${dir}. The bundled model ships with the repository in ${DEMO_MODEL_DIR}/ ` +
    `(restore it with \`git checkout -- ${DEMO_MODEL_DIR}\`), or make your own and point --run (or LFKIT_DEMO_MODEL) at it:\n` +
    `  node bin/lfkit.mjs synth --recipe ${DEMO_RECIPE} --out data/${DEMO_RECIPE}\n` +
    `  node bin/lfkit.mjs train --data data/${DEMO_RECIPE} --category chairs --preset cpu --support 1-5 --out runs/chairs --minutes 45\n` +
    `  node bin/lfkit.mjs bundle --run runs/chairs --out ${DEMO_MODEL_DIR}`;
}

/** RunError (saying how to get one) when `dir` holds no model bundle or run. */
export function assertDemoModel(dir: string): void {
  if (!existsSync(path.join(dir, 'config.json'))) throw new RunError(missingModelMessage(dir));
}

/**
 * `count` views of an object spread around it: view 0, then each next view the one whose camera
 * is farthest from those already chosen. The first S of the list are the S-view support set, so
 * the sets are nested.
 */
export function spreadSupport(cameras: readonly Camera[], count: number): number[] {
  const c = cameras.map(cameraCenter);
  const chosen = [0];
  while (chosen.length < Math.min(count, cameras.length)) {
    let best = -1, bestD = -1;
    for (let i = 0; i < c.length; i++) {
      if (chosen.includes(i)) continue;
      const d = Math.min(...chosen.map((j) => (c[i]![0] - c[j]![0]) ** 2 + (c[i]![1] - c[j]![1]) ** 2 + (c[i]![2] - c[j]![2]) ** 2));
      if (d > bestD) { bestD = d; best = i; }
    }
    chosen.push(best);
  }
  return chosen;
}

/** Regenerates the first `n` test objects of a recipe into `root` (kept when already there). */
export async function ensureRecipeTestObjects(recipeName: string, n: number, root: string, opts: { workers?: number; log?: (l: string) => void } = {}): Promise<string[]> {
  const r = RECIPES[recipeName];
  if (!r) throw new RunError(`recipe '${recipeName}' is unknown (known: ${Object.keys(RECIPES).join(', ')})`);
  if (n > r.test) throw new RunError(`--objects: recipe ${recipeName} has ${r.test} test objects, asked for ${n}`);
  const ids = Array.from({ length: n }, (_, i) => proceduralId(r.category, r.seed, 'test', i, r.look));
  const splits = path.join(root, splitsFileName(r.category));
  let ok = false;
  try {
    const s = JSON.parse(readFileSync(splits, 'utf8'));
    ok = JSON.stringify(s.test) === JSON.stringify(ids) && ids.every((id) => existsSync(path.join(root, r.category, id, 'transforms.json')));
  } catch {
    ok = false;
  }
  if (!ok) {
    opts.log?.(`regenerating ${n} held-out test object${n === 1 ? '' : 's'} of ${recipeName} into ${root} (lfkit synth, ${r.views} views each) ...`);
    await synthesizeProcedural({
      ...DEFAULT_RENDER, category: r.category, train: 0, val: 0, test: n, seed: r.seed, views: r.views, size: r.size, fov: r.fov,
      spp: r.spp, elevationDeg: r.elevationDeg, out: root, workers: opts.workers ?? 2, quiet: true, ...(r.look ? { look: r.look } : {}),
    });
  }
  return ids;
}

/** The training-mean image of a bundle (`train-mean.png`) or a run (its cached `train-mean.json`), else null. */
async function knownTrainMean(run: LoadedRun): Promise<Float32Array | null> {
  const size = run.config.model.imageSize;
  if (bundleBlock(run.info)) return readBundleTrainMean(run.dir, size);
  try {
    const c = JSON.parse(readFileSync(path.join(run.dir, RUN_FILES.trainMean), 'utf8'));
    return Array.isArray(c.data) && c.data.length === size * size * 3 ? Float32Array.from(c.data) : null;
  } catch {
    return null;
  }
}

const escapeXml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * PNG of a `gridImage` (cells of `cell` px, 2 px padding) with a label left of each row and
 * headers above given columns (SVG text composited by sharp).
 */
export async function labelledGrid(grid: RgbImage, cell: number, rowLabels: readonly string[], headers: readonly { text: string; column: number }[], pad = 2): Promise<Buffer> {
  const left = 96, top = 22;
  const width = grid.width + left, height = grid.height + top;
  const texts = [
    ...rowLabels.map((t, r) => `<text x="${left - 8}" y="${top + pad + r * (cell + pad) + cell / 2 + 5}" text-anchor="end">${escapeXml(t)}</text>`),
    ...headers.map((h) => `<text x="${left + pad + h.column * (cell + pad)}" y="${top - 7}">${escapeXml(h.text)}</text>`),
  ];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="sans-serif" font-size="13" fill="#333">${texts.join('')}</g></svg>`;
  const base = await sharp(await encodePng(grid)).extend({ left, top, right: 0, bottom: 0, background: '#ffffff' }).png().toBuffer();
  return sharp(base).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
}

/** A compact table of a protocol report: one row per support count, the model and every baseline. */
export function demoTable(report: EvalReport): string {
  const present = BASELINES.filter((b) => report.results.some((r) => r.baselines[b]));
  const cols = ['views', 'model', ...present.map((b) => METHOD_NAMES[b])];
  const widths = cols.map((c) => Math.max(c.length, 13));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(6) : c.padStart(widths[i]!))).join('  ');
  const f = (m: { mean: number; stderr: number } | undefined) => (m && Number.isFinite(m.mean) ? `${m.mean.toFixed(2)} ± ${m.stderr.toFixed(2)}` : 'n/a');
  const lines = [row(cols.map((c, i) => (i === 0 ? 'views' : c)))];
  for (const r of report.results) lines.push(row([String(r.support), f(r.model.psnr), ...present.map((b) => f(r.baselines[b]?.psnr))]));
  return lines.join('\n');
}

/** Runs the demo (module header). */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const modelDir = opts.model ?? DEMO_MODEL_DIR;
  assertDemoModel(modelDir);
  const out = opts.out ?? 'demo-out';
  const counts = [...(opts.supportCounts ?? [1, 3, 5])].sort((a, b) => a - b);
  const maxS = counts.at(-1)!;
  const run = await openRun(modelDir);
  try {
    const block = bundleBlock(run.info);
    const recipe = block?.recipe ?? DEMO_RECIPE;
    const r = RECIPES[recipe]!;
    const root = opts.data ?? path.join(out, 'data');
    const tData = performance.now();
    const ids = await ensureRecipeTestObjects(recipe, opts.objects ?? 3, root, { workers: opts.workers, log });
    const tScore = performance.now();
    const ds = await run.openData({ root, category: r.category });
    const trainMean = await knownTrainMean(run);

    log(`scoring ${run.dir} (${run.checkpoint.which} checkpoint, step ${run.checkpoint.state.step}) on ${ids.length} test objects at ${counts.join(', ')} support views ...`);
    const draws = opts.draws ?? 4;
    const bar1 = new Progress({ total: counts.length * ids.length, label: 'score', unit: 'obj', quiet: opts.quiet });
    const report = await evaluateSynthesizer(run.synth, ds, {
      supportCounts: counts, draws, split: 'test', seed: 0, trainMean, onProgress: () => bar1.tick(),
    });
    if (process.stderr.isTTY) bar1.finish(); // elsewhere the last tick printed its line

    const tRender = performance.now();
    // renders: nested support sets, four held-out views with ground truth, and turntables
    const size = opts.size ?? 64;
    const frames = opts.frames ?? 24;
    const objects: PosedObject[] = [];
    for (const id of ids) objects.push(await ds.loadObject(id));
    const M = run.config.model.imageSize;
    const bar2 = new Progress({ total: objects.length * counts.length, label: 'render', unit: 'set', quiet: opts.quiet });
    const viewRows: (RgbImage | null)[][] = [];
    const rowLabels: string[] = [];
    const turntables: RgbImage[][][] = []; // [object][S][frame]
    const viewScores: DemoResult['views'] = [];
    for (const obj of objects) {
      const order = spreadSupport(obj.views.map((v) => v.camera), maxS);
      const targets = heldOutViews(obj.views.length, order, 4);
      const img = (i: number): RgbImage => ({ data: obj.views[i]!.image, width: M, height: M });
      const orbit = orbitCameras(frames, 20, 4, size, obj.views[0]!.camera);
      const scores: Record<string, number[]> = {};
      const perS: RgbImage[][] = [];
      for (const S of counts) {
        const sv = order.slice(0, S);
        const ctx = await run.synth.encode({ images: sv.map((i) => obj.views[i]!.image), cameras: sv.map((i) => obj.views[i]!.camera) });
        try {
          const preds: RgbImage[] = [];
          for (const t of targets) preds.push(await renderCamera(run.synth, ctx, obj.views[t]!.camera));
          scores[String(S)] = preds.map((p, k) => psnr(p.data, obj.views[targets[k]!]!.image));
          viewRows.push([...order.map((i, k) => (k < S ? img(i) : null)), ...preds]);
          rowLabels.push(`${S} view${S === 1 ? '' : 's'}`);
          const tt: RgbImage[] = [];
          for (const cam of orbit) tt.push(await renderCamera(run.synth, ctx, cam));
          perS.push(tt);
        } finally {
          run.synth.dispose(ctx);
        }
        bar2.tick();
      }
      viewRows.push([...order.map(() => null), ...targets.map(img)]); // ground truth
      rowLabels.push('ground truth');
      viewRows.push([]); // spacer between objects
      rowLabels.push('');
      turntables.push(perS);
      viewScores.push({ object: obj.id, support: order, psnr: scores });
    }
    if (process.stderr.isTTY) bar2.finish();
    viewRows.pop();
    rowLabels.pop();
    const files = {
      views: path.join(out, 'views.png'),
      turntable: path.join(out, `turntable.${opts.format ?? 'webp'}`),
      json: path.join(out, 'demo.json'),
    };
    const VIEW_CELL = 96;
    writeFileAtomic(files.views, await labelledGrid(gridImage(viewRows, VIEW_CELL), VIEW_CELL, rowLabels, [
      { text: 'support views', column: 0 }, { text: 'held-out views: predicted, then ground truth', column: maxS },
    ]));
    const animation: RgbImage[] = [];
    const cell = Math.max(size, 128); // small renders are shown enlarged (bilinear), not re-rendered
    for (let f = 0; f < frames; f++) animation.push(gridImage(turntables.map((perS) => perS.map((tt) => tt[f]!)), cell));
    await writeAnimation(files.turntable, animation, Math.round(4000 / frames));
    const result: DemoResult = {
      model: modelDir, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step }, recipe, data: root, objects: ids, report,
      views: viewScores, files, seconds: (performance.now() - t0) / 1000,
      phases: { data: (tScore - tData) / 1000, score: (tRender - tScore) / 1000, render: (performance.now() - tRender) / 1000 },
    };
    writeJsonAtomic(files.json, result);
    return result;
  } finally {
    run.dispose();
  }
}
