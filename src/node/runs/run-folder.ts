/**
 * A run folder describes itself (style.md item 7). Layout:
 *
 * ```
 * runs/NAME/
 *   config.json          written before step 0: { format: "lfkit-run", version, config, data, support, seed, ... }
 *   metrics.jsonl        one JSON object per line: { kind: "train" | "val", step, time, ... }
 *   checkpoints/last/    the latest checkpoint (src/node/checkpoint.ts layout)
 *   checkpoints/best/    the checkpoint with the best validation PSNR so far
 *   eval.json            evaluation results, merged per split and support count
 *   eval-partial.jsonl   per-object evaluation records, so an interrupted eval resumes
 *   train-mean.json      per-pixel mean of the training images (baseline), cached
 *   curves.png           `lfkit plot`
 * ```
 *
 * A run folder is never overwritten without `force`; a folder that is not an lfkit run is never
 * overwritten at all. Errors are `RunError`s naming the folder and the file at fault.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/fs.ts';
import type { CameraRanges } from '../../core/rays/index.ts';

export const RUN_FORMAT = 'lfkit-run';
export const RUN_VERSION = 1;

/** Bad run folder (missing, foreign, already there, mismatched). The message names the path. */
export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

/** Where the training data came from (so eval and render need only `--run`). */
export interface RunData {
  root: string;
  category: string | null;
  /** Image size the model was trained at (views resized to it). */
  size: number;
}

/** Contents of `config.json`. `config` is the resolved model + training config. */
export interface RunInfo<C = unknown> {
  format: typeof RUN_FORMAT;
  version: number;
  createdAt: string;
  config: C;
  data: RunData;
  /** Support-view counts drawn per batch during training. */
  support: number[];
  seed: number;
  /** The command line that created the run. */
  command?: string;
  /** The checkpoint a run started from (`lfkit train --init`). */
  init?: RunInit;
  /**
   * The band of training cameras (radius, field of view, elevation), measured on the training
   * views when the run was created; the viewer opens inside it. Absent in runs recorded before
   * it existed (`CLASSIC_CAMERA_RANGES` then applies).
   */
  cameras?: CameraRanges;
}

/**
 * Where a run started from (`lfkit train --init`): the checkpoint folder, its step and training
 * seconds, and, when the checkpoint sits in a run folder, that run's command and own `init`
 * (so a chain of fine-tunings stays reproducible).
 */
export interface RunInit {
  checkpoint: string;
  step: number;
  time: number;
  command?: string;
  init?: RunInit;
}

export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  eval: 'eval.json',
  evalPartial: 'eval-partial.jsonl',
  trainMean: 'train-mean.json',
  curves: 'curves.png',
  lastCheckpoint: path.join('checkpoints', 'last'),
  bestCheckpoint: path.join('checkpoints', 'best'),
} as const;

/** Paths of a run folder's files. */
export function runPaths(dir: string): { [K in keyof typeof RUN_FILES]: string } & { dir: string } {
  const out = { dir } as { [K in keyof typeof RUN_FILES]: string } & { dir: string };
  for (const [k, v] of Object.entries(RUN_FILES)) (out as Record<string, string>)[k] = path.join(dir, v);
  return out;
}

/** True when `dir/config.json` exists and says it is an lfkit run. */
export function isRunFolder(dir: string): boolean {
  try {
    const info = JSON.parse(readFileSync(path.join(dir, RUN_FILES.config), 'utf8'));
    return info?.format === RUN_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Reads a run folder's `config.json`. Missing folder, a folder that is not an lfkit run or a
 * malformed `config.json`: RunError naming it.
 */
export function readRunInfo<C = unknown>(dir: string, flag = '--run'): RunInfo<C> {
  if (!existsSync(dir)) throw new RunError(`${flag}: run folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new RunError(`${flag}: ${dir} is not a folder`);
  const file = path.join(dir, RUN_FILES.config);
  if (!existsSync(file)) throw new RunError(`${flag}: ${dir} is not an lfkit run folder (no ${RUN_FILES.config})`);
  let info: RunInfo<C>;
  try {
    info = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (info?.format !== RUN_FORMAT) {
    throw new RunError(`${flag}: ${dir} is not an lfkit run folder (${file} has no "format": "${RUN_FORMAT}")`);
  }
  if (typeof info.version !== 'number' || info.version > RUN_VERSION) {
    throw new RunError(`${file}: run format version ${info.version} is newer than this lfkit understands (${RUN_VERSION})`);
  }
  for (const k of ['config', 'data', 'support', 'seed'] as const) {
    if (info[k] === undefined) throw new RunError(`${file}: missing field "${k}"`);
  }
  return info;
}

/**
 * Checks that a new run may be written into `dir` (see `createRunFolder`); returns the entries
 * to delete (non-empty only with `force`).
 */
export function assertCanCreateRun(dir: string, opts: { force?: boolean; flag?: string } = {}): string[] {
  const flag = opts.flag ?? '--out';
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new RunError(`${flag}: ${dir} exists and is not a folder`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return [];
  if (!isRunFolder(dir)) {
    throw new RunError(`${flag}: ${dir} is not empty and is not an lfkit run folder; refusing to write into it`);
  }
  if (!opts.force) {
    throw new RunError(`${flag}: run folder ${dir} already exists; use --resume to continue it or --force to overwrite it`);
  }
  return entries;
}

/**
 * Prepares `dir` for a new run and writes `config.json` (before step 0).
 * - missing or empty folder: created;
 * - an lfkit run folder: RunError unless `force`, which empties it first;
 * - anything else non-empty: RunError, even with `force` (lfkit never deletes foreign files).
 */
export function createRunFolder<C>(dir: string, info: Omit<RunInfo<C>, 'format' | 'version' | 'createdAt'>, opts: { force?: boolean; flag?: string } = {}): RunInfo<C> {
  for (const e of assertCanCreateRun(dir, opts)) rmSync(path.join(dir, e), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const full: RunInfo<C> = { format: RUN_FORMAT, version: RUN_VERSION, createdAt: new Date().toISOString(), ...info };
  writeJsonAtomic(path.join(dir, RUN_FILES.config), full);
  return full;
}

/** Appends one record to `metrics.jsonl`. */
export function appendMetrics(dir: string, record: Record<string, unknown>): void {
  appendFileSync(path.join(dir, RUN_FILES.metrics), JSON.stringify(record) + '\n');
}

/** Reads `metrics.jsonl`, skipping a torn last line (a crash mid-append). */
export function readMetrics<T = Record<string, unknown>>(dir: string): T[] {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a torn line from an interrupted append: ignore
    }
  }
  return out;
}

/**
 * On resume from a checkpoint at `step`: drops metrics recorded after it (they belong to steps
 * that will be run again), so curves have no duplicates.
 */
export function truncateMetricsAfter(dir: string, step: number): void {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!existsSync(file)) return;
  const kept = readMetrics<{ step?: number }>(dir).filter((r) => typeof r.step !== 'number' || r.step <= step);
  if (kept.length === 0) {
    truncateSync(file, 0);
    return;
  }
  writeFileAtomic(file, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Reads a JSON file of the run, or `fallback` when it does not exist. */
export function readRunJson<T>(dir: string, name: string, fallback: T): T {
  const file = path.join(dir, name);
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new RunError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Differences between two JSON-like values as dotted paths (`model.d: 128 vs 64`). */
export function configDiff(a: unknown, b: unknown, prefix = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => configDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${prefix || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}

/** The loop's own state, stored next to the weights in every checkpoint. */
export interface LoopState {
  /** Steps completed. */
  step: number;
  /** Training seconds so far, summed over resumed sessions. */
  time: number;
  /** Best validation PSNR so far and its step (null before the first validation). */
  bestVal: number | null;
  bestStep: number | null;
}

/** File of a checkpoint folder holding the loop's state (`LoopState`). */
export const LOOP_STATE_FILE = 'loop-state.json';

/** The folder holding the checkpoint `dir` (or its `.old` copy after a crash mid-swap), or null. */
export function findCheckpointDir(dir: string): string | null {
  for (const d of [dir, `${dir}.old`]) if (existsSync(path.join(d, LOOP_STATE_FILE))) return d;
  return null;
}

/** Reads the loop state of a checkpoint folder. */
export function readLoopState(dir: string): LoopState {
  const file = path.join(dir, LOOP_STATE_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LoopState;
  } catch (err) {
    throw new Error(`${file}: cannot read the checkpoint's loop state (${(err as Error).message})`);
  }
}

/** `checkpoints/best` when it exists, else `checkpoints/last`; RunError when the run has none. */
export function runCheckpoint(runDir: string, which: 'best' | 'last' | 'auto' = 'auto'): { dir: string; which: 'best' | 'last'; state: LoopState } {
  const p = runPaths(runDir);
  const order: ('best' | 'last')[] = which === 'auto' ? ['best', 'last'] : [which];
  for (const w of order) {
    const d = findCheckpointDir(w === 'best' ? p.bestCheckpoint : p.lastCheckpoint);
    if (d) return { dir: d, which: w, state: readLoopState(d) };
  }
  throw new RunError(`--run: ${runDir} has no ${which === 'auto' ? '' : which + ' '}checkpoint yet (${path.join(runDir, 'checkpoints')}); train it first`);
}
