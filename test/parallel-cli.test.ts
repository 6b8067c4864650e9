import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
const trainArgs = (out: string, extra: string[] = []) => ['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '3', '--rays', '8',
  '--support', '1', '--out', out, '--backend', 'wasm', ...TINY_SETS, ...extra];

beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 1 }, views: 6, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-parcli-'));
});
afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe('lfkit train --workers', () => {
  it('SIGINT with 2 threads saves a checkpoint and the process exits (no hang); --resume --workers 2 continues', async () => {
    const out = path.join(base, 'sig');
    const child = spawn(process.execPath, [path.resolve('bin/lfkit.mjs'), ...trainArgs(out, ['--steps', '100000', '--log-every', '1', '--workers', '2'])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const metrics = path.join(out, 'metrics.jsonl');
    const poll = setInterval(() => {
      if (fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').includes('"kind":"train"')) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 50);
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000); // a hang fails the test (code null), never leaves a process
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    clearInterval(poll);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/batch 3, .* 2 threads/);
    expect(stdout).toMatch(/interrupted at step \d+/);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoints', 'last', 'loop-state.json'), 'utf8'));
    expect(state.step).toBeGreaterThanOrEqual(1);
    const r = await runCli(['train', '--resume', '--out', out, '--steps', String(state.step + 2), '--backend', 'wasm', '--workers', '2', '--quiet', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ startStep: state.step, step: state.step + 2, reason: 'steps', workers: 2 });
  });

  it('eval --workers 2 splits the rays over 2 threads and scores exactly like --workers 1', async () => {
    const out = path.join(base, 'ev');
    const t = await runCli(trainArgs(out, ['--steps', '2', '--workers', '1', '--quiet']));
    expect(t.code, t.stderr).toBe(0);
    const ev = async (w: string) => {
      const r = await runCli(['eval', '--run', out, '--support', '1', '--draws', '2', '--backend', 'wasm', '--workers', w, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const one = await ev('1');
    const two = await ev('2');
    expect(one.workers).toBe(1);
    expect(two.workers).toBe(2);
    const scores = (j: Record<string, unknown>) => JSON.stringify({ ...j, workers: undefined });
    expect(scores(two)).toMatch(/psnr/);
    expect(scores(two)).toBe(scores(one));
  });

  it('--workers must be a whole number >= 1 (the error names the flag)', async () => {
    const r = await runCli(trainArgs(path.join(base, 'bad'), ['--steps', '1', '--workers', '0']));
    expect(r.code).toBe(2); // a malformed flag is a usage error
    expect(r.stderr).toMatch(/--workers/);
  });
});
