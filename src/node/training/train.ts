/**
 * The training loop: run folder in, checkpoints and metrics out (issue 5, `lfkit train`).
 *
 * - A new run writes `config.json` before step 0; a run folder is never overwritten without
 *   `force`; `resume` continues from `checkpoints/last` (or from step 0 when none was saved).
 * - Every step: the step's plan (`planStep`, a pure function of seed and step), its batch from
 *   the in-memory cache (the next step's objects are prefetched while this one computes), one
 *   optimiser step. A resumed run therefore repeats exactly the steps an uninterrupted run takes:
 *   the data depends only on the step, and the engine's checkpoint holds the weights, the
 *   optimiser and the model's RNG.
 * - Every `logEvery` steps a `train` record (mean loss and its PSNR over the window, learning
 *   rate, samples/s) goes to `metrics.jsonl`; every `valEvery` steps a `val` record: mean PSNR
 *   of full query images of a few val objects on fixed draws (at the middle support count).
 * - Checkpoints every `checkpointEvery` steps and at the end into `checkpoints/last`; the best
 *   validation PSNR so far into `checkpoints/best`.
 * - Stops at `train.steps` steps, at the time budget (`minutes`, training time summed over
 *   resumed sessions) or when `signal` aborts (SIGINT/SIGTERM in the CLI): it then saves a
 *   checkpoint and returns normally.
 */
import path from 'node:path';
import type { Dataset, PosedObject } from '../../core/data/types.ts';
import { evaluateObject } from '../../core/analysis/evaluate.ts';
import { meanStdErr } from '../../core/metrics/metrics.ts';
import { writeJsonAtomic } from '../io/fs.ts';
import { Progress } from '../io/progress.ts';
import { cameraRanges, type Camera } from '../../core/rays/index.ts';
import { batchForStep, ObjectCache, planStep } from './data.ts';
import { saveCheckpointDir, type EngineFactory, type TrainEngine } from './engine.ts';
import { findCheckpointDir, readLoopState, type LoopState } from '../runs/run-folder.ts';
import {
  appendMetrics, assertCanCreateRun, createRunFolder, isRunFolder, readRunInfo, RunError, runPaths, truncateMetricsAfter, type RunData, type RunInfo, type RunInit,
} from '../runs/run-folder.ts';

/** Objects whose cameras give a run's recorded camera band: up to this many, spread over the train split. */
const CAMERA_SAMPLE_OBJECTS = 40;

/** The cameras of up to `CAMERA_SAMPLE_OBJECTS` training objects (loaded into the cache training uses anyway). */
async function trainingCameraSample(cache: ObjectCache, ids: string[]): Promise<Camera[][]> {
  const n = Math.min(ids.length, CAMERA_SAMPLE_OBJECTS);
  const out: Camera[][] = [];
  for (let i = 0; i < n; i++) out.push((await cache.get(ids[Math.floor((i * ids.length) / n)]!)).cameras);
  return out;
}

/** The parts of the resolved config the loop reads (`LfkitConfig` satisfies it). */
export interface LoopConfig {
  model: { imageSize: number; originScale: number };
  train: { batch: number; support: number[]; rays: number; steps: number; foregroundFraction: number; foregroundEpochs?: number | null; edgeWeight?: number; seed: number };
}

export interface TrainOptions<C extends LoopConfig> {
  runDir: string;
  dataset: Dataset;
  /** Where the data came from (stored in `config.json` so eval/render need only the run). */
  data: RunData;
  config: C;
  engines: EngineFactory<C>;
  resume?: boolean;
  force?: boolean;
  /**
   * A new run starts from this checkpoint folder's weights and optimiser state instead of a fresh
   * initialisation (fine-tuning with another schedule, ray count, ...); its own step count,
   * schedule and time start at 0. Recorded in `config.json` as `init`.
   */
  init?: string;
  /** Training-time budget in minutes (summed over resumed sessions). */
  minutes?: number;
  checkpointEvery?: number;
  valEvery?: number;
  /** Val objects and draws per object for the periodic validation (defaults 10 and 2). */
  valObjects?: number;
  valDraws?: number;
  logEvery?: number;
  /** Aborting stops the loop after the current step, with a checkpoint. */
  signal?: AbortSignal;
  quiet?: boolean;
  /** The command line, recorded in config.json. */
  command?: string;
  /** Called with every metrics record (tests, JSON output). */
  onRecord?: (record: Record<string, unknown>) => void;
  /** Compares a resumed run's stored config with `config`: differences (fatal), or [] (default: JSON equality of model and train except train.steps). */
  compareConfig?: (stored: C, given: C) => string[];
}

export interface TrainResult {
  runDir: string;
  /** Steps completed. */
  step: number;
  startStep: number;
  reason: 'steps' | 'time' | 'interrupted';
  time: number;
  lastLoss: number | null;
  bestVal: number | null;
  bestStep: number | null;
}

function defaultCompare(stored: LoopConfig, given: LoopConfig): string[] {
  const out: string[] = [];
  for (const sec of ['model', 'train'] as const) {
    const a = stored[sec] as unknown as Record<string, unknown>, b = given[sec] as unknown as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (sec === 'train' && k === 'steps') continue;
      if (!(k in a)) continue; // a field newer than the run: the run used its default
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${sec}.${k}: ${JSON.stringify(a[k])} in the run vs ${JSON.stringify(b[k])} now`);
    }
  }
  return out;
}

/** The val support count: the middle of the trained counts. */
export function valSupportCount(support: readonly number[]): number {
  const s = [...support].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** Mean PSNR of full query images of the val objects on fixed draws. */
export async function validate(engine: TrainEngine, objects: readonly PosedObject[], support: number, draws: number, seed: number): Promise<number> {
  const scores: number[] = [];
  for (const obj of objects) {
    const S = Math.min(support, obj.views.length - 1);
    const rec = await evaluateObject(engine.synth, obj, null, S, { draws, seed, trainMean: null });
    for (const d of rec.draws) scores.push(d.model.psnr);
  }
  return meanStdErr(scores).mean;
}

/** Trains (or resumes) a run; see the module header. */
/** Val objects per periodic validation when none is given: 20 images (2 draws each); 8 once kept a checkpoint 0.33 dB worse. */
export const DEFAULT_VAL_OBJECTS = 10;

export async function train<C extends LoopConfig>(opts: TrainOptions<C>): Promise<TrainResult> {
  const paths = runPaths(opts.runDir);
  const config = opts.config;
  let engine: TrainEngine;
  let state: LoopState = { step: 0, time: 0, bestVal: null, bestStep: null };
  let ckpt: string | null = null;
  if (opts.resume) {
    const info = readRunInfo<C>(opts.runDir, '--out');
    const diffs = (opts.compareConfig ?? defaultCompare)(info.config, config);
    if (diffs.length) {
      throw new RunError(`${paths.config}: the run was created with another config; resuming it with this one would not continue it:\n  ${diffs.join('\n  ')}`);
    }
    if (info.data.size !== opts.data.size) throw new RunError(`${paths.config}: the run trained at ${info.data.size}px, not ${opts.data.size}px`);
    ckpt = findCheckpointDir(paths.lastCheckpoint);
    if (ckpt) state = readLoopState(ckpt);
    if (info.config.train.steps !== config.train.steps) {
      // extending (or shortening) a run is allowed: config.json records the new length
      writeJsonAtomic(paths.config, { ...info, config: { ...info.config, train: { ...info.config.train, steps: config.train.steps } } });
    }
    if (opts.init) throw new RunError('--init: only for a new run (a resumed run continues from its own checkpoint)');
  } else {
    assertCanCreateRun(opts.runDir, { force: opts.force, flag: '--out' });
  }
  let init: RunInit | undefined;
  let initDir: string | null = null;
  if (opts.init && !opts.resume) {
    initDir = findCheckpointDir(opts.init);
    if (!initDir) throw new RunError(`--init: ${opts.init} is not a checkpoint folder (no loop-state.json); pass e.g. RUN/checkpoints/last`);
    const st = readLoopState(initDir);
    init = { checkpoint: path.resolve(opts.init), step: st.step, time: st.time };
    // RUN/checkpoints/<name>: keep that run's command (and its own init) beside it
    const parent = path.dirname(path.dirname(path.resolve(initDir)));
    if (isRunFolder(parent)) {
      try {
        const pi = readRunInfo(parent);
        if (pi.command) init.command = pi.command;
        if (pi.init) init.init = pi.init;
      } catch {
        // an unreadable parent run: the checkpoint alone is recorded
      }
    }
  }

  const { batch: B, support, rays, steps: totalSteps, seed, foregroundFraction, foregroundEpochs, edgeWeight } = config.train;
  const { imageSize, originScale } = config.model;
  const trainIds = opts.dataset.ids('train');
  if (trainIds.length === 0) throw new RunError(`dataset ${opts.data.root}: the train split has no objects`);
  const cache = new ObjectCache(opts.dataset, imageSize);

  // Support counts larger than an object's training views fail at once, naming the flag.
  const first = await cache.get(trainIds[0]!);
  const maxS = Math.max(...support);
  if (maxS + 1 > first.cameras.length) {
    throw new RunError(`--support: ${maxS} support views + 1 query need ${maxS + 1} training views; objects of ${opts.data.root} have ${first.cameras.length}`);
  }
  if (opts.resume) {
    engine = ckpt ? await opts.engines.load(ckpt, config) : await opts.engines.create(config);
    truncateMetricsAfter(opts.runDir, state.step);
  } else {
    // the model first: a checkpoint that cannot start this run leaves no run folder behind
    engine = initDir ? await opts.engines.load(initDir, config, { init: true }) : await opts.engines.create(config);
    try {
      const cameras = cameraRanges((await trainingCameraSample(cache, trainIds)).flat());
      createRunFolder(opts.runDir, { config, data: opts.data, support: config.train.support, seed: config.train.seed, command: opts.command, ...(init ? { init } : {}), cameras }, { force: opts.force, flag: '--out' });
    } catch (err) {
      engine.dispose();
      throw err;
    }
  }

  let valIds: string[] = [];
  try {
    valIds = opts.dataset.ids('val').slice(0, opts.valObjects ?? DEFAULT_VAL_OBJECTS);
  } catch {
    valIds = [];
  }
  const valObjects = await Promise.all(valIds.map((id) => opts.dataset.loadObject(id)));
  const valS = valSupportCount(support);
  const valDraws = opts.valDraws ?? 2;
  const valEvery = opts.valEvery ?? 250;
  const ckptEvery = opts.checkpointEvery ?? 250;
  const logEvery = opts.logEvery ?? 10;
  const budget = opts.minutes !== undefined ? opts.minutes * 60 : Infinity;

  const record = (r: Record<string, unknown>) => {
    appendMetrics(opts.runDir, r);
    opts.onRecord?.(r);
  };
  const saveLast = async () => saveCheckpointDir(engine, paths.lastCheckpoint, state);
  const runVal = async () => {
    if (!valObjects.length) return;
    const t0 = performance.now();
    const v = await validate(engine, valObjects, valS, valDraws, seed);
    state.time += (performance.now() - t0) / 1000;
    record({ kind: 'val', step: state.step, time: state.time, psnr: v, support: valS, objects: valObjects.length, draws: valDraws });
    if (state.bestVal === null || v > state.bestVal) {
      state.bestVal = v;
      state.bestStep = state.step;
      await saveCheckpointDir(engine, paths.bestCheckpoint, state);
    }
  };

  const startStep = state.step;
  const bar = new Progress({ total: Math.max(0, totalSteps - startStep), label: 'train', unit: 'step', quiet: opts.quiet });
  let reason: TrainResult['reason'] = 'steps';
  let window: number[] = [];
  let windowStart = performance.now();
  let windowSteps = 0;
  let lastLoss: number | null = null;
  let lastLr = 0;
  let sinceCkpt = 0;

  let next = state.step < totalSteps ? planStep(seed, state.step, trainIds, B, support) : null;
  if (next) cache.prefetch(next.ids);
  try {
    while (state.step < totalSteps) {
      // Yield to the event loop once per step: signal handlers (SIGINT/SIGTERM) and the
      // prefetched objects' decode callbacks run here; the step itself is synchronous compute.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) { reason = 'interrupted'; break; }
      if (state.time >= budget) { reason = 'time'; break; }
      const t0 = performance.now();
      const plan = next!;
      const batch = await batchForStep(cache, plan, { rays, originScale, foregroundFraction, foregroundEpochs, edgeWeight: edgeWeight ?? 0 });
      next = state.step + 1 < totalSteps ? planStep(seed, state.step + 1, trainIds, B, support) : null;
      if (next) cache.prefetch(next.ids); // decoded on libuv threads while this step computes
      const { loss, lr } = await engine.step(batch, state.step);
      if (!Number.isFinite(loss)) throw new Error(`step ${state.step}: loss is ${loss} (diverged); lower --lr or check the data`);
      state.step++;
      state.time += (performance.now() - t0) / 1000;
      window.push(loss);
      windowSteps++;
      lastLoss = loss;
      lastLr = lr;
      sinceCkpt++;
      const stepSec = (performance.now() - t0) / 1000;
      bar.tick(1, { loss, psnr: -10 * Math.log10(loss), 'samples/s': B / stepSec, S: String(plan.S) });
      if (state.step % logEvery === 0 || state.step === totalSteps) {
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        const el = (performance.now() - windowStart) / 1000;
        record({ kind: 'train', step: state.step, time: state.time, loss: mean, psnr: -10 * Math.log10(mean), lr: lastLr, samplesPerSec: (windowSteps * B) / el });
        window = [];
        windowSteps = 0;
        windowStart = performance.now();
      }
      if (state.step % valEvery === 0) await runVal();
      if (state.step % ckptEvery === 0) {
        await saveLast();
        sinceCkpt = 0;
      }
    }
    if (state.step >= totalSteps) reason = 'steps';
    // final validation (unless this step was just validated) and checkpoint
    if (reason === 'steps' && state.step % valEvery !== 0 && state.step > startStep) await runVal();
    if (sinceCkpt > 0 || !findCheckpointDir(paths.lastCheckpoint)) await saveLast();
  } finally {
    bar.finish();
    engine.dispose();
  }
  return { runDir: opts.runDir, step: state.step, startStep, reason, time: state.time, lastLoss, bestVal: state.bestVal, bestStep: state.bestStep };
}

export type { RunInfo };
