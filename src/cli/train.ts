/**
 * `lfkit train`: train (or resume) a run folder. Options only; the loop is `train()` in
 * src/train/train.ts with lfkit's model (`modelEngines`, or data-parallel over `--workers`
 * threads: `src/node/parallel/engine.ts`).
 */
import os from 'node:os';
import { Option, type Command } from 'commander';
import { openDataset } from '../node/io/open-dataset.ts';
import { ConfigError, countParameters, resolveConfig, type LfkitConfig } from '../core/model/index.ts';
import { useBackend } from './backend.ts';
import { parallelModelEngines } from '../node/parallel/engine.ts';
import { usefulThreads } from '../node/parallel/synth.ts';
import { readCheckpointConfig } from '../node/runs/checkpoint.ts';
import { findCheckpointDir } from '../node/runs/run-folder.ts';
import { readRunInfo, RunError } from '../node/runs/run-folder.ts';
import { DEFAULT_VAL_OBJECTS, train } from '../node/training/train.ts';
import { UserError } from './errors.ts';
import { interruptOnSignals } from './signals.ts';
import {
  backendOption, collect, commanderParser, floatOption, intOption, jsonOption, parseIntFlag, parseSetPairs, supportOption, userErrors,
} from './options.ts';

/** The training flags `lfkit train` shares with `lfkit sweep --train`. */
export interface TrainingFlags {
  data?: string;
  category?: string;
  preset?: string;
  variant?: string;
  steps?: number;
  minutes?: number;
  batch?: number;
  rays?: number;
  lr?: number;
  set: string[];
  checkpointEvery: number;
  valEvery: number;
  valObjects: number;
  logEvery: number;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

interface TrainFlags extends TrainingFlags {
  support?: number[];
  out: string;
  resume?: boolean;
  init?: string;
  force?: boolean;
  seed?: number;
  /** Threads for data-parallel training (the CLI defaults it to the core count). */
  workers?: number;
}

/** The stored config as dotted overrides (so a resumed run keeps its own `--set`s). */
function flatten(config: LfkitConfig): Record<string, string | number | boolean | number[]> {
  const out: Record<string, string | number | boolean | number[]> = {};
  for (const sec of ['model', 'train'] as const) {
    for (const [k, v] of Object.entries(config[sec])) out[`${sec}.${k}`] = v === null ? 'null' : (v as string | number | boolean | number[]);
  }
  return out;
}

/** Resolves the config of `lfkit train` from its flags (and, with --resume, the run's config.json). */
export function trainConfigFromFlags(flags: TrainFlags): { config: LfkitConfig; data: { root: string; category: string | null } } {
  const over: Record<string, string | number | boolean | number[]> = {};
  let preset = flags.preset;
  let root = flags.data;
  let category = flags.category ?? null;
  if (flags.resume) {
    let info;
    try {
      info = readRunInfo<LfkitConfig>(flags.out, '--out');
    } catch (err) {
      if (err instanceof RunError) throw new UserError(err.message);
      throw err;
    }
    preset ??= info.config.preset;
    root ??= info.data.root;
    category ??= info.data.category;
    Object.assign(over, flatten(info.config));
  }
  if (flags.init) {
    if (flags.resume) throw new UserError('--init: only for a new run (a resumed run continues from its own checkpoint)');
    const dir = findCheckpointDir(flags.init);
    if (!dir) throw new UserError(`--init: ${flags.init} is not a checkpoint folder (no loop-state.json); pass e.g. RUN/checkpoints/last`);
    let ck: LfkitConfig;
    try {
      ck = readCheckpointConfig(dir);
    } catch (err) {
      throw new UserError(`--init: ${(err as Error).message}`);
    }
    // the model is the checkpoint's; training settings come from the preset and the flags
    preset ??= ck.preset;
    for (const [k, v] of Object.entries(flatten(ck))) if (k.startsWith('model.')) over[k] = v;
  }
  if (!preset) throw new UserError('--preset: required for a new run (cpu or paper)');
  if (!root) throw new UserError('--data: required for a new run (the dataset folder)');
  if (flags.variant) over['model.variant'] = flags.variant;
  if (flags.support) over['train.support'] = flags.support;
  if (flags.steps !== undefined) over['train.steps'] = flags.steps;
  if (flags.batch !== undefined) over['train.batch'] = flags.batch;
  if (flags.rays !== undefined) over['train.rays'] = flags.rays;
  if (flags.lr !== undefined) over['train.lr'] = flags.lr;
  if (flags.seed !== undefined) over['train.seed'] = flags.seed;
  const sets = parseSetPairs(flags.set);
  for (const [k, v] of Object.entries(sets)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) throw new UserError(`--set: ${k}: expected a number, string or list`);
    over[k] = v as string | number | boolean | number[];
  }
  let config: LfkitConfig;
  try {
    config = resolveConfig(preset, over) as LfkitConfig;
  } catch (err) {
    if (err instanceof ConfigError) {
      const fromSet = Object.keys(sets).some((k) => err.message.includes(`'${k}'`) || err.message.startsWith(`${k}:`));
      throw new UserError(`${fromSet ? '--set: ' : ''}${err.message}`);
    }
    throw err;
  }
  return { config, data: { root, category } };
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a model on a dataset into a run folder (or --resume one)')
    .addOption(new Option('--data <root>', 'dataset folder (learnit, SRN or transforms.json objects)'))
    .addOption(new Option('--category <name>', 'category, e.g. chairs'))
    .addOption(new Option('--preset <name>', 'model and training preset').choices(['cpu', 'paper']))
    .addOption(new Option('--variant <name>', 'decoder variant (method.md section 5)').choices(['full', 'no-sta', 'no-mfm', 'ipc']))
    .addOption(supportOption('support views per episode; a range or list draws the count per batch'))
    .requiredOption('--out <dir>', 'run folder (e.g. runs/chairs)')
    .addOption(intOption('--steps <n>', 'total training steps (also the schedule length)', 1))
    .addOption(floatOption('--minutes <m>', 'training-time budget in minutes, summed over resumed sessions', 0))
    .addOption(intOption('--batch <b>', 'objects per step', 1))
    .addOption(intOption('--rays <k>', 'query rays per object', 1))
    .addOption(floatOption('--lr <x>', 'peak learning rate', 0))
    .option('--set <key=value>', 'override any config field, e.g. model.originScale=0.55 (repeatable)', collect, [])
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--init <checkpoint>', 'start a new run from this checkpoint\'s weights and Adam state (e.g. RUN/checkpoints/last) instead of a fresh initialisation; the model config is the checkpoint\'s, the step count and schedule start at 0. With --set model.decoderWidth=W (wider than the checkpoint\'s; variants full and no-mfm) the decoder is widened without changing what it computes: the new units start with zero outgoing weights. With --set model.latentTokens=R (a multiple of the checkpoint\'s; full and no-mfm) each latent token is copied, with a little noise: the decoder computes the same colours from the copies, the encoder (where copies weigh more) nearly the same')
    .option('--force', 'overwrite an existing run folder')
    .addOption(new Option('--seed <n>', 'random seed (initialisation and data)').argParser(commanderParser((v) => parseIntFlag(v, '--seed', 0, 2 ** 32 - 1))))
    .addOption(backendOption())
    .addOption(intOption('--checkpoint-every <n>', 'steps between checkpoints', 1).default(250))
    .addOption(intOption('--val-every <n>', 'steps between validations', 1).default(250))
    .addOption(intOption('--val-objects <n>', 'val objects per validation, 2 draws each (checkpoints/best is chosen on these)', 0).default(DEFAULT_VAL_OBJECTS))
    .addOption(intOption('--log-every <n>', 'steps per metrics.jsonl record', 1).default(10))
    .addOption(intOption('--workers <n>', 'threads for data-parallel training (main thread + n - 1 workers, each with its own backend); 1 = single thread', 1).default(os.availableParallelism()))
    .option('--quiet', 'no progress bar')
    .addOption(jsonOption())
    .action(userErrors(async (flags: TrainFlags) => {
      const { config, data } = trainConfigFromFlags(flags);
      const backend = await useBackend(flags.backend);
      const threads = Math.min(usefulThreads(flags.workers ?? 1), config.train.batch);
      const dataset = await openDataset(data.root, { category: data.category ?? undefined, size: config.model.imageSize });
      if (!flags.quiet && !flags.json) {
        const t = config.train;
        process.stderr.write(`lfkit: ${flags.resume ? 'resuming' : 'training'} ${flags.out}: preset ${config.preset}, variant ${config.model.variant}, ` +
          `${countParameters(config.model).toLocaleString('en-US')} parameters, ${dataset.ids('train').length} training objects at ${config.model.imageSize}px, ` +
          `batch ${t.batch}, support ${t.support.join(',')}, ${t.rays} rays, ${t.steps} steps${flags.minutes !== undefined ? ` or ${flags.minutes} min` : ''}, ` +
          `${threads} thread${threads > 1 ? 's' : ''}\n`);
      }
      const stop = interruptOnSignals();
      try {
        const res = await train({
          runDir: flags.out, dataset, data: { ...data, size: config.model.imageSize }, config, engines: parallelModelEngines(threads),
          resume: flags.resume, init: flags.init, force: flags.force, minutes: flags.minutes, signal: stop.signal, quiet: flags.quiet || flags.json,
          checkpointEvery: flags.checkpointEvery, valEvery: flags.valEvery, valObjects: flags.valObjects, logEvery: flags.logEvery,
          command: ['lfkit', ...process.argv.slice(2)].join(' '),
        });
        if (flags.json) process.stdout.write(JSON.stringify({ ...res, backend, workers: threads }, null, 2) + '\n');
        else {
          const best = res.bestVal !== null ? `, best val PSNR ${res.bestVal.toFixed(2)} dB at step ${res.bestStep}` : '';
          process.stdout.write(`lfkit: ${res.reason === 'interrupted' ? 'interrupted' : 'stopped'} at step ${res.step} (${res.reason}), ` +
            `${(res.time / 60).toFixed(1)} min of training${best}; checkpoint in ${flags.out}/checkpoints/last\n`);
        }
        const code = stop.exitCode();
        if (code !== null) process.exitCode = code;
      } finally {
        stop.release();
      }
    }, { ConfigError: '--set' }));
}
