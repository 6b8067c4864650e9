/**
 * `lfkit locality` as a library call (Node): the paper's Figure 5 on a trained run, plus the
 * concentration figure over several objects.
 *
 * For each object (the one named, then further objects of the split until there are `objects`):
 * support views = `support` views spread over the object's views (`spreadViews`), query view =
 * `view` (default: the first held-out view), the same `tokens` token indices for every object
 * (`chooseTokens(R, tokens, seed)`, as the paper's Figure 12). Each token's row of Z is zeroed,
 * the query re-rendered, and `|difference|` (mean over channels) recorded (`tokenEffects`).
 *
 * Figure (`out`, PNG): one row per object: ground-truth query, the model's render (clamped),
 * then one map per token, each rescaled to max 1 and coloured with magma (black = no change).
 * Also writes `<out without .png>.json` with every figure.
 */
import type { PosedObject } from '../../core/data/types.ts';
import { meanStdErr, type MeanStdErr } from '../../core/metrics/metrics.ts';
import { writeJsonAtomic } from '../io/fs.ts';
import { writePng } from '../io/images.ts';
import { gridImage, type RgbImage } from '../../core/render/image-ops.ts';
import { fitSupport, RenderError } from '../../core/render/render.ts';
import { heldOutViews, spreadViews } from '../../core/render/views.ts';
import type { LoadedRun } from '../runs/run.ts';
import { chooseTokens, colormap, finiteMean, rescaleToMax, tokenEffects, type ColormapName } from '../../core/analysis/locality.ts';

export interface LocalityRunOptions {
  /** PNG file of the figure. */
  out: string;
  data?: { root?: string; category?: string };
  /** The object shown first (always included). */
  object: string;
  /** Support views per object (default 3). */
  support?: number;
  /** Tokens to zero (default 16; all R if more). */
  tokens?: number;
  /** Query view index (default: the first view not used as support). */
  view?: number;
  /** Objects averaged over (default 4): `object`, then others of `split` in order. */
  objects?: number;
  /** Split the further objects come from (default `test`). */
  split?: string;
  /** Seed of the token choice (default 0). */
  seed?: number;
  /** Share of pixels counted as the top (default 0.1). */
  fraction?: number;
  colormap?: ColormapName;
  /** Called after each object (progress). */
  onObject?: (id: string, done: number, total: number) => void;
}

export interface LocalityObjectResult {
  object: string;
  support: number[];
  view: number;
  /** Per token, in the order of `tokens`. */
  concentration: number[];
  /** Mean over the tokens. */
  meanConcentration: number;
  /** Per token: the largest |difference| before rescaling (how much the token matters at all). */
  maxDifference: number[];
}

export interface LocalityRunResult {
  run: string;
  checkpoint: { which: string; step: number };
  variant: string;
  latentTokens: number;
  tokens: number[];
  fraction: number;
  objects: LocalityObjectResult[];
  /** Mean over every (object, token) pair with a non-zero map. */
  concentration: number;
  /** Mean and standard error of the per-object means. */
  perObject: MeanStdErr;
  out: string;
  json: string;
}

/** Runs the analysis and writes the figure and its JSON (module header). */
export async function localityRun(run: LoadedRun, opts: LocalityRunOptions): Promise<LocalityRunResult> {
  const S = opts.support ?? 3;
  const K = opts.objects ?? 4;
  const fraction = opts.fraction ?? 0.1;
  const R = run.config.model.latentTokens;
  const tokens = chooseTokens(R, opts.tokens ?? 16, opts.seed ?? 0);
  const ds = await run.openData(opts.data);
  const split = opts.split ?? 'test';
  const ids = [opts.object, ...ds.ids(split).filter((id) => id !== opts.object)].slice(0, K);
  const rows: RgbImage[][] = [];
  const results: LocalityObjectResult[] = [];
  const all: number[] = [];
  for (const id of ids) {
    const obj: PosedObject = await ds.loadObject(id);
    const V = obj.views.length;
    if (S >= V) throw new RenderError(`--support: object ${id} has ${V} views; ${S} support views leave no query view`);
    const supportIdx = spreadViews(V, S);
    const view = opts.view ?? heldOutViews(V, supportIdx, 1)[0]!;
    if (view >= V) throw new RenderError(`--view: view ${view} does not exist; object ${id} has views 0..${V - 1}`);
    if (supportIdx.includes(view)) throw new RenderError(`--view: view ${view} is a support view (${supportIdx.join(',')}) of object ${id}; pick another`);
    const support = fitSupport(
      supportIdx.map((i) => ({ data: obj.views[i]!.image, width: obj.width, height: obj.height })),
      supportIdx.map((i) => obj.views[i]!.camera),
      run.config.model.imageSize,
      supportIdx.map((i) => `${id}/${obj.views[i]!.name}`),
    );
    const q = obj.views[view]!;
    const fx = tokenEffects(run.model, support, q.camera, tokens, { fraction });
    const size = { width: q.camera.width, height: q.camera.height };
    rows.push([
      { data: q.image, width: obj.width, height: obj.height },
      { data: fx.base.data.map((v) => Math.min(1, Math.max(0, v))), ...size },
      ...fx.maps.map((m) => ({ data: colormap(rescaleToMax(m), opts.colormap ?? 'magma'), ...size })),
    ]);
    all.push(...fx.concentration);
    results.push({
      object: id, support: supportIdx, view, concentration: fx.concentration, meanConcentration: finiteMean(fx.concentration),
      maxDifference: fx.maps.map((m) => m.reduce((a, b) => Math.max(a, b), 0)),
    });
    opts.onObject?.(id, results.length, ids.length);
  }
  const cell = Math.max(64, run.config.model.imageSize);
  await writePng(opts.out, gridImage(rows, cell));
  const json = opts.out.replace(/\.png$/i, '') + '.json';
  const result: LocalityRunResult = {
    run: run.dir, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step }, variant: run.config.model.variant,
    latentTokens: R, tokens, fraction, objects: results, concentration: finiteMean(all),
    perObject: meanStdErr(results.map((r) => r.meanConcentration)), out: opts.out, json,
  };
  writeJsonAtomic(json, result);
  return result;
}
