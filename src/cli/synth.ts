/**
 * `lfkit synth`: generate the procedural ShapeNet-like benchmark (chairs, cars, lamps) or
 * render your own meshes, in the learnit format. See README "Procedural benchmark".
 *
 *   lfkit synth --recipe synth-chairs-64 --out data/synth
 *   lfkit synth --category lamps --out data/synth --train 40 --val 2 --test 8 --size 64 --preview lamps.png
 *   lfkit synth --mesh bunny.obj --out data/mine --category bunnies
 *   lfkit synth --mesh-dir ShapeNetCore/03001627 --out data/sn --category chairs --up y
 */
import os from 'node:os';
import { Option, type Command } from 'commander';
import { DatasetError } from '../core/data/types.ts';
import { DEFAULT_ELEVATION_DEG, DEFAULT_FOV, DEFAULT_SPP, MeshFileError, RECIPES, SYNTH_CATEGORIES, SynthJobError, writeContactSheet, type SynthCategory } from '../../datasets/index.ts';
import { SynthError, synthesizeMeshes, synthesizeProcedural, type SynthSummary } from '../node/tasks/synth.ts';
import { UserError } from './errors.ts';
import { commanderParser, floatOption, intOption, jsonOption, parseFloatFlag, seedOption } from './options.ts';

interface SynthFlags {
  recipe?: string;
  category?: string;
  out: string;
  train?: number;
  val?: number;
  test?: number;
  size: number;
  views: number;
  seed: number;
  fov: number;
  spp: number;
  elevation: [number, number];
  workers: number;
  preview?: string;
  mesh?: string;
  meshDir?: string;
  up: 'y' | 'z';
  split: 'train' | 'val' | 'test';
  look?: 'broad' | 'heldout';
  json?: boolean;
  quiet?: boolean;
}

/** Flags a recipe fixes (given together with --recipe they are an error). */
const RECIPE_FIXED = ['category', 'train', 'val', 'test', 'size', 'views', 'seed', 'fov', 'spp', 'elevation', 'look'] as const;

function parseElevation(v: string): [number, number] {
  const parts = v.split(',');
  if (parts.length !== 2) throw new UserError(`--elevation: expected MIN,MAX in degrees (e.g. -10,50), got '${v}'`);
  const lo = parseFloatFlag(parts[0]!, '--elevation', -89, 89), hi = parseFloatFlag(parts[1]!, '--elevation', -89, 89);
  if (lo > hi) throw new UserError(`--elevation: MIN ${lo} is above MAX ${hi}`);
  return [lo, hi];
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('generate the procedural benchmark (chairs, cars, lamps) or render your own meshes, in the learnit ShapeNet format')
    .addOption(new Option('--recipe <name>', 'a frozen benchmark recipe (sets category, counts, size, views, seed)').choices(Object.keys(RECIPES)))
    .addOption(new Option('--category <name>', `${SYNTH_CATEGORIES.join(' | ')} (procedural); any folder name with --mesh/--mesh-dir (default objects)`))
    .requiredOption('--out <dir>', 'dataset root to write (<out>/<category>/<id>/, <out>/<singular>_splits.json)')
    .addOption(intOption('--train <n>', 'training objects (procedural default 400)', 0, 99999))
    .addOption(intOption('--val <n>', 'validation objects (procedural default 10)', 0, 99999))
    .addOption(intOption('--test <n>', 'test objects (procedural default 50)', 0, 99999))
    .addOption(intOption('--size <px>', 'image width = height', 8, 1024).default(64))
    .addOption(intOption('--views <n>', 'views per object', 1, 1000).default(50))
    .addOption(seedOption(0))
    .addOption(floatOption('--fov <rad>', 'camera_angle_x in radians', 1e-3, 3.1).default(DEFAULT_FOV))
    .addOption(intOption('--spp <n>', 'samples per pixel (a perfect square: 4 = 2x2 jittered strata)', 1, 256).default(DEFAULT_SPP))
    .addOption(new Option('--elevation <min,max>', 'camera elevation range in degrees above the horizon')
      .argParser(commanderParser(parseElevation)).default(DEFAULT_ELEVATION_DEG, DEFAULT_ELEVATION_DEG.join(',')))
    .addOption(intOption('--workers <n>', 'worker threads (0 = main thread)', 0, 64).default(Math.min(2, os.availableParallelism?.() ?? os.cpus().length)))
    .addOption(new Option('--preview <file.png>', 'also write a contact sheet of the first objects'))
    .addOption(new Option('--look <family>', 'per-object looks for chairs: broad (random lights, shading, palettes, proportions, camera band) or heldout (the looks broad never draws); sets the cameras, so --fov and --elevation do not apply').choices(['broad', 'heldout']).conflicts(['fov', 'elevation']))
    .addOption(new Option('--mesh <file>', 'render one OBJ/PLY/GLB/glTF mesh (into the --split split)').conflicts(['meshDir', 'recipe']))
    .addOption(new Option('--mesh-dir <dir>', 'render every mesh under a folder (recursive) as one dataset, split by --seed').conflicts(['recipe']))
    .addOption(new Option('--up <axis>', "the meshes' up axis (y: glTF, ShapeNetCore, most OBJ; z: Blender-style)").choices(['y', 'z']).default('y'))
    .addOption(new Option('--split <name>', 'split of a single --mesh').choices(['train', 'val', 'test']).default('test'))
    .addOption(jsonOption())
    .addOption(new Option('--quiet', 'no progress bar'))
    .action(async function (this: Command, flags: SynthFlags) {
      const summary = await runSynth(flags, (name) => this.getOptionValueSource(name) === 'cli');
      process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n'
        : `wrote ${summary.objects} objects (${Object.entries(summary.splits).map(([k, v]) => `${k} ${v.length}`).join(', ')}) to ${summary.root} ` +
          `in ${summary.seconds.toFixed(1)} s (${summary.secondsPerObject.toFixed(2)} s/object)\n`);
    });
}

/** Runs `lfkit synth` from parsed flags; `given(name)` tells whether the user set a flag. */
export async function runSynth(flags: SynthFlags, given: (name: string) => boolean): Promise<SynthSummary & { preview?: string }> {
  const run = { out: flags.out, workers: flags.workers, quiet: flags.quiet };
  let summary: SynthSummary;
  try {
    if (flags.mesh || flags.meshDir) {
      const counts = Object.fromEntries((['train', 'val', 'test'] as const).filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]!]));
      if (flags.mesh && Object.keys(counts).length) throw new UserError('--train/--val/--test apply to --mesh-dir; a single --mesh goes into --split');
      summary = await synthesizeMeshes({
        ...run, category: flags.category ?? 'objects', mesh: flags.mesh, meshDir: flags.meshDir, up: flags.up, seed: flags.seed,
        split: flags.split, counts, size: flags.size, views: flags.views, fov: flags.fov, spp: flags.spp, elevationDeg: flags.elevation,
      });
    } else if (flags.recipe) {
      const r = RECIPES[flags.recipe]!;
      const clash = RECIPE_FIXED.filter((k) => given(k));
      if (clash.length) {
        throw new UserError(`--recipe ${r.name} fixes ${clash.map((k) => `--${k}`).join(', ')}; drop ${clash.length > 1 ? 'them' : 'it'} or drop --recipe`);
      }
      summary = await synthesizeProcedural({
        ...run, category: r.category, train: r.train, val: r.val, test: r.test, seed: r.seed,
        size: r.size, views: r.views, fov: r.fov, spp: r.spp, elevationDeg: r.elevationDeg, ...(r.look ? { look: r.look } : {}),
      });
    } else {
      if (!flags.category) throw new UserError(`--category is required (${SYNTH_CATEGORIES.join(', ')}), or use --recipe (${Object.keys(RECIPES).join(', ')})`);
      if (!(SYNTH_CATEGORIES as readonly string[]).includes(flags.category)) {
        throw new UserError(`--category must be one of ${SYNTH_CATEGORIES.join(', ')} (got '${flags.category}'); render other objects with --mesh/--mesh-dir`);
      }
      summary = await synthesizeProcedural({
        ...run, category: flags.category as SynthCategory, train: flags.train ?? 400, val: flags.val ?? 10, test: flags.test ?? 50,
        seed: flags.seed, size: flags.size, views: flags.views, fov: flags.fov, spp: flags.spp, elevationDeg: flags.elevation,
        ...(flags.look ? { look: flags.look } : {}),
      });
    }
    if (flags.preview) {
      const ids = [...summary.splits.train, ...summary.splits.val, ...summary.splits.test];
      await writeContactSheet(summary.root, summary.category, ids, flags.preview);
      return { ...summary, preview: flags.preview };
    }
  } catch (err) {
    if (err instanceof SynthError || err instanceof DatasetError || err instanceof MeshFileError) throw new UserError(err.message);
    if (err instanceof SynthJobError) throw new UserError(`object ${err.id}: ${err.message}`);
    throw err;
  }
  return summary;
}
