/**
 * `lfkit view`: the interactive orbit viewer. Builds the page if its build is missing or stale,
 * starts the local server (`src/viewer-server`) and prints the URL; runs until interrupted.
 */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureViewerBuilt, VIEWER_DIST } from '../../viewer-server/build.ts';
import { ViewerData, ViewerDataError } from '../../viewer-server/dataset.ts';
import { isLoopbackHost, startViewerServer, ViewerServerError } from '../../viewer-server/server.ts';
import { UserError } from '../errors.ts';
import { commanderParser, parseIntFlag, MAX_SUPPORT } from '../options.ts';

interface ViewOptions {
  data?: string;
  category?: string;
  object?: string;
  support: number;
  host: string;
  port: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('view')
    .description('interactive orbit viewer in the browser: support views as frusta, the object from the model')
    .addOption(new Option('--data <root>', 'dataset folder (learnit or SRN ShapeNet, or transforms.json objects)'))
    .addOption(new Option('--category <name>', 'category within --data (e.g. chairs), when it holds several'))
    .addOption(new Option('--object <id>', 'object to open first (default: the first listed)'))
    .addOption(new Option('--support <n>', 'number of support views shown at start')
      .argParser(commanderParser((v) => parseIntFlag(v, '--support', 1, MAX_SUPPORT))).default(3))
    .addOption(new Option('--host <addr>', 'address to bind (loopback by default; others expose your files to the network)').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port to listen on (0 = any free port)')
      .argParser(commanderParser((v) => parseIntFlag(v, '--port', 0, 65535))).default(0))
    .addOption(new Option('--json', 'print {"url": ...} as JSON on stdout once listening'))
    .action(async (opts: ViewOptions) => {
      await runView(opts);
    });
}

async function runView(opts: ViewOptions): Promise<void> {
  let data: ViewerData | null = null;
  if (opts.data !== undefined) {
    if (!existsSync(opts.data)) throw new UserError(`--data ${opts.data}: no such folder`);
    try {
      data = await ViewerData.open(path.resolve(opts.data), opts.category, (m) => process.stderr.write(`lfkit view: warning: ${m}\n`));
    } catch (err) {
      if (err instanceof ViewerDataError) throw new UserError(`--data ${opts.data}: ${err.message}`);
      throw err;
    }
    if (data.summaries().length === 0) throw new UserError(`--data ${opts.data}: no objects found`);
    if (opts.object !== undefined && !data.has(opts.object)) {
      throw new UserError(`--object ${opts.object}: not found in ${opts.data} (e.g. ${data.summaries().slice(0, 3).map((o) => o.id).join(', ')})`);
    }
  } else if (opts.category !== undefined || opts.object !== undefined) {
    throw new UserError(`${opts.category !== undefined ? '--category' : '--object'} needs --data ROOT`);
  }
  if (!isLoopbackHost(opts.host)) {
    process.stderr.write(`lfkit view: warning: --host ${opts.host} is not loopback; anyone who can reach it can browse the dataset\n`);
  }
  await ensureViewerBuilt({ log: (line) => process.stderr.write(`lfkit view: ${line}\n`) });
  let server;
  try {
    server = await startViewerServer({
      assetsDir: VIEWER_DIST,
      host: opts.host,
      port: opts.port,
      data,
      support: opts.support,
      initialObject: opts.object ?? null,
    });
  } catch (err) {
    if (err instanceof ViewerServerError) throw new UserError(err.message);
    throw err;
  }
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
}
