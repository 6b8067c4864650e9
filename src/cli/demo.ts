/**
 * `lfkit demo` (`npm run demo`): the bundled model (`models/lfkit-chairs-cpu`, or `--model` /
 * `LFKIT_DEMO_MODEL`) on a few regenerated held-out test chairs: a PSNR table beside the
 * baselines, novel views next to the ground truth, and a turntable from 1, 3 and 5 views.
 * No training. Library code: `src/bundle/demo.ts`.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { assertDemoModel, DEMO_MODEL_DIR, demoTable, runDemo } from '../node/tasks/demo.ts';
import { useBackend } from './backend.ts';
import { backendOption, intOption, jsonOption, supportOption, userErrors } from './options.ts';

interface DemoFlags {
  model: string;
  out: string;
  data?: string;
  objects: number;
  support: number[];
  draws: number;
  frames: number;
  size: number;
  format: 'webp' | 'gif';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the bundled model on a few regenerated held-out test chairs: PSNR beside the baselines, novel views, turntables (no training)')
    .addOption(new Option('--model <dir>', 'model bundle or run folder').env('LFKIT_DEMO_MODEL').default(DEMO_MODEL_DIR))
    .addOption(new Option('--out <dir>', 'output folder').default('demo-out'))
    .addOption(new Option('--data <dir>', 'cache folder of the regenerated test objects (default: <out>/data)'))
    .addOption(intOption('--objects <n>', 'held-out test objects', 1, 50).default(3))
    .addOption(supportOption('support-view counts', [1, 3, 5]))
    .addOption(intOption('--draws <n>', 'protocol draws per object and count for the PSNR table', 1).default(4))
    .addOption(intOption('--frames <n>', 'turntable frames', 1, 360).default(24))
    .addOption(intOption('--size <px>', 'turntable render size (shown at >= 128 px)', 8, 1024).default(64))
    .addOption(new Option('--format <fmt>', 'turntable format').choices(['webp', 'gif']).default('webp'))
    .addOption(backendOption())
    .option('--quiet', 'no progress bars')
    .addOption(jsonOption())
    .action(userErrors(async (flags: DemoFlags) => {
      const quiet = Boolean(flags.quiet || flags.json);
      const log = (line: string) => { if (!quiet) process.stderr.write(`lfkit: ${line}\n`); };
      assertDemoModel(flags.model); // before the backend's start-up line
      const backend = await useBackend(flags.backend);
      const res = await runDemo({
        model: flags.model, out: flags.out, data: flags.data, objects: flags.objects, supportCounts: flags.support, draws: flags.draws,
        frames: flags.frames, size: flags.size, format: flags.format, quiet, log,
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ backend, ...res }, null, 2) + '\n');
        return;
      }
      const r = res.report;
      process.stdout.write([
        `lfkit demo: ${res.model} (${res.checkpoint.which} checkpoint, step ${res.checkpoint.step}) on ${res.objects.length} held-out test objects of ${res.recipe} ` +
          `(${res.objects[0]}...), regenerated in ${res.data}`,
        '',
        `PSNR (dB, mean ± standard error over ${r.objects.length} objects x ${r.draws} seeded draws of S support + 1 query view; method.md section 3):`,
        '',
        demoTable(r),
        '',
        `Images:`,
        `  ${res.files.views}  held-out views: per object one row per support count (support views left, predictions right), ground truth last`,
        `  ${res.files.turntable}  turntables, one row per object, columns ${r.results.map((x) => `${x.support} view${x.support === 1 ? '' : 's'}`).join(' | ')}`,
        `  ${res.files.json}  every figure`,
        `(${res.seconds.toFixed(0)} s on the ${backend} backend; open the images with any image viewer, e.g. ${path.resolve(res.files.views)})`,
        '',
      ].join('\n'));
    }));
}
