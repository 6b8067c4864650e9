#!/usr/bin/env node
// `npm run bench`: runs the benchmark suite in bench/ (see bench/harness.ts).
import { register } from 'tsx/esm/api';

register();
const { runBenchCli } = await import('../bench/harness.ts');
await runBenchCli(process.argv.slice(2));
