/**
 * The test protocol of method.md section 3, for any `ViewSynthesizer` on any `Dataset`:
 *
 * - For each support count S and each evaluated object, D seeded draws of S support + 1 query
 *   view from all of the object's views (`sampleEpisode(..., { split: 'test' })`). The draws of
 *   an object depend only on (seed, S, object id), so a subset of objects, another order or a
 *   resumed evaluation sees the same draws.
 * - The full query image is rendered; per image: PSNR over all pixels and channels of the
 *   unclamped prediction, PSNR over object pixels (query alpha > 0; without alpha, pixels with
 *   any channel < 1), SSIM on the clamped prediction.
 * - On the same draws, every baseline: all white, the support pixels' mean colour, the nearest
 *   support camera's image, the per-pixel training mean (when given), and the wrong-object
 *   control: the same synthesiser fed the support views (images and cameras) of the next
 *   evaluated object (cyclically), rendering this object's query camera.
 * - Reported per S: mean of the per-image figures and its standard error.
 *
 * Results are recorded per (S, object) through an optional `EvalStore`, so an interrupted
 * evaluation resumes where it stopped.
 */
import { sampleEpisode } from '../data/episodes.ts';
import type { Dataset, PosedObject, PosedView } from '../data/types.ts';
import { renderCamera, type ViewSynthesizer } from '../render/render.ts';
import { Rng } from '../util/rng.ts';
import { nearestSupportIndex, supportMeanImage, whiteImage, type BaselineName, BASELINES } from '../metrics/baselines.ts';
import { edgePsnr, maskedPsnr, meanStdErr, psnr, ssim, type MeanStdErr } from '../metrics/metrics.ts';

/** The per-image figures. */
export interface ImageScores {
  psnr: number;
  objectPsnr: number;
  /** PSNR on silhouette-edge pixels (`edgePsnr`); absent in records written before it existed. */
  edgePsnr?: number;
  ssim: number;
}

/** One draw of one object. */
export interface DrawRecord {
  draw: number;
  support: number[];
  query: number;
  model: ImageScores;
  baselines: Partial<Record<BaselineName, ImageScores>>;
}

/** All draws of one object at one support count. */
export interface ObjectRecord {
  object: string;
  support: number;
  /** Object whose support views fed the wrong-object control, or null. */
  wrongObject: string | null;
  draws: DrawRecord[];
}

/** Aggregated figures: mean and standard error over all images. */
export interface ScoreSummary {
  psnr: MeanStdErr;
  objectPsnr: MeanStdErr;
  /** Silhouette-edge PSNR; n = 0 (mean NaN) when every record predates it, absent in older summaries. */
  edgePsnr?: MeanStdErr;
  ssim: MeanStdErr;
}

/** One support count's result. */
export interface SupportSummary {
  support: number;
  objects: number;
  draws: number;
  images: number;
  model: ScoreSummary;
  baselines: Partial<Record<BaselineName, ScoreSummary>>;
}

/** Where per-object records are kept between runs (a run folder's `eval-partial.jsonl`). */
export interface EvalStore {
  get(support: number, object: string): ObjectRecord | undefined;
  put(record: ObjectRecord): void;
}

export interface EvalOptions {
  /** Support-view counts to evaluate, e.g. [1, 3, 5]. */
  supportCounts: number[];
  /** D: draws per object (default 10). */
  draws?: number;
  /** Dataset split (default `test`). */
  split?: string;
  /** Evaluate only the first N objects of the split. */
  objects?: number;
  seed?: number;
  /** Per-pixel mean of the training images `[H, W, 3]` at the evaluated size, or null to skip. */
  trainMean?: Float32Array | null;
  /** Run the wrong-object control (default true; needs at least two objects). */
  wrongObject?: boolean;
  store?: EvalStore;
  /** Called after each (S, object) with the counts done and total. */
  onProgress?: (done: number, total: number, record: ObjectRecord, cached: boolean) => void;
}

export interface EvalReport {
  split: string;
  draws: number;
  seed: number;
  objects: string[];
  results: SupportSummary[];
  /** The per-object records behind each of `results` (same order), for paired comparisons. */
  records?: ObjectRecord[][];
}

/** FNV-1a hash of a string, for per-(seed, S, object) draw streams. */
export function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The D draws of one object at one support count (pure). */
export function drawEpisodes(seed: number, support: number, objectId: string, numViews: number, draws: number): { support: number[]; query: number }[] {
  const rng = new Rng(hashSeed(`${seed}:${support}:${objectId}`));
  return Array.from({ length: draws }, () => {
    const e = sampleEpisode(rng, numViews, support, { split: 'test' });
    return { support: e.support, query: e.query[0]! };
  });
}

/** Object-pixel mask of a view: its alpha, or (no alpha) pixels with any channel < 1. */
export function objectMask(view: PosedView): Float32Array {
  if (view.alpha) return view.alpha;
  const n = view.image.length / 3;
  const m = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (view.image[p * 3]! < 1 || view.image[p * 3 + 1]! < 1 || view.image[p * 3 + 2]! < 1) m[p] = 1;
  }
  return m;
}

/** PSNR, object PSNR, edge PSNR and SSIM of a prediction against a view. */
export function scoreImage(pred: Float32Array, view: PosedView, mask: Float32Array, H: number, W: number): ImageScores {
  return {
    psnr: psnr(pred, view.image), objectPsnr: maskedPsnr(pred, view.image, mask), edgePsnr: edgePsnr(pred, view.image, mask, W, H),
    ssim: ssim(pred, view.image, H, W),
  };
}

function summarise(scores: ImageScores[]): ScoreSummary {
  return {
    psnr: meanStdErr(scores.map((s) => s.psnr)),
    objectPsnr: meanStdErr(scores.map((s) => s.objectPsnr)),
    edgePsnr: meanStdErr(scores.map((s) => s.edgePsnr ?? NaN)),
    ssim: meanStdErr(scores.map((s) => s.ssim)),
  };
}

/** Aggregates per-object records of one support count. */
export function summariseRecords(support: number, records: readonly ObjectRecord[]): SupportSummary {
  const draws = records.flatMap((r) => r.draws);
  const baselines: Partial<Record<BaselineName, ScoreSummary>> = {};
  for (const b of BASELINES) {
    const s = draws.map((d) => d.baselines[b]).filter((x): x is ImageScores => x !== undefined);
    if (s.length) baselines[b] = summarise(s);
  }
  return {
    support,
    objects: records.length,
    draws: records.length ? records[0]!.draws.length : 0,
    images: draws.length,
    model: summarise(draws.map((d) => d.model)),
    baselines,
  };
}

/**
 * Evaluates one object at one support count: D draws, the model and every baseline.
 * `other` feeds the wrong-object control (null: skipped).
 */
export async function evaluateObject<Ctx>(
  synth: ViewSynthesizer<Ctx>,
  obj: PosedObject,
  other: PosedObject | null,
  support: number,
  opts: { draws: number; seed: number; trainMean: Float32Array | null },
): Promise<ObjectRecord> {
  const { width: W, height: H } = obj;
  if (W !== synth.imageSize || H !== synth.imageSize) {
    throw new Error(`object ${obj.id}: views are ${W}x${H}, the model takes ${synth.imageSize}x${synth.imageSize}`);
  }
  if (support + 1 > obj.views.length) {
    throw new Error(`object ${obj.id}: ${support} support views + 1 query need ${support + 1} views, it has ${obj.views.length}`);
  }
  const white = whiteImage(H, W);
  const episodes = drawEpisodes(opts.seed, support, obj.id, obj.views.length, opts.draws);
  const draws: DrawRecord[] = [];
  for (let d = 0; d < episodes.length; d++) {
    const ep = episodes[d]!;
    const sv = ep.support.map((i) => obj.views[i]!);
    const q = obj.views[ep.query]!;
    const mask = objectMask(q);
    const ctx = await synth.encode({ images: sv.map((v) => v.image), cameras: sv.map((v) => v.camera) });
    let pred: Float32Array;
    try {
      pred = (await renderCamera(synth, ctx, q.camera)).data;
    } finally {
      synth.dispose(ctx);
    }
    const baselines: Partial<Record<BaselineName, ImageScores>> = {
      white: scoreImage(white, q, mask, H, W),
      supportMean: scoreImage(supportMeanImage(sv.map((v) => v.image), H, W), q, mask, H, W),
      nearestSupport: scoreImage(sv[nearestSupportIndex(sv.map((v) => v.camera), q.camera)]!.image, q, mask, H, W),
    };
    if (opts.trainMean) baselines.trainMean = scoreImage(opts.trainMean, q, mask, H, W);
    if (other) {
      // the same support indices of another object (its own images and cameras)
      const ov = ep.support.map((i) => other.views[i % other.views.length]!);
      const octx = await synth.encode({ images: ov.map((v) => v.image), cameras: ov.map((v) => v.camera) });
      try {
        baselines.wrongObject = scoreImage((await renderCamera(synth, octx, q.camera)).data, q, mask, H, W);
      } finally {
        synth.dispose(octx);
      }
    }
    draws.push({ draw: d, support: ep.support, query: ep.query, model: scoreImage(pred, q, mask, H, W), baselines });
  }
  return { object: obj.id, support, wrongObject: other?.id ?? null, draws };
}

/**
 * The whole protocol on a dataset split. Objects are loaded one at a time (plus the next one,
 * for the wrong-object control), so memory stays flat however many objects are evaluated.
 */
export async function evaluateSynthesizer<Ctx>(synth: ViewSynthesizer<Ctx>, dataset: Dataset, opts: EvalOptions): Promise<EvalReport> {
  const split = opts.split ?? 'test';
  const draws = opts.draws ?? 10;
  const seed = opts.seed ?? 0;
  let ids = dataset.ids(split);
  if (opts.objects !== undefined) ids = ids.slice(0, opts.objects);
  if (ids.length === 0) throw new Error(`split '${split}' has no objects`);
  const wrong = (opts.wrongObject ?? true) && ids.length > 1;
  const trainMean = opts.trainMean ?? null;
  const cache = new Map<string, PosedObject>();
  const load = async (id: string): Promise<PosedObject> => {
    let o = cache.get(id);
    if (!o) {
      o = await dataset.loadObject(id);
      cache.set(id, o);
      while (cache.size > 2) cache.delete(cache.keys().next().value!);
    }
    return o;
  };
  const counts = [...opts.supportCounts].sort((a, b) => a - b);
  const total = counts.length * ids.length;
  let done = 0;
  const results: SupportSummary[] = [];
  const recordsBySupport: ObjectRecord[][] = [];
  for (const S of counts) {
    const records: ObjectRecord[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const otherId = wrong ? ids[(i + 1) % ids.length]! : null;
      const cached = opts.store?.get(S, id);
      if (cached && cached.draws.length === draws && cached.wrongObject === otherId &&
          (trainMean === null || cached.draws.every((d) => d.baselines.trainMean))) {
        records.push(cached);
        opts.onProgress?.(++done, total, cached, true);
        continue;
      }
      const obj = await load(id);
      const other = otherId ? await load(otherId) : null;
      const rec = await evaluateObject(synth, obj, other, S, { draws, seed, trainMean });
      opts.store?.put(rec);
      records.push(rec);
      opts.onProgress?.(++done, total, rec, false);
    }
    results.push(summariseRecords(S, records));
    recordsBySupport.push(records);
  }
  return { split, draws, seed, objects: ids, results, records: recordsBySupport };
}

/** A plain-text table of an evaluation: one block per support count, model and baselines. */
export function formatEvalTable(report: EvalReport): string {
  const names: Record<string, string> = {
    model: 'model', white: 'all white', supportMean: 'support mean colour', nearestSupport: 'nearest support view',
    trainMean: 'per-pixel training mean', wrongObject: 'wrong-object control',
  };
  const f = (m: MeanStdErr | undefined, digits: number) => (m && Number.isFinite(m.mean) ? `${m.mean.toFixed(digits)} ± ${m.stderr.toFixed(digits)}` : 'n/a');
  const lines: string[] = [];
  lines.push(`split ${report.split}, ${report.objects.length} objects x ${report.draws} draws, seed ${report.seed}`);
  for (const r of report.results) {
    lines.push('');
    lines.push(`${r.support} support view${r.support === 1 ? '' : 's'} (${r.images} images)`);
    lines.push(`  ${'method'.padEnd(26)}${'PSNR (dB)'.padStart(16)}${'object PSNR'.padStart(16)}${'edge PSNR'.padStart(16)}${'SSIM'.padStart(18)}`);
    const row = (name: string, s: ScoreSummary) =>
      lines.push(`  ${names[name]!.padEnd(26)}${f(s.psnr, 2).padStart(16)}${f(s.objectPsnr, 2).padStart(16)}${f(s.edgePsnr, 2).padStart(16)}${f(s.ssim, 4).padStart(18)}`);
    row('model', r.model);
    for (const b of BASELINES) if (r.baselines[b]) row(b, r.baselines[b]!);
  }
  return lines.join('\n');
}
