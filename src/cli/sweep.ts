/**
 * `lfkit sweep`: PSNR against the number of support views for one or more runs (Figure 4a of
 * the paper): `sweep.json`, `sweep.csv`, `sweep.md` and `sweep.png` in `--out`. With `--train`,
 * first trains one model per support count into `OUT/runs/s<S>` (resumably), then evaluates each
 * at its own count. Library code: `src/sweep`.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openDataset } from '../node/io/open-dataset.ts';
import { pairedMarkdown, sweepMarkdown, sweepRuns, writeSweep, type SweepEntry } from '../node/tasks/sweep.ts';
import { sweepRunDir, trainSweep } from '../node/tasks/train-sweep.ts';
import { useBackend } from './backend.ts';
import { DEFAULT_VAL_OBJECTS } from '../node/training/train.ts';
import { UserError } from './errors.ts';
import { interruptOnSignals } from './signals.ts';
import { backendOption, collect, floatOption, intOption, jsonOption, seedOption, supportOption, userErrors } from './options.ts';
import { trainConfigFromFlags, type TrainingFlags } from './train.ts';

interface SweepFlags extends TrainingFlags {
  run: string[];
  label: string[];
  support: number[];
  draws: number;
  objects?: number;
  split: string;
  seed: number;
  checkpoint: string[];
  reference?: string;
  out: string;
  train?: boolean;
  trainSeed?: number;
}

export function register(program: Command): void {
  program
    .command('sweep')
    .description('PSNR against the number of support views for runs (or --train one model per count first): sweep.json, .csv, .md and .png')
    .option('--run <dir>', 'run folder or model bundle (repeatable)', collect, [])
    .option('--label <name>', 'name of each --run in the table and plot, in order (default: folder names)', collect, [])
    .addOption(supportOption('support-view counts', [1, 2, 3, 4, 5]))
    .addOption(intOption('--draws <n>', 'seeded draws per object', 1).default(10))
    .addOption(intOption('--objects <n>', 'evaluate only the first N objects of the split', 1))
    .addOption(new Option('--split <name>', 'dataset split').default('test'))
    .addOption(seedOption(0))
    .addOption(new Option('--checkpoint <which>', 'checkpoint: best (best on val), last or auto (best if there is one); one for every run, or one per --run in order (repeatable, e.g. to pair a run\'s best and last checkpoints)').argParser(collect).default([], 'auto'))
    .addOption(new Option('--reference <label>', 'run the others are compared with image by image, on the same draws (paired differences in sweep.md; default: the first run)'))
    .requiredOption('--out <dir>', 'output folder (sweep.json, sweep.csv, sweep.md, sweep.png; runs/ with --train)')
    .option('--train', 'train one model per support count into OUT/runs/s<S> first (resumable), then evaluate each at its count')
    .addOption(new Option('--data <root>', 'dataset folder (--train: training data; else: evaluate on it instead of each run\'s)'))
    .addOption(new Option('--category <name>', 'category, e.g. chairs'))
    .addOption(new Option('--preset <name>', '--train: model and training preset').choices(['cpu', 'paper']))
    .addOption(new Option('--variant <name>', '--train: decoder variant').choices(['full', 'no-sta', 'no-mfm', 'ipc']))
    .addOption(intOption('--steps <n>', '--train: training steps per model (also the schedule length)', 1))
    .addOption(floatOption('--minutes <m>', '--train: training-time budget per model in minutes', 0))
    .addOption(intOption('--batch <b>', '--train: objects per step', 1))
    .addOption(intOption('--rays <k>', '--train: query rays per object', 1))
    .addOption(floatOption('--lr <x>', '--train: peak learning rate', 0))
    .option('--set <key=value>', '--train: override any config field (repeatable)', collect, [])
    .addOption(intOption('--train-seed <n>', '--train: training seed', 0, 2 ** 32 - 1))
    .addOption(intOption('--checkpoint-every <n>', '--train: steps between checkpoints', 1).default(250))
    .addOption(intOption('--val-every <n>', '--train: steps between validations', 1).default(250))
    .addOption(intOption('--val-objects <n>', '--train: val objects per validation', 0).default(DEFAULT_VAL_OBJECTS))
    .addOption(intOption('--log-every <n>', '--train: steps per metrics.jsonl record', 1).default(10))
    .addOption(backendOption())
    .option('--quiet', 'no progress bars')
    .addOption(jsonOption())
    .action(userErrors(async (flags: SweepFlags) => {
      const quiet = Boolean(flags.quiet || flags.json);
      const checkpoints = flags.checkpoint.map((c) => {
        if (c !== 'best' && c !== 'last' && c !== 'auto') throw new UserError(`--checkpoint: '${c}' is not one of best, last, auto`);
        return c;
      });
      if (flags.train && checkpoints.length > 1) throw new UserError('--checkpoint: one value with --train (it applies to every per-count run)');
      const log = (line: string) => { if (!quiet) process.stderr.write(`lfkit: ${line}\n`); };
      let entries: SweepEntry[];
      let dataOverride: { root?: string; category?: string } | undefined;
      const backend = await useBackend(flags.backend);
      let interrupted = false;
      let interruptCode: number | null = null;
      if (flags.train) {
        if (flags.run.length) throw new UserError('--run and --train: give one of them (--train makes its runs in OUT/runs)');
        if (flags.label.length) throw new UserError('--label: only with --run (--train labels its runs s1, s2, ...)');
        if (!flags.data) throw new UserError('--data: required with --train (the training dataset)');
        if (!flags.preset) throw new UserError('--preset: required with --train (cpu or paper)');
        if (flags.steps === undefined && flags.minutes === undefined) throw new UserError('--steps or --minutes: give a training length per model with --train');
        const base = { data: flags.data, category: flags.category, preset: flags.preset, variant: flags.variant, steps: flags.steps,
          batch: flags.batch, rays: flags.rays, lr: flags.lr, set: flags.set, seed: flags.trainSeed };
        const configFor = (S: number, runDir: string, resume: boolean) =>
          trainConfigFromFlags({ ...base, support: [S], out: runDir, resume, minutes: flags.minutes, checkpointEvery: 0, valEvery: 0, valObjects: 0, logEvery: 0 }).config;
        const first = configFor(flags.support[0]!, sweepRunDir(flags.out, flags.support[0]!), false);
        const dataset = await openDataset(flags.data, { category: flags.category, size: first.model.imageSize });
        const stop = interruptOnSignals();
        try {
          const res = await trainSweep({
            out: flags.out, supportCounts: flags.support, configFor, dataset,
            data: { root: flags.data, category: flags.category ?? null, size: first.model.imageSize },
            minutes: flags.minutes, signal: stop.signal, quiet, log, command: ['lfkit', ...process.argv.slice(2)].join(' '),
            checkpointEvery: flags.checkpointEvery, valEvery: flags.valEvery, valObjects: flags.valObjects, logEvery: flags.logEvery,
          });
          interrupted = res.interrupted;
          interruptCode = stop.exitCode();
        } finally {
          stop.release();
        }
        if (interrupted) {
          process.stderr.write(`lfkit: interrupted; run the same command again to continue (finished runs are skipped)\n`);
          process.exitCode = interruptCode ?? 130;
          return;
        }
        entries = flags.support.map((S) => ({ dir: sweepRunDir(flags.out, S), label: `s${S}`, series: 'one model per support count', supportCounts: [S] }));
      } else {
        if (!flags.run.length) throw new UserError('--run: give at least one run folder (or --train with --data, --preset and --steps/--minutes)');
        if (flags.label.length && flags.label.length !== flags.run.length) {
          throw new UserError(`--label: ${flags.label.length} labels for ${flags.run.length} runs; give one per --run, in order`);
        }
        if (checkpoints.length > 1 && checkpoints.length !== flags.run.length) {
          throw new UserError(`--checkpoint: ${checkpoints.length} checkpoints for ${flags.run.length} runs; give one for every run, or one per --run, in order`);
        }
        entries = flags.run.map((dir, i) => ({ dir, label: flags.label[i], ...(checkpoints.length > 1 ? { checkpoint: checkpoints[i]! } : {}) }));
        if (flags.data || flags.category) dataOverride = { root: flags.data, category: flags.category };
      }
      const result = await sweepRuns(entries, {
        supportCounts: flags.support, draws: flags.draws, split: flags.split, objects: flags.objects ?? null, seed: flags.seed,
        checkpoint: checkpoints.length === 1 ? checkpoints[0]! : 'auto', data: dataOverride, quiet, log, workDir: path.join(flags.out, 'work'),
        ...(flags.reference !== undefined ? { reference: flags.reference } : {}),
      });
      const files = await writeSweep(flags.out, result, flags.train ? `one model per support count (${path.basename(path.resolve(flags.out))})` : undefined);
      if (flags.json) process.stdout.write(JSON.stringify({ backend, files, ...result }, null, 2) + '\n');
      else process.stdout.write(`${sweepMarkdown(result.points)}\n\n${result.paired?.length ? `${pairedMarkdown(result.paired)}\n\n` : ''}lfkit: wrote ${files.json}, ${files.csv}, ${files.md}, ${files.png}\n`);
    }, { ConfigError: '--set' }));
}
