/**
 * `lfkit sweep --train`: the paper's protocol (method.md section 6), one model per support
 * count, trained into `OUT/runs/s<S>` one after the other, resumably:
 *
 * - a finished run (its last checkpoint reached `train.steps`, or the `minutes` budget) is
 *   skipped;
 * - an interrupted one (a run folder that is not finished) is resumed (`train({resume})`, which
 *   repeats exactly the steps an uninterrupted run takes);
 * - a missing one is created.
 *
 * Aborting `signal` stops the current run after its step (with a checkpoint) and skips the rest.
 */
import path from 'node:path';
import type { Dataset } from '../../core/data/types.ts';
import type { LfkitConfig } from '../../core/model/config.ts';
import { findCheckpointDir, readLoopState } from '../runs/run-folder.ts';
import { modelEngines } from '../training/model-engine.ts';
import { isRunFolder, runPaths, type RunData } from '../runs/run-folder.ts';
import { train, type TrainResult } from '../training/train.ts';

export interface TrainSweepOptions {
  out: string;
  supportCounts: number[];
  /** The resolved config of the run for count S (`resume`: the run folder exists). */
  configFor: (S: number, runDir: string, resume: boolean) => LfkitConfig;
  dataset: Dataset;
  data: RunData;
  /** Training-time budget per model, in minutes. */
  minutes?: number;
  signal?: AbortSignal;
  quiet?: boolean;
  log?: (line: string) => void;
  command?: string;
  checkpointEvery?: number;
  valEvery?: number;
  valObjects?: number;
  logEvery?: number;
}

export interface TrainSweepRun {
  support: number;
  dir: string;
  status: 'skipped' | 'created' | 'resumed' | 'not started';
  result: TrainResult | null;
}

/** The run folder of count S. */
export function sweepRunDir(out: string, S: number): string {
  return path.join(out, 'runs', `s${S}`);
}

/** True when the run in `dir` reached its step count or the time budget. */
export function isRunFinished(dir: string, steps: number, minutes?: number): boolean {
  const ckpt = findCheckpointDir(runPaths(dir).lastCheckpoint);
  if (!ckpt) return false;
  const state = readLoopState(ckpt);
  return state.step >= steps || (minutes !== undefined && state.time >= minutes * 60);
}

/** Trains one model per support count (module header). */
export async function trainSweep(opts: TrainSweepOptions): Promise<{ runs: TrainSweepRun[]; interrupted: boolean }> {
  const runs: TrainSweepRun[] = [];
  let interrupted = false;
  for (const S of opts.supportCounts) {
    const dir = sweepRunDir(opts.out, S);
    if (interrupted || opts.signal?.aborted) {
      interrupted = true;
      runs.push({ support: S, dir, status: 'not started', result: null });
      continue;
    }
    const exists = isRunFolder(dir);
    const config = opts.configFor(S, dir, exists);
    if (exists && isRunFinished(dir, config.train.steps, opts.minutes)) {
      opts.log?.(`${dir}: finished, skipped`);
      runs.push({ support: S, dir, status: 'skipped', result: null });
      continue;
    }
    opts.log?.(`${dir}: ${exists ? 'resuming' : 'training'} the ${S}-view model`);
    const result = await train({
      runDir: dir, dataset: opts.dataset, data: opts.data, config, engines: modelEngines, resume: exists,
      minutes: opts.minutes, signal: opts.signal, quiet: opts.quiet, command: opts.command,
      checkpointEvery: opts.checkpointEvery, valEvery: opts.valEvery, valObjects: opts.valObjects, logEvery: opts.logEvery,
    });
    runs.push({ support: S, dir, status: exists ? 'resumed' : 'created', result });
    if (result.reason === 'interrupted') interrupted = true;
  }
  return { runs, interrupted };
}
