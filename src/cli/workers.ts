/** The `--workers` option of the commands that decode rays (eval, render): threads that share each render call. */
import os from 'node:os';
import { Option } from 'commander';
import { commanderParser, parseIntFlag } from './options.ts';

export function workersOption(): Option {
  return new Option('--workers <n>', 'threads that decode each view\'s rays (main thread + n - 1 workers); 1 = single thread')
    .argParser(commanderParser((v) => parseIntFlag(v, '--workers', 1, Infinity)))
    .default(os.availableParallelism());
}
