/**
 * `lfkit bundle`: a run's checkpoint as a model bundle (`src/bundle`: float32 weights without
 * optimizer state, config, training curve, training-mean image), and with `--card` its model
 * card (test-split sweep beside every baseline). Without `--run`, `--card` re-evaluates an
 * existing bundle and rewrites its card.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createBundle } from '../node/tasks/bundle.ts';
import { writeModelCard } from '../node/tasks/card.ts';
import { useBackend } from './backend.ts';
import { UserError } from './errors.ts';
import { backendOption, intOption, jsonOption, seedOption, supportOption, userErrors } from './options.ts';

interface BundleFlags {
  run?: string;
  out: string;
  checkpoint: 'best' | 'last' | 'auto';
  force?: boolean;
  data?: string;
  category?: string;
  trainMean: boolean;
  recipe?: string;
  card?: boolean;
  support: number[];
  draws: number;
  objects?: number;
  seed: number;
  notes?: string;
  work?: string;
  extraSet: string[];
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('bundle')
    .description('package a run\'s checkpoint as a small self-describing model folder (weights, config, training mean); --card adds its model card')
    .addOption(new Option('--run <dir>', 'trained run folder (omit with --card to re-card an existing bundle)'))
    .requiredOption('--out <dir>', 'bundle folder, e.g. models/lfkit-chairs-cpu')
    .addOption(new Option('--checkpoint <which>', 'checkpoint to ship').choices(['best', 'last', 'auto']).default('auto'))
    .option('--force', 'replace an existing bundle')
    .addOption(new Option('--data <root>', 'dataset folder (default: the run\'s): training mean and the card\'s test split'))
    .addOption(new Option('--category <name>', 'category (default: the run\'s)'))
    .option('--no-train-mean', 'do not compute train-mean.png (the training data is not at hand)')
    .addOption(new Option('--recipe <name>', 'data recipe, when it is not recognised from the data (e.g. synth-chairs-64)'))
    .option('--card', 'evaluate the bundle on the test split and write MODEL_CARD.md, card.json and sweep.png')
    .addOption(supportOption('--card: support-view counts', [1, 2, 3, 4, 5]))
    .addOption(intOption('--draws <n>', '--card: seeded draws per object', 1).default(10))
    .addOption(intOption('--objects <n>', '--card: first N test objects (default: all)', 1))
    .addOption(seedOption(0))
    .addOption(new Option('--notes <file.md>', '--card: Markdown on what the training took, included in the card'))
    .addOption(new Option('--extra-set <label=root>', '--card: one more test set, swept the same way and reported in its own table (repeatable), e.g. \'held-out looks=data/synth-chairs-heldout-64\'')
      .argParser((v: string, prev: string[] = []) => [...prev, v]).default([], 'none'))
    .addOption(new Option('--work <dir>', '--card: folder for resumable evaluation files (default: a temp folder)'))
    .addOption(backendOption())
    .option('--quiet', 'no progress bars')
    .addOption(jsonOption())
    .action(userErrors(async (flags: BundleFlags) => {
      const quiet = Boolean(flags.quiet || flags.json);
      if (!flags.run && !flags.card) throw new UserError('--run: required (or --card alone to re-card the bundle in --out)');
      if (flags.notes && !existsSync(flags.notes)) throw new UserError(`--notes: ${flags.notes} does not exist`);
      const data = flags.data || flags.category ? { root: flags.data, category: flags.category } : undefined;
      const out: Record<string, unknown> = {};
      if (flags.run) {
        const res = await createBundle({
          run: flags.run, out: flags.out, checkpoint: flags.checkpoint, force: flags.force, data, noTrainMean: !flags.trainMean, recipe: flags.recipe, quiet,
        });
        out.bundle = res;
        for (const w of res.warnings) process.stderr.write(`lfkit: warning: ${w}\n`);
        if (!flags.json) {
          process.stdout.write(`lfkit: bundled ${flags.run} (${res.checkpoint.which} checkpoint, step ${res.checkpoint.step}) -> ${res.dir}: ` +
            `${res.files.map((f) => f.name).join(', ')}; ${(res.bytes / 2 ** 20).toFixed(2)} MB${res.recipe ? `; data recipe ${res.recipe}` : ''}\n`);
        }
      }
      if (flags.card) {
        const backend = await useBackend(flags.backend);
        const card = await writeModelCard(flags.out, {
          data, supportCounts: flags.support, draws: flags.draws, objects: flags.objects, seed: flags.seed, backend, quiet,
          notes: flags.notes ? readFileSync(flags.notes, 'utf8') : undefined, workDir: flags.work,
          extraSets: flags.extraSet.map((v) => {
            const at = v.indexOf('=');
            if (at <= 0 || at === v.length - 1) throw new UserError(`--extra-set: expected LABEL=DATASET_ROOT, got '${v}'`);
            const root = v.slice(at + 1);
            if (!existsSync(root)) throw new UserError(`--extra-set: ${root} does not exist`);
            return { label: v.slice(0, at), root };
          }),
        });
        out.card = card;
        if (!flags.json) {
          const rows = card.sweep.results.map((r) => `  ${r.support} view${r.support === 1 ? ' ' : 's'}: ${r.model.psnr.mean.toFixed(2)} ± ${r.model.psnr.stderr.toFixed(2)} dB` +
            (r.baselines.trainMean ? `, training mean ${r.baselines.trainMean.psnr.mean.toFixed(2)}` : '') +
            (r.baselines.wrongObject ? `, wrong-object control ${r.baselines.wrongObject.psnr.mean.toFixed(2)}` : ''));
          for (const x of card.extra ?? []) {
            rows.push(`${x.label}:`, ...x.sweep.results.map((r) => `  ${r.support} view${r.support === 1 ? ' ' : 's'}: ${r.model.psnr.mean.toFixed(2)} ± ${r.model.psnr.stderr.toFixed(2)} dB` +
              (r.baselines.nearestSupport ? `, nearest support view ${r.baselines.nearestSupport.psnr.mean.toFixed(2)}` : '') +
              (r.baselines.trainMean ? `, training mean ${r.baselines.trainMean.psnr.mean.toFixed(2)}` : '') +
              (r.baselines.wrongObject ? `, wrong-object control ${r.baselines.wrongObject.psnr.mean.toFixed(2)}` : '')));
          }
          process.stdout.write(`${rows.join('\n')}\nlfkit: wrote ${flags.out}/MODEL_CARD.md, card.json, sweep.png (${card.sweep.objects} objects x ${card.sweep.draws} draws, seed ${card.sweep.seed})\n`);
        }
      }
      if (flags.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    }));
}
