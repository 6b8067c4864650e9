/**
 * `lfkit view`: the interactive orbit viewer. Builds the page if its build is missing or stale,
 * starts the local server (`src/viewer-server`) and prints the URL; runs until interrupted.
 * With no `--data` and no `--run` it shows a few generated objects (`demo.ts`). The page opens
 * on the cameras the model was trained on (`config.json` `cameras`) and orbits within them
 * (docs/viewer.md).
 */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../node/backend.ts';
import { ensureViewerBuilt, VIEWER_DIST } from '../node/viewer-server/build.ts';
import { DEMO, ensureDemoData, findBundledModel } from '../node/viewer-server/demo.ts';
import { ViewerData, ViewerDataError } from '../node/viewer-server/dataset.ts';
import { loadViewerModel, ViewerModelError, type ViewerModel } from '../node/viewer-server/model.ts';
import { isLoopbackHost, startViewerServer, ViewerServerError } from '../node/viewer-server/server.ts';
import { UserError } from './errors.ts';
import { backendOption, commanderParser, MAX_SUPPORT, parseIntFlag, userErrors } from './options.ts';

interface ViewOptions {
  run?: string;
  data?: string;
  category?: string;
  object?: string;
  support: number;
  host: string;
  port: number;
  backend?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('view')
    .description('interactive orbit viewer in the browser: the object decoded per pixel, support views as frusta; opens on and orbits within the trained cameras (docs/viewer.md)')
    .addOption(new Option('--run <dir>', 'trained run folder (its best checkpoint, else the last) or a checkpoint folder'))
    .addOption(new Option('--data <root>', 'dataset folder (learnit or SRN ShapeNet, or transforms.json objects); default: the run\'s'))
    .addOption(new Option('--category <name>', 'category within --data (e.g. chairs), when it holds several'))
    .addOption(new Option('--object <id>', 'object to open first (default: the first listed)'))
    .addOption(new Option('--support <n>', 'number of support views at start')
      .argParser(commanderParser((v) => parseIntFlag(v, '--support', 1, MAX_SUPPORT))).default(3))
    .addOption(new Option('--host <addr>', 'address to bind (loopback by default; others expose your files to the network)').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port to listen on (0 = any free port)')
      .argParser(commanderParser((v) => parseIntFlag(v, '--port', 0, 65535))).default(0))
    // --backend: the server's encoder; the page picks its decoder backend itself (?backend=)
    .addOption(backendOption())
    .addOption(new Option('--json', 'print {"url": ...} as JSON on stdout once listening'))
    .action(userErrors(async (opts: ViewOptions) => {
      try {
        await runView(opts);
      } catch (err) {
        if (err instanceof ViewerDataError || err instanceof ViewerModelError || err instanceof ViewerServerError) throw new UserError(err.message);
        throw err;
      }
    }, { RunError: '--run', CheckpointError: '--run', BackendError: '--backend', DatasetError: '--data' }));
}

async function openData(root: string, category: string | undefined, flag: string): Promise<ViewerData> {
  if (!existsSync(root)) throw new UserError(`${flag} ${root}: no such folder`);
  let data: ViewerData;
  try {
    data = await ViewerData.open(path.resolve(root), category, (m) => process.stderr.write(`lfkit view: warning: ${m}\n`));
  } catch (err) {
    if (err instanceof ViewerDataError) throw new UserError(`${flag} ${root}: ${err.message}`);
    throw err;
  }
  if (data.summaries().length === 0) throw new UserError(`${flag} ${root}: no objects found`);
  return data;
}

async function runView(opts: ViewOptions): Promise<void> {
  if (opts.data === undefined && opts.run === undefined && (opts.category !== undefined || opts.object !== undefined)) {
    throw new UserError(`${opts.category !== undefined ? '--category' : '--object'} needs --data ROOT (or --run DIR)`);
  }
  let model: ViewerModel | null = null;
  const demo = opts.run === undefined && opts.data === undefined;
  if (demo) {
    // no arguments: the bundled model, when the repository has one, on generated test objects
    const bundled = findBundledModel();
    if (bundled) {
      await initBackend(opts.backend);
      model = await loadViewerModel(bundled);
      process.stderr.write(`lfkit view: bundled model ${path.basename(bundled)}\n`);
    }
  } else if (opts.run !== undefined) {
    if (!existsSync(opts.run)) throw new UserError(`--run ${opts.run}: no such folder`);
    await initBackend(opts.backend);
    model = await loadViewerModel(opts.run);
  }
  let data: ViewerData | null = null;
  if (opts.data !== undefined) {
    data = await openData(opts.data, opts.category, '--data');
  } else if (!demo && model?.trainedOn) {
    const { root, category } = model.trainedOn;
    if (!existsSync(root)) throw new UserError(`--run ${opts.run}: its dataset ${root} is gone; pass --data ROOT`);
    data = await openData(root, opts.category ?? category ?? undefined, `--run ${opts.run}: dataset`);
  } else if (!demo) {
    process.stderr.write('lfkit view: note: no dataset (--data ROOT): there are no support views to encode\n');
  } else {
    const root = await ensureDemoData((line) => process.stderr.write(`lfkit view: ${line}\n`));
    data = await openData(root, DEMO.category, 'demo data');
    process.stderr.write(`lfkit view: no --data or --run: showing ${DEMO.test} generated held-out ${DEMO.category}` +
      `${model ? '' : '; no bundled model yet, pass --run DIR to see a model\'s renders'}\n`);
  }
  if (opts.object !== undefined && data && !data.has(opts.object)) {
    throw new UserError(`--object ${opts.object}: not in the dataset (e.g. ${data.summaries().slice(0, 3).map((o) => o.id).join(', ')})`);
  }
  if (data) {
    // the first object's view count bounds --support (the page cannot pick more views than exist)
    const first = opts.object ?? data.summaries()[0]!.id;
    const views = (await data.object(first)).views.length;
    if (opts.support > views) throw new UserError(`--support: ${opts.support} support views, but object ${first} has ${views} views`);
  }
  if (!isLoopbackHost(opts.host)) {
    process.stderr.write(`lfkit view: warning: --host ${opts.host} is not loopback; anyone who can reach it can browse the dataset\n`);
  }
  await ensureViewerBuilt({ log: (line) => process.stderr.write(`lfkit view: ${line}\n`) });
  const server = await startViewerServer({
    assetsDir: VIEWER_DIST,
    host: opts.host,
    port: opts.port,
    data,
    model,
    support: opts.support,
    initialObject: opts.object ?? null,
  });
  if (opts.json) process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  else process.stdout.write(`lfkit view: serving ${server.url}  (Ctrl+C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  model?.dispose();
}
