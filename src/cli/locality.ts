/**
 * `lfkit locality`: the paper's Figure 5 (`localityRun`). Zero one latent token at a time,
 * re-render a query view, show |difference| per token (rescaled to max 1) as a PNG grid, and
 * print the concentration figure: the share of the total |difference| in the top 10% of
 * pixels, averaged over the tokens and several objects.
 */
import { Option, type Command } from 'commander';
import { localityRun } from '../node/tasks/locality.ts';
import { Progress } from '../node/io/progress.ts';
import { useBackend } from './backend.ts';
import { openRun } from '../node/runs/run.ts';
import { UserError } from './errors.ts';
import { backendOption, floatOption, intOption, jsonOption, MAX_SUPPORT, seedOption, userErrors } from './options.ts';

interface LocalityFlags {
  run: string;
  data?: string;
  category?: string;
  object: string;
  support: number;
  tokens: number;
  view?: number;
  objects: number;
  split: string;
  seed: number;
  top: number;
  colormap: 'magma' | 'viridis';
  out: string;
  checkpoint: 'best' | 'last' | 'auto';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('locality')
    .description('locality of the latent tokens (paper Figure 5): zero one token, re-render, map |difference|; prints the concentration figure')
    .requiredOption('--run <dir>', 'run folder')
    .addOption(new Option('--data <root>', 'dataset folder (default: the run\'s)'))
    .addOption(new Option('--category <name>', 'category (default: the run\'s)'))
    .requiredOption('--object <id>', 'object shown first (always included)')
    .addOption(intOption('--support <n>', 'support views per object (spread over its views)', 1, MAX_SUPPORT).default(3))
    .addOption(intOption('--tokens <n>', 'latent tokens to zero, one at a time (seeded choice, the same for every object)', 1).default(16))
    .addOption(intOption('--view <index>', 'query view index (default: the first view not used as support)', 0))
    .addOption(intOption('--objects <n>', 'objects to average the concentration over: --object, then the split\'s others', 1).default(4))
    .addOption(new Option('--split <name>', 'split the further objects come from').default('test'))
    .addOption(seedOption(0))
    .addOption(floatOption('--top <fraction>', 'share of pixels counted as the top', 0, 1).default(0.1))
    .addOption(new Option('--colormap <name>', 'colormap of the maps').choices(['magma', 'viridis']).default('magma'))
    .requiredOption('--out <file.png>', 'PNG of the figure (a .json with every figure is written beside it)')
    .addOption(new Option('--checkpoint <which>', 'checkpoint to use').choices(['best', 'last', 'auto']).default('auto'))
    .addOption(backendOption())
    .option('--quiet', 'no progress bar')
    .addOption(jsonOption())
    .action(userErrors(async (flags: LocalityFlags) => {
      if (!/\.png$/i.test(flags.out)) throw new UserError(`--out: '${flags.out}' must be a .png file`);
      if (!(flags.top > 0)) throw new UserError('--top: must be above 0');
      await useBackend(flags.backend);
      const run = await openRun(flags.run, { checkpoint: flags.checkpoint });
      let done = false;
      const bar = new Progress({ total: flags.objects, label: 'locality', unit: 'object', quiet: flags.quiet || flags.json });
      try {
        const res = await localityRun(run, {
          out: flags.out, data: { root: flags.data, category: flags.category }, object: flags.object, support: flags.support,
          tokens: flags.tokens, view: flags.view, objects: flags.objects, split: flags.split, seed: flags.seed, fraction: flags.top,
          colormap: flags.colormap, onObject: () => bar.tick(),
        });
        bar.finish();
        done = true;
        if (flags.json) {
          process.stdout.write(JSON.stringify(res, null, 2) + '\n');
          return;
        }
        const pct = Math.round(res.fraction * 100);
        process.stdout.write(`locality: ${run.dir} (variant ${res.variant}, ${res.checkpoint.which} checkpoint, step ${res.checkpoint.step}); tokens ${res.tokens.join(',')} of ${res.latentTokens}\n`);
        for (const o of res.objects) {
          const c = o.concentration.filter(Number.isFinite);
          process.stdout.write(`  ${o.object}: support ${o.support.join(',')}, view ${o.view}: concentration ${o.meanConcentration.toFixed(3)} (tokens ${Math.min(...c).toFixed(2)}..${Math.max(...c).toFixed(2)})\n`);
        }
        process.stdout.write(`concentration (share of |difference| in the top ${pct}% of pixels): ${res.concentration.toFixed(3)}`
          + ` (per-object mean ${res.perObject.mean.toFixed(3)} ± ${res.perObject.stderr.toFixed(3)}, ${res.objects.length} objects x ${res.tokens.length} tokens; uniform = ${res.fraction})\n`);
        process.stdout.write(`lfkit: -> ${res.out} (rows: objects; columns: ground truth, render, one map per token), ${res.json}\n`);
      } finally {
        if (!done) bar.finish();
        run.dispose();
      }
    }));
}
