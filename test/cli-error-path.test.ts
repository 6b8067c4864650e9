/**
 * The CLI's one error path: every failure is one line `lfkit: error: ...` naming the flag or
 * file, exit code 1 (2 for usage errors, 130 after SIGINT), no stack unless LFKIT_DEBUG=1;
 * resumed runs keep their recorded data, preset and loop settings; `synth` never writes into a
 * foreign folder; flags are named and ranged alike across commands.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

const BIN = fileURLToPath(new URL('../bin/lfkit.mjs', import.meta.url));
let root: string;
let other: string;
let base: string;
let run: string;
let file: string;
const trainArgs = (out: string, extra: string[] = []) => ['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '2', '--rays', '8',
  '--support', '1', '--out', out, '--backend', 'cpu', '--quiet', '--workers', '1', ...TINY_SETS, ...extra];

beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 2 }, views: 6, size: 16 });
  other = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 1 }, views: 6, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-errpath-'));
  run = path.join(base, 'run');
  file = path.join(base, 'a-file');
  fs.writeFileSync(file, 'not a folder');
  const t = await runCli(trainArgs(run, ['--steps', '2', '--log-every', '3', '--val-every', '2', '--checkpoint-every', '2', '--val-objects', '1']));
  expect(t.code, t.stderr).toBe(0);
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

/** One line on stderr, `lfkit: error: ` first, no stack, the given code; returns the line. */
async function oneLine(args: string[], code: number, pattern: RegExp): Promise<string> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(code);
  // tfjs's one-time banner and the backend's start-up note are not part of the failure
  const noise = (l: string) => l.trim() === '' || /^=+$/.test(l.trim()) || /TensorFlow\.js in Node\.js|^lfkit: TensorFlow\.js backend/.test(l);
  const lines = r.stderr.split('\n').filter((l) => !noise(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^lfkit: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]!.length).toBeLessThan(600);
  return lines[0]!;
}

function spawnCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; child: typeof child }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, child }));
  });
  (done as unknown as { child: typeof child }).child = child;
  return done;
}

describe('one error line, exit codes', () => {
  it('render --out under a regular file: one line naming the path (in a child process too: no tfjs source dump)', async () => {
    const out = path.join(file, 'renders');
    await oneLine(['render', '--run', run, '--object', 'obj003', '--out', out, '--backend', 'cpu', '--quiet'], 1, /a-file/);
    const r = await spawnCli(['render', '--run', run, '--object', 'obj003', '--out', out, '--backend', 'wasm', '--quiet']);
    expect(r.code).toBe(1);
    // the backend's start-up note may precede it; the failure itself is one short line
    expect(r.stderr.split('\n').filter((l) => l.startsWith('lfkit: error: ')), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^lfkit: error: .*a-file/m);
    expect(r.stderr.length, r.stderr).toBeLessThan(1500);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('plot --out under a regular file', async () => {
    await oneLine(['plot', '--run', run, '--out', path.join(file, 'curves.png')], 1, /a-file/);
  });

  it('--resume with a corrupt loop-state.json names the file', async () => {
    const copy = path.join(base, 'corrupt');
    fs.cpSync(run, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'checkpoints/last/loop-state.json'), '{"step": 2,');
    fs.rmSync(path.join(copy, 'checkpoints/best'), { recursive: true, force: true });
    await oneLine(trainArgs(copy, ['--steps', '3', '--resume']), 1, /checkpoints\/last\/loop-state\.json/);
  });

  it('usage errors exit 2 on one line; LFKIT_DEBUG=1 adds the stack', async () => {
    await oneLine(['eval', '--run', run, '--no-such-flag'], 2, /--no-such-flag/);
    await oneLine(['eval'], 2, /--run/);
    await oneLine(['eval', '--run', run, '--draws', 'x'], 2, /--draws/);
    const r = await spawnCli(['plot', '--run', run, '--out', path.join(file, 'c.png')], { LFKIT_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lfkit: error: /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('SIGINT during training saves a checkpoint and exits 130', async () => {
    const out = path.join(base, 'interrupted');
    const p = spawnCli(trainArgs(out, ['--steps', '100000']));
    const child = (p as unknown as { child: ReturnType<typeof spawn> }).child;
    const last = path.join(out, 'checkpoints');
    const t0 = Date.now();
    while (!fs.existsSync(path.join(out, 'metrics.jsonl')) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const r = await p;
    expect(r.code, r.stderr).toBe(130);
    expect(fs.existsSync(path.join(last, 'last', 'loop-state.json'))).toBe(true);
  });
});

describe('resume is faithful', () => {
  it('refuses another --data, --category or --preset, naming the flag', async () => {
    await oneLine(trainArgs(run, ['--steps', '3', '--resume']).map((a) => (a === root ? other : a)), 1, /--data: .*resume/);
    const paper = trainArgs(run, ['--steps', '3', '--resume']).map((a) => (a === 'cpu' ? 'paper' : a));
    await oneLine(paper, 1, /--preset: .*cpu/);
  });

  it('keeps the recorded loop settings; a changed one is accepted and recorded', async () => {
    const copy = path.join(base, 'loop');
    fs.cpSync(run, copy, { recursive: true });
    const info0 = JSON.parse(fs.readFileSync(path.join(copy, 'config.json'), 'utf8'));
    expect(info0.loop).toMatchObject({ logEvery: 3, valEvery: 2, checkpointEvery: 2, valObjects: 1 });
    // resume with only the data flags: the loop settings are the recorded ones
    const r = await runCli(['train', '--resume', '--out', copy, '--steps', '6', '--backend', 'cpu', '--quiet', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    const metrics = fs.readFileSync(path.join(copy, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // step 2 ended the first session; the resumed one logs every 3 steps, as recorded
    expect(metrics.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual([2, 3, 6]);
    expect(metrics.filter((m) => m.kind === 'val').map((m) => m.step)).toEqual([2, 4, 6]);
    const r2 = await runCli(['train', '--resume', '--out', copy, '--steps', '7', '--log-every', '1', '--backend', 'cpu', '--quiet', '--workers', '1']);
    expect(r2.code, r2.stderr).toBe(0);
    const info = JSON.parse(fs.readFileSync(path.join(copy, 'config.json'), 'utf8'));
    expect(info.loop).toMatchObject({ logEvery: 1, valEvery: 2, checkpointEvery: 2, valObjects: 1 });
    expect(info.config.preset).toBe('cpu');
    expect(info.data.root).toBe(path.resolve(root));
  });

  it('removes stale temporary checkpoint folders at start', async () => {
    const copy = path.join(base, 'stale');
    fs.cpSync(run, copy, { recursive: true });
    const stale = [path.join(copy, 'checkpoints/.last.tmp.tmp-123'), path.join(copy, 'checkpoints/last.tmp')];
    for (const d of stale) { fs.mkdirSync(d, { recursive: true }); fs.writeFileSync(path.join(d, 'model.safetensors'), 'x'); }
    const r = await runCli(['train', '--resume', '--out', copy, '--steps', '3', '--backend', 'cpu', '--quiet', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    for (const d of stale) expect(fs.existsSync(d), d).toBe(false);
    expect(fs.existsSync(path.join(copy, 'checkpoints/last/loop-state.json'))).toBe(true);
  });
});

describe('synth --out', () => {
  const synth = (out: string, extra: string[] = []) => ['synth', '--category', 'chairs', '--train', '1', '--val', '0', '--test', '1', '--views', '2', '--size', '8', '--spp', '1',
    '--workers', '0', '--quiet', '--out', out, ...extra];

  it('refuses a non-empty folder; --force replaces it cleanly', async () => {
    const out = path.join(base, 'synth');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'mine.txt'), 'keep');
    await oneLine(synth(out), 1, /--out: .*not empty.*--force/);
    expect(fs.readFileSync(path.join(out, 'mine.txt'), 'utf8')).toBe('keep');
    // a foreign folder is never deleted, even with --force
    await oneLine(synth(out, ['--force']), 1, /--out: .*not an lfkit dataset/);
    expect(fs.existsSync(path.join(out, 'mine.txt'))).toBe(true);
    const ds = path.join(base, 'synth-ds');
    expect((await runCli(synth(ds, ['--size', '16']))).code).toBe(0);
    fs.writeFileSync(path.join(ds, 'stale.txt'), 'old');
    await oneLine(synth(ds), 1, /--out: .*not empty/);
    const r = await runCli(synth(ds, ['--force']));
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(ds, 'stale.txt'))).toBe(false);
    const obj = path.join(ds, 'chairs', fs.readdirSync(path.join(ds, 'chairs'))[0]!);
    const png = fs.readFileSync(path.join(obj, 'r_000.png'));
    expect(png.readUInt32BE(16)).toBe(8); // the new 8-px views, no 16-px leftovers
  });
});

describe('consistent flags', () => {
  it('demo takes --run; render takes --support (a count) and --support-views (indices)', async () => {
    const demo = await runCli(['demo', '--help']);
    expect(demo.stdout).toMatch(/--run <dir>/);
    expect(demo.stdout).not.toMatch(/--model/);
    const render = await runCli(['render', '--help']);
    expect(render.stdout).toMatch(/--support <n>/);
    expect(render.stdout).toMatch(/--support-views <indices>/);
    await oneLine(['render', '--run', run, '--object', 'obj003', '--support', '2', '--support-views', '0,1', '--out', path.join(base, 'r'), '--backend', 'cpu'], 2, /--support/);
  });

  it('--help marks required flags and prints no empty defaults', async () => {
    const help = await runCli(['eval', '--help']);
    expect(help.stdout).toMatch(/--run <dir>\s+.*\(required\)/);
    const sweep = await runCli(['sweep', '--help']);
    expect(sweep.stdout).not.toMatch(/\(default: \[\]\)/);
    expect(sweep.stdout).not.toMatch(/\(default: [^)]*\) \(default:/);
    expect((await runCli(['train', '--help'])).stdout).not.toMatch(/\(default: \[\]\)/);
  });

  it('view --support beyond the object\'s views is refused before the server starts', async () => {
    await oneLine(['view', '--data', root, '--category', 'chairs', '--support', '20', '--backend', 'cpu'], 1, /--support: 20 .* 6 views/);
  });

  it('one range for support counts, strict numbers', async () => {
    const a = await oneLine(['eval', '--run', run, '--support', '25', '--backend', 'cpu'], 2, /--support/);
    expect(a).toMatch(/1\.\.24|at most 24/);
    await oneLine(trainArgs(path.join(base, 'hex'), ['--steps', '1', '--set', 'model.decoderWidth=0x80']), 1, /--set.*model\.decoderWidth.*0x80/);
    await oneLine(trainArgs(path.join(base, 'hex2'), ['--steps', '1e0x']), 2, /--steps/);
  });
});
