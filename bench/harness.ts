/**
 * The benchmark harness behind `npm run bench`. Benchmarks are named modules listed in
 * `bench/registry.ts`; each returns figures (name, value, unit, backend). The harness adds the
 * machine (CPU model, cores, clock, Node version) and writes
 * `bench/results/<timestamp>.json` plus a Markdown summary next to it, and prints the summary.
 *
 *   npm run bench                  # every benchmark
 *   npm run bench -- rays data     # only these
 *   npm run bench -- --list        # names and descriptions
 *
 * Benchmarks are not tests: nothing here has a pass/fail threshold.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './registry.ts';

export interface Figure {
  /** e.g. `rays.plucker_images_per_s_128` */
  name: string;
  value: number;
  unit: string;
  /** tfjs backend the figure was measured on, or `none` for pure TypeScript. */
  backend: string;
  /** free-form details (sizes, repetitions). */
  note?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<Figure[]>;
  /** Run only when named (`npm run bench -- NAME`), not by a bare `npm run bench`. */
  onlyByName?: boolean;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  clockMHz: number | null;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let clockMHz: number | null = null;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = [...info.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]));
    if (mhz.length) clockMHz = Math.max(...mhz);
  } catch {
    clockMHz = cpus[0]?.speed || null;
  }
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    clockMHz,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Median of a list of numbers (the harness's summary statistic for repeated timings). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `fn` `warmup` times untimed, then `reps` times; returns the per-call seconds. */
export async function timeIt(fn: () => unknown | Promise<unknown>, reps = 5, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(3);
  return v.toExponential(2);
}

export function markdownSummary(result: { date: string; machine: MachineInfo; figures: Figure[] }): string {
  const m = result.machine;
  const lines = [
    `# lfkit benchmarks, ${result.date}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores${m.clockMHz ? ` at ${m.clockMHz} MHz` : ''}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
    '',
    '| figure | value | unit | backend | note |',
    '| --- | ---: | --- | --- | --- |',
    ...result.figures.map((f) => `| ${f.name} | ${fmt(f.value)} | ${f.unit} | ${f.backend} | ${f.note ?? ''} |`),
    '',
  ];
  return lines.join('\n');
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export async function runBenchCli(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
    process.stdout.write('usage: npm run bench [-- NAME ...] [--out DIR]\n\nbenchmarks:\n');
    for (const b of BENCHMARKS) process.stdout.write(`  ${b.name.padEnd(12)} ${b.onlyByName ? '(only when named) ' : ''}${b.description}\n`);
    return;
  }
  const outIdx = args.indexOf('--out');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outDir = outIdx >= 0 ? args[outIdx + 1]! : path.join(here, 'results');
  const names = args.filter((a, i) => !a.startsWith('--') && !(outIdx >= 0 && i === outIdx + 1));
  for (const n of names) {
    if (!BENCHMARKS.some((b) => b.name === n)) {
      process.stderr.write(`bench: unknown benchmark '${n}' (known: ${BENCHMARKS.map((b) => b.name).join(', ')})\n`);
      process.exitCode = 1;
      return;
    }
  }
  const chosen = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS.filter((b) => !b.onlyByName);
  const figures: Figure[] = [];
  for (const b of chosen) {
    process.stderr.write(`bench: ${b.name} ...\n`);
    const t = performance.now();
    const got = await b.run();
    figures.push(...got);
    process.stderr.write(`bench: ${b.name} done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const date = new Date().toISOString();
  const result = { date, machine: machineInfo(), benchmarks: chosen.map((b) => b.name), figures };
  mkdirSync(outDir, { recursive: true });
  const stamp = date.replace(/[:.]/g, '-');
  const md = markdownSummary(result);
  writeAtomic(path.join(outDir, `${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
  writeAtomic(path.join(outDir, `${stamp}.md`), md);
  process.stdout.write(md);
  process.stdout.write(`\nwrote ${path.join(outDir, `${stamp}.json`)}\n`);
}
