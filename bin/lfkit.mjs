#!/usr/bin/env node
// lfkit command-line entry. An installed package runs the compiled JavaScript in dist/; a
// clone of the repository (sources beside this file) runs the TypeScript sources through tsx,
// a development dependency, so an edit takes effect with no build step.
import { existsSync } from 'node:fs';

// Anything that escapes the CLI's own error path (an error in a callback) is still one line.
const last = (err) => {
  process.stderr.write(`lfkit: error: ${String(err?.message ?? err).replace(/\s*\n\s*/g, '; ').slice(0, 500)}\n`);
  if (process.env.LFKIT_DEBUG === '1' && err?.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
};
process.on('uncaughtException', last);
process.on('unhandledRejection', last);

const sources = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
await main(process.argv);
