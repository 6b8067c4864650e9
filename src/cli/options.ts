/**
 * Flag parsers shared by every subcommand (style.md item 11: options defined once, parsers whose
 * errors name the flag). Each parser is a pure function `(value, flag) -> parsed` that throws a
 * `UserError` naming the flag; `commanderParser` adapts one to commander's `argParser`, which then
 * prints `option '--support <counts>' argument '0' is invalid. ...` and exits 1.
 *
 * - Support-view counts: `N`, a range `A-B` (inclusive) or a list `A,B,C`.
 * - Index lists (`--support-views 0,7,19`), integers, floats, the `--set key=value` overrides
 *   (values parsed as JSON when they are JSON: `--set model.sigmas=[8,4]`), `--backend NAME`
 *   (or `LFKIT_BACKEND`).
 */
import { InvalidArgumentError, Option } from 'commander';
import { UserError } from './errors.ts';

/** The largest support-view count any command accepts (learnit objects have 50 views). */
export const MAX_SUPPORT = 49;

/**
 * Support-view counts: `"3"` -> [3], `"1-5"` -> [1, 2, 3, 4, 5], `"1,3,5"` -> [1, 3, 5].
 * Sorted, distinct, each in 1..MAX_SUPPORT.
 *
 * @example parseSupportCounts('1-5', '--support') // [1, 2, 3, 4, 5]
 */
export function parseSupportCounts(value: string, flag = '--support'): number[] {
  const v = value.trim();
  const bad = (why: string): never => {
    throw new UserError(`${flag}: ${why} (got '${value}'; use N, a range A-B or a list A,B,C)`);
  };
  const count = (s: string): number => {
    if (!/^\d+$/.test(s.trim())) bad(`'${s.trim()}' is not a whole number`);
    const n = Number(s);
    if (n < 1) bad('a support count must be at least 1');
    if (n > MAX_SUPPORT) bad(`a support count must be at most ${MAX_SUPPORT}`);
    return n;
  };
  if (v === '') bad('empty value');
  let out: number[];
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(v);
  if (range) {
    const a = count(range[1]!), b = count(range[2]!);
    if (b < a) bad(`range end ${b} is below its start ${a}`);
    out = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (v.includes(',')) {
    out = v.split(',').map(count);
  } else {
    out = [count(v)];
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** A list of view indices: `"0,7,19"` -> [0, 7, 19] (order kept, no duplicates). */
export function parseIndexList(value: string, flag: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) throw new UserError(`${flag}: '${p}' is not a view index (got '${value}'; use a list like 0,7,19)`);
    const n = Number(p);
    if (out.includes(n)) throw new UserError(`${flag}: view ${n} is listed twice`);
    out.push(n);
  }
  return out;
}

/** A comma-separated list of non-empty strings (`--images a.png,b.png`). */
export function parseStringList(value: string, flag: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UserError(`${flag}: empty entry in '${value}'`);
  return parts;
}

/** An integer in [min, max]. */
export function parseIntFlag(value: string, flag: string, min = -Infinity, max = Infinity): number {
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v)) throw new UserError(`${flag}: '${value}' is not a whole number`);
  const n = Number(v);
  if (n < min) throw new UserError(`${flag}: must be at least ${min}, got ${n}`);
  if (n > max) throw new UserError(`${flag}: must be at most ${max}, got ${n}`);
  return n;
}

/** A finite number in [min, max]. */
export function parseFloatFlag(value: string, flag: string, min = -Infinity, max = Infinity): number {
  const v = value.trim();
  const n = v === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new UserError(`${flag}: '${value}' is not a number`);
  if (n < min) throw new UserError(`${flag}: must be at least ${min}, got ${n}`);
  if (n > max) throw new UserError(`${flag}: must be at most ${max}, got ${n}`);
  return n;
}

/** One `--set key=value`: the value is parsed as JSON when it is JSON, else kept as a string. */
export function parseSetPair(value: string, flag = '--set'): [string, unknown] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UserError(`${flag}: expected key=value (e.g. train.lr=3e-4), got '${value}'`);
  const key = value.slice(0, eq).trim();
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) {
    throw new UserError(`${flag}: '${key}' is not a config key (dotted names like model.d or train.lr)`);
  }
  const raw = value.slice(eq + 1).trim();
  if (raw === '') throw new UserError(`${flag}: no value for '${key}'`);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return [key, parsed];
}

/** All `--set` pairs as an overrides object `{ 'train.lr': 0.0003, ... }` (later ones win). */
export function parseSetPairs(values: readonly string[], flag = '--set'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    const [k, val] = parseSetPair(v, flag);
    out[k] = val;
  }
  return out;
}

/** Adapts a parser to commander: its UserError becomes commander's InvalidArgumentError. */
export function commanderParser<T>(fn: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return fn(value);
    } catch (err) {
      if (err instanceof UserError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** Commander collector for repeatable flags (`--set a=1 --set b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--backend NAME`, defaulting to `LFKIT_BACKEND`; the backend module validates the name. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend (tensorflow, webgpu, wasm, cpu; default: the first that loads)').env('LFKIT_BACKEND');
}

/** `--seed S`. */
export function seedOption(defaultSeed = 0): Option {
  return new Option('--seed <n>', 'random seed').argParser(commanderParser((v) => parseIntFlag(v, '--seed', 0, 2 ** 32 - 1))).default(defaultSeed);
}

/** `--json`: machine-readable output on stdout. */
export function jsonOption(): Option {
  return new Option('--json', 'print machine-readable JSON on stdout');
}

/** `--support` with the shared count parser. */
export function supportOption(description: string, defaultValue?: number[]): Option {
  const opt = new Option('--support <counts>', `${description} (N, a range A-B or a list A,B,C)`)
    .argParser(commanderParser((v) => parseSupportCounts(v, '--support')));
  return defaultValue ? opt.default(defaultValue, defaultValue.join(',')) : opt;
}

/** An integer option with bounds whose error names the flag. */
export function intOption(flags: string, description: string, min = 1, max = Infinity): Option {
  const name = flags.split(/[ ,]/)[0]!;
  return new Option(flags, description).argParser(commanderParser((v) => parseIntFlag(v, name, min, max)));
}

/** A float option with bounds whose error names the flag. */
export function floatOption(flags: string, description: string, min = -Infinity, max = Infinity): Option {
  const name = flags.split(/[ ,]/)[0]!;
  return new Option(flags, description).argParser(commanderParser((v) => parseFloatFlag(v, name, min, max)));
}

/** Library error classes whose messages are meant for the user (they name the flag, file or field). */
const USER_FACING = new Set(['RunError', 'DatasetError', 'ConfigError', 'CheckpointError', 'RenderError', 'CameraError', 'BackendError']);

/** True for errors a command should print without a stack trace. */
export function isUserFacing(err: unknown): err is Error {
  return err instanceof UserError || (err instanceof Error && USER_FACING.has(err.name));
}

/**
 * Wraps a command action so library errors meant for the user become `UserError`s (printed
 * cleanly, exit code 1). `prefix` maps an error class to a flag, e.g. `{ ConfigError: '--set' }`.
 */
export function userErrors<A extends unknown[]>(fn: (...args: A) => Promise<void>, prefix: Record<string, string> = {}): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof UserError) throw err;
      if (isUserFacing(err)) {
        const p = prefix[err.name];
        throw new UserError(p && !err.message.startsWith(p) ? `${p}: ${err.message}` : err.message);
      }
      throw err;
    }
  };
}
