/**
 * `lfkit eval`: the test protocol of method.md section 3 on a run (`evaluateRun`): a table per
 * support count of the model and every baseline, `eval.json` in the run folder, resumable.
 */
import { Option, type Command } from 'commander';
import { evaluateRun } from '../node/tasks/eval.ts';
import { formatEvalTable } from '../core/analysis/evaluate.ts';
import { useBackend } from './backend.ts';
import { openRun } from '../node/runs/run.ts';
import { withThreads } from '../node/parallel/synth.ts';
import { workersOption } from './workers.ts';
import { backendOption, intOption, jsonOption, seedOption, supportOption, userErrors } from './options.ts';

interface EvalFlags {
  run: string;
  support: number[];
  draws: number;
  split: string;
  objects?: number;
  seed: number;
  checkpoint: 'best' | 'last' | 'auto';
  data?: string;
  category?: string;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  /** Threads that decode each render call's rays (main + workers - 1). */
  workers?: number;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a run: PSNR (± standard error), object-pixel PSNR, outline (edge) PSNR and SSIM per support count, beside every baseline; writes eval.json')
    .requiredOption('--run <dir>', 'run folder')
    .addOption(supportOption('support-view counts to evaluate', [1, 3, 5]))
    .addOption(intOption('--draws <n>', 'seeded draws per object', 1).default(10))
    .addOption(new Option('--split <name>', 'dataset split').default('test'))
    .addOption(intOption('--objects <n>', 'evaluate only the first N objects', 1))
    .addOption(seedOption(0))
    .addOption(new Option('--checkpoint <which>', 'checkpoint to evaluate').choices(['best', 'last', 'auto']).default('auto'))
    .addOption(new Option('--data <root>', 'dataset folder (default: the run\'s)'))
    .addOption(new Option('--category <name>', 'category (default: the run\'s)'))
    .addOption(backendOption())
    .addOption(workersOption())
    .option('--quiet', 'no progress bar')
    .addOption(jsonOption())
    .action(userErrors(async (flags: EvalFlags) => {
      const backend = await useBackend(flags.backend);
      const run = await withThreads(await openRun(flags.run, { checkpoint: flags.checkpoint }), flags.workers);
      try {
        const report = await evaluateRun(run, {
          supportCounts: flags.support, draws: flags.draws, split: flags.split, objects: flags.objects, seed: flags.seed,
          data: { root: flags.data, category: flags.category }, quiet: flags.quiet || flags.json,
        });
        if (flags.json) process.stdout.write(JSON.stringify({ run: flags.run, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step }, backend, workers: run.threads, ...report }, null, 2) + '\n');
        else process.stdout.write(`${flags.run} (checkpoint ${run.checkpoint.which}, step ${run.checkpoint.state.step})\n${formatEvalTable(report)}\n`);
      } finally {
        run.dispose();
      }
    }));
}
