/**
 * `lfkit synth`: writes a procedural (or mesh-based) dataset in the learnit ShapeNet format
 * (method.md section 2), loadable by `openDataset` with no change:
 *
 *   <out>/<category>/<id>/transforms.json    {"camera_angle_x", "frames": [{"file_path": "./r_000", "transform_matrix"}]}
 *   <out>/<category>/<id>/r_000.png ...      RGBA 8-bit, straight colour, alpha = coverage
 *   <out>/<singular>_splits.json             {"train": [ids], "val": [ids], "test": [ids]}
 *
 * Procedural object ids are `synth-<category>-s<seed>-<split>-<index, 5 digits>`, e.g.
 * `synth-chairs-s0-test-00007`: an object depends only on (generator version, category, seed,
 * split, index), so `--train 10` gives the first 10 objects of `--train 400` and the test
 * set does not change with the train count. Mesh ids come from the file names.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../io/fs.ts';
import { Progress } from '../io/progress.ts';
import { Rng } from '../../core/util/rng.ts';
import { OBJECT_RADIUS } from '../../../datasets/geometry.ts';
import { CAMERA_RADIUS, type ObjectJob, type ObjectResult } from '../../../datasets/job.ts';
import { MESH_EXTENSIONS, type UpAxis } from '../../../datasets/mesh-io.ts';
import { runJobs } from '../../../datasets/pool.ts';
import { DEFAULT_ELEVATION_DEG, DEFAULT_FOV, DEFAULT_SPP } from '../../../datasets/recipes.ts';
import { SYNTH_CATEGORIES, type SynthCategory } from '../../../datasets/shapes.ts';
import { LOOK_FAMILIES, type LookFamily } from '../../../datasets/looks.ts';

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** Bad synth options; the message names the option. */
export class SynthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthError';
  }
}

/** Render settings shared by procedural and mesh datasets. */
export interface RenderSettings {
  size: number;
  views: number;
  fov: number;
  spp: number;
  elevationDeg: [number, number];
}

export interface RunSettings {
  out: string;
  /** Worker threads (0 = this thread). */
  workers: number;
  quiet?: boolean;
  /** Where warnings go (default: stderr). */
  warn?: (message: string) => void;
}

export interface SynthSummary {
  root: string;
  category: string;
  splitsFile: string;
  splits: Record<SplitName, string[]>;
  objects: number;
  seconds: number;
  /** Mean wall-clock seconds per object (all workers together). */
  secondsPerObject: number;
  /** Meshes that could not be rendered (`--mesh-dir` skips them, with a warning); empty otherwise. */
  failed: { id: string; error: string }[];
}

export const DEFAULT_RENDER: Readonly<RenderSettings> = Object.freeze({
  size: 64, views: 50, fov: DEFAULT_FOV, spp: DEFAULT_SPP, elevationDeg: DEFAULT_ELEVATION_DEG,
});

/** The splits file name of a category folder: `chairs` -> `chair_splits.json` (learnit). */
export function splitsFileName(category: string): string {
  return `${category.endsWith('s') ? category.slice(0, -1) : category}_splits.json`;
}

/** Object id of a procedural object (`synth-chairs-broad-s0-test-00007` with a look family). */
export function proceduralId(category: string, seed: number, split: string, index: number, look?: LookFamily): string {
  return `synth-${category}${look ? `-${look}` : ''}-s${seed}-${split}-${String(index).padStart(5, '0')}`;
}

function checkRender(r: RenderSettings): void {
  if (!(Number.isInteger(r.size) && r.size >= 8 && r.size <= 1024)) throw new SynthError(`--size must be an integer in [8, 1024], got ${r.size}`);
  if (!(Number.isInteger(r.views) && r.views >= 1 && r.views <= 1000)) throw new SynthError(`--views must be an integer in [1, 1000], got ${r.views}`);
  if (!(r.fov > 0 && r.fov < Math.PI)) throw new SynthError(`--fov must be in (0, pi) radians, got ${r.fov}`);
  const k = Math.round(Math.sqrt(r.spp));
  if (!(k >= 1 && k * k === r.spp)) throw new SynthError(`--spp must be a perfect square (1, 4, 9, 16...), got ${r.spp}`);
  const [lo, hi] = r.elevationDeg;
  if (!(lo <= hi && lo >= -89 && hi <= 89)) throw new SynthError(`elevation range must satisfy -89 <= min <= max <= 89, got [${lo}, ${hi}]`);
}

function checkCategoryName(category: string): void {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(category)) {
    throw new SynthError(`--category '${category}' must be a folder name of letters, digits, '-' or '_'`);
  }
}

/**
 * Narrowest `camera_angle_x` that keeps the whole object sphere (radius 1.2, seen from
 * distance 4) inside a square image: `2 asin(1.2 / 4)`, about 0.609 rad.
 */
export const MIN_FULL_FRAME_FOV = 2 * Math.asin(OBJECT_RADIUS / CAMERA_RADIUS);

function warnNarrowFov(fov: number, run: RunSettings): void {
  if (fov < MIN_FULL_FRAME_FOV) {
    (run.warn ?? ((m: string) => process.stderr.write(`lfkit: warning: ${m}\n`)))(
      `--fov ${fov} is below ${MIN_FULL_FRAME_FOV.toFixed(4)}: parts of objects may fall outside the image`);
  }
}

/**
 * Runs the jobs with a progress bar, then writes the splits file. With `skipFailures`, an
 * object that fails is left out of the splits and reported (a folder of downloaded meshes
 * always holds a few broken ones); otherwise the first failure stops the run.
 */
async function execute(jobs: ObjectJob[], splits: Record<SplitName, string[]>, category: string, run: RunSettings, skipFailures = false): Promise<SynthSummary> {
  const t0 = performance.now();
  const progress = new Progress({ total: jobs.length, label: `synth ${category}`, unit: 'obj', quiet: run.quiet });
  const failed: { id: string; error: string }[] = [];
  await runJobs(jobs, {
    workers: run.workers,
    onResult: (r: ObjectResult) => progress.tick(1, { last: r.id }),
    onError: skipFailures ? (e) => { failed.push({ id: e.id, error: e.message }); progress.tick(1, { failed: failed.length }); } : undefined,
  });
  if (failed.length === jobs.length) {
    throw new SynthError(`every object failed; first: ${failed[0]!.id}: ${failed[0]!.error}`);
  }
  if (failed.length) {
    const bad = new Set(failed.map((f) => f.id));
    for (const k of SPLITS) splits[k] = splits[k].filter((id) => !bad.has(id));
    (run.warn ?? ((m: string) => process.stderr.write(`lfkit: warning: ${m}\n`)))(
      `skipped ${failed.length} of ${jobs.length} meshes that could not be rendered (left out of the splits): ` +
      failed.slice(0, 5).map((f) => `${f.id}: ${f.error}`).join('; ') + (failed.length > 5 ? '; ...' : ''));
  }
  if (process.stderr.isTTY) progress.finish(); // a TTY bar needs its newline; elsewhere the last tick printed it
  const splitsFile = path.join(run.out, splitsFileName(category));
  writeJsonAtomic(splitsFile, splits);
  const seconds = (performance.now() - t0) / 1000;
  return {
    root: run.out, category, splitsFile, splits, objects: jobs.length - failed.length, seconds,
    secondsPerObject: jobs.length ? seconds / jobs.length : 0, failed,
  };
}

export interface ProceduralOptions extends RenderSettings, RunSettings {
  category: SynthCategory;
  train: number;
  val: number;
  test: number;
  seed: number;
  /** Per-object looks (`looks.ts`; chairs only); they set the camera band, so `fov` and `elevationDeg` are unused. */
  look?: LookFamily;
}

/** The jobs of a procedural dataset (exposed for tests and the benchmark). */
export function proceduralJobs(o: ProceduralOptions): { jobs: ObjectJob[]; splits: Record<SplitName, string[]> } {
  if (!(SYNTH_CATEGORIES as readonly string[]).includes(o.category)) {
    throw new SynthError(`--category must be one of ${SYNTH_CATEGORIES.join(', ')} (got '${o.category}'); use --mesh/--mesh-dir for other objects`);
  }
  checkRender(o);
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 32)) throw new SynthError(`--seed must be an integer in [0, 2^32), got ${o.seed}`);
  if (o.look !== undefined && !(LOOK_FAMILIES as readonly string[]).includes(o.look)) throw new SynthError(`--look must be one of ${LOOK_FAMILIES.join(', ')}, got '${o.look}'`);
  if (o.look && o.category !== 'chairs') throw new SynthError(`--look: looks are defined for chairs only, not ${o.category}`);
  const splits = { train: [], val: [], test: [] } as Record<SplitName, string[]>;
  const jobs: ObjectJob[] = [];
  for (const split of SPLITS) {
    const n = o[split];
    if (!(Number.isInteger(n) && n >= 0 && n <= 99999)) throw new SynthError(`--${split} must be an integer in [0, 99999], got ${n}`);
    for (let i = 0; i < n; i++) {
      const id = proceduralId(o.category, o.seed, split, i, o.look);
      splits[split].push(id);
      jobs.push({
        id, dir: path.join(o.out, o.category, id),
        source: { kind: 'procedural', category: o.category, seed: o.seed, split, index: i, ...(o.look ? { look: o.look } : {}) },
        size: o.size, views: o.views, fov: o.fov, spp: o.spp, elevationDeg: o.elevationDeg,
      });
    }
  }
  if (jobs.length === 0) throw new SynthError('nothing to do: --train, --val and --test are all 0');
  return { jobs, splits };
}

/**
 * Generates a procedural dataset.
 *
 * @example await synthesizeProcedural({ category: 'chairs', out: 'data/synth', train: 400, val: 10, test: 50,
 *   seed: 0, workers: 2, ...DEFAULT_RENDER });
 */
export async function synthesizeProcedural(o: ProceduralOptions): Promise<SynthSummary> {
  const { jobs, splits } = proceduralJobs(o);
  warnNarrowFov(o.fov, o);
  return execute(jobs, splits, o.category, o);
}

export interface MeshDatasetOptions extends RenderSettings, RunSettings {
  /** Category folder name (default `objects`). */
  category: string;
  /** One mesh file, or a folder searched recursively for `.obj/.ply/.glb/.gltf`. */
  mesh?: string;
  meshDir?: string;
  up: UpAxis;
  seed: number;
  /** Split of a single `--mesh` (default `test`). */
  split?: SplitName;
  /** Split counts for `--mesh-dir`; unset: about 87% / 2% / 11% (the recipes' 400 / 10 / 50). */
  counts?: Partial<Record<SplitName, number>>;
}

/** Mesh files under a folder (recursive, sorted by relative path). */
export function findMeshFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if ((MESH_EXTENSIONS as readonly string[]).includes(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function sanitizeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'mesh';
}

/**
 * Ids for mesh files under `dir`: the first folder below `dir` when every file sits in its own
 * folder (ShapeNetCore: `<id>/models/model_normalized.obj` -> `<id>`), else the file's
 * relative path without extension (`/` -> `-`).
 */
export function meshIds(dir: string, files: string[]): string[] {
  const rel = files.map((f) => path.relative(dir, f));
  const first = rel.map((r) => r.split(path.sep));
  if (first.every((p) => p.length > 1) && new Set(first.map((p) => p[0])).size === files.length) {
    return first.map((p) => sanitizeId(p[0]!));
  }
  const ids = rel.map((r) => sanitizeId(r.slice(0, r.length - path.extname(r).length).split(path.sep).join('-')));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new SynthError(`--mesh-dir: two meshes map to the object id '${id}' (e.g. a.obj and a.ply); rename one`);
    seen.add(id);
  }
  return ids;
}

/** Default split counts of n meshes: ~11% test, ~2% val (at least 1 test when n >= 2), rest train. */
export function defaultMeshCounts(n: number): Record<SplitName, number> {
  const test = n >= 2 ? Math.max(1, Math.round(n * 0.11)) : 0;
  const val = n >= 10 ? Math.max(1, Math.round(n * 0.02)) : 0;
  return { train: n - test - val, val, test };
}

/** The jobs of a mesh dataset (one `--mesh` file or a `--mesh-dir`). */
export function meshJobs(o: MeshDatasetOptions): { jobs: ObjectJob[]; splits: Record<SplitName, string[]> } {
  checkRender(o);
  checkCategoryName(o.category);
  if (Boolean(o.mesh) === Boolean(o.meshDir)) throw new SynthError('give exactly one of --mesh FILE and --mesh-dir DIR');
  let files: string[], ids: string[];
  if (o.mesh) {
    if (!existsSync(o.mesh) || !statSync(o.mesh).isFile()) throw new SynthError(`--mesh: ${o.mesh}: no such file`);
    files = [o.mesh];
    ids = [sanitizeId(path.basename(o.mesh, path.extname(o.mesh)))];
  } else {
    const dir = o.meshDir!;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SynthError(`--mesh-dir: ${dir}: no such folder`);
    files = findMeshFiles(dir);
    if (files.length === 0) throw new SynthError(`--mesh-dir: ${dir}: no ${MESH_EXTENSIONS.join('/')} files found`);
    ids = meshIds(dir, files);
  }
  const splits = { train: [], val: [], test: [] } as Record<SplitName, string[]>;
  const splitOf = new Map<string, SplitName>();
  if (o.mesh) {
    splitOf.set(ids[0]!, o.split ?? 'test');
  } else {
    const def = defaultMeshCounts(files.length);
    const counts = { ...def, ...o.counts };
    const total = counts.train + counts.val + counts.test;
    if (total > files.length) throw new SynthError(`--train + --val + --test = ${total} exceeds the ${files.length} meshes in ${o.meshDir}`);
    // deterministic shuffle of the sorted ids by the seed, then cut into splits
    const order = new Rng(o.seed).shuffle([...ids].sort());
    let k = 0;
    for (const split of SPLITS) for (let i = 0; i < counts[split]; i++) splitOf.set(order[k++]!, split);
  }
  const jobs: ObjectJob[] = [];
  files.forEach((file, i) => {
    const id = ids[i]!;
    const split = splitOf.get(id);
    if (!split) return; // not drawn into any split
    jobs.push({
      id, dir: path.join(o.out, o.category, id),
      source: { kind: 'mesh', file: path.resolve(file), up: o.up, seed: o.seed, key: id },
      size: o.size, views: o.views, fov: o.fov, spp: o.spp, elevationDeg: o.elevationDeg,
    });
  });
  for (const j of [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) splits[splitOf.get(j.id)!].push(j.id);
  return { jobs, splits };
}

/** Renders users' meshes into a learnit dataset. */
export async function synthesizeMeshes(o: MeshDatasetOptions): Promise<SynthSummary> {
  const { jobs, splits } = meshJobs(o);
  warnNarrowFov(o.fov, o);
  return execute(jobs, splits, o.category, o, Boolean(o.meshDir));
}
