/**
 * `lfkit render`: novel views of one object from a run (`renderRun`): given poses, a turntable,
 * or held-out views with ground truth; PNGs, a comparison grid and an animated turntable.
 */
import { Option, type Command } from 'commander';
import { useBackend } from './backend.ts';
import { renderRun } from '../node/tasks/render.ts';
import { formatTtoTable, TTO_DEFAULT_LR, TTO_DEFAULT_RAYS } from '../core/analysis/tto.ts';
import { openRun } from '../node/runs/run.ts';
import { withThreads } from '../node/parallel/synth.ts';
import { workersOption } from './workers.ts';
import { UserError } from './errors.ts';
import {
  backendOption, commanderParser, floatOption, intOption, jsonOption, parseIndexList, parseStringList, userErrors,
} from './options.ts';

interface RenderFlags {
  run: string;
  data?: string;
  category?: string;
  object?: string;
  supportViews?: number[];
  images?: string[];
  cameras?: string;
  poses?: string;
  orbit?: number;
  elevation: number;
  radius: number;
  size?: number;
  format: 'webp' | 'gif';
  out: string;
  checkpoint: 'best' | 'last' | 'auto';
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  /** Threads that decode each render call's rays (main + workers - 1). */
  workers?: number;
  // test-time optimisation (src/analysis/tto.ts)
  ttoSteps?: number;
  ttoAll?: boolean;
  ttoLr: number;
  ttoRays: number;
}

export function register(program: Command): void {
  program
    .command('render')
    .description('render novel views of an object from a few support views: given poses, a turntable, or held-out views with ground truth')
    .requiredOption('--run <dir>', 'run folder')
    .addOption(new Option('--data <root>', 'dataset folder (default: the run\'s)'))
    .addOption(new Option('--category <name>', 'category (default: the run\'s)'))
    .addOption(new Option('--object <id>', 'object id in the dataset'))
    .addOption(new Option('--support-views <list>', 'support view indices, e.g. 0,7,19 (default: 3 spread views)').argParser(commanderParser((v) => parseIndexList(v, '--support-views'))))
    .addOption(new Option('--images <files>', 'support images not in a dataset, e.g. a.png,b.png').argParser(commanderParser((v) => parseStringList(v, '--images'))))
    .addOption(new Option('--cameras <transforms.json>', 'cameras of --images (frames matched by file name)'))
    .addOption(new Option('--poses <transforms.json>', 'target cameras (ground truth used when the images exist)'))
    .addOption(intOption('--orbit <frames>', 'turntable frames (default 36 unless --poses is given)', 1))
    .addOption(floatOption('--elevation <deg>', 'turntable elevation in degrees', -90, 90).default(30))
    .addOption(floatOption('--radius <r>', 'turntable radius', 0).default(4))
    .addOption(intOption('--size <px>', 'output size (default 128; any size works)', 1, 4096))
    .addOption(new Option('--format <fmt>', 'turntable format').choices(['webp', 'gif']).default('webp'))
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--checkpoint <which>', 'checkpoint to use').choices(['best', 'last', 'auto']).default('auto'))
    .addOption(backendOption())
    .addOption(workersOption())
    .option('--quiet', 'no progress bar')
    .addOption(jsonOption())
    // test-time optimisation (issue 9): fit the support views before rendering
    .addOption(intOption('--tto-steps <n>', 'test-time optimisation: Adam steps on the support views\' pixels before rendering (Z only; see --tto-all); writes tto.json', 1))
    .option('--tto-all', 'with --tto-steps: optimise the decoder weights too (on a copy of the model)')
    .addOption(floatOption('--tto-lr <x>', 'with --tto-steps: Adam learning rate', 0).default(TTO_DEFAULT_LR))
    .addOption(intOption('--tto-rays <n>', 'with --tto-steps: rays per step, drawn from all support pixels', 1).default(TTO_DEFAULT_RAYS))
    .action(userErrors(async (flags: RenderFlags) => {
      if (flags.poses && flags.orbit !== undefined) throw new UserError('--poses and --orbit: give one of them');
      if (flags.images && flags.object) throw new UserError('--images and --object: give one of them');
      if (!flags.images && !flags.object) throw new UserError('--object: required (or --images with --cameras)');
      if (flags.ttoSteps === undefined && flags.ttoAll) throw new UserError('--tto-all: needs --tto-steps N');
      if (!(flags.ttoLr > 0)) throw new UserError(`--tto-lr: must be above 0, got ${flags.ttoLr}`);
      await useBackend(flags.backend);
      const run = await withThreads(await openRun(flags.run, { checkpoint: flags.checkpoint }), flags.workers);
      try {
        const res = await renderRun(run, {
          out: flags.out, size: flags.size, data: { root: flags.data, category: flags.category }, object: flags.object,
          supportViews: flags.supportViews, images: flags.images, cameras: flags.cameras, poses: flags.poses,
          orbit: flags.orbit, elevation: flags.elevation, radius: flags.radius, format: flags.format, quiet: flags.quiet || flags.json,
          ...(flags.ttoSteps !== undefined ? { tto: { steps: flags.ttoSteps, all: flags.ttoAll ?? false, lr: flags.ttoLr, rays: flags.ttoRays } } : {}),
        });
        if (flags.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
        else {
          if (res.tto) process.stdout.write(`${formatTtoTable(res.tto)}\n  -> ${res.tto.file}\n`);
          const scored = res.views.filter((v) => v.psnr !== undefined);
          for (const v of scored) process.stdout.write(`${v.name}: ${v.psnr!.toFixed(2)} dB\n`);
          process.stdout.write(`lfkit: ${res.views.length} views from ${res.support.length} support views -> ${flags.out} (grid.png${res.turntable ? ', ' + res.turntable.split('/').pop() : ''})\n`);
        }
      } finally {
        run.dispose();
      }
    }));
}
