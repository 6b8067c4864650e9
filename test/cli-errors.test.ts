import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { runCli, TINY_SETS } from './helpers/run-cli.ts';

let root: string;
let base: string;
let run: string;
const trainArgs = (out: string, extra: string[] = []) => ['train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '2', '--rays', '8',
  '--support', '1', '--out', out, '--backend', 'cpu', '--quiet', ...TINY_SETS, ...extra];

beforeAll(async () => {
  root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 2 }, views: 6, size: 16 });
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-clierr-'));
  run = path.join(base, 'run');
  const t = await runCli(trainArgs(run, ['--steps', '1']));
  expect(t.code).toBe(0);
});

/** A failure: one line naming the flag, file or field; exit 1, or 2 for a usage error (a malformed flag). */
async function fails(args: string[], pattern: RegExp, code: 1 | 2 = 1): Promise<void> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('CLI errors name the flag, file or field (exit code 1)', () => {
  it('run folders: missing, foreign, overwritten without --force', async () => {
    await fails(['eval', '--run', path.join(base, 'nope'), '--backend', 'cpu'], /--run: run folder .*nope does not exist/);
    const foreign = path.join(base, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    await fails(['render', '--run', foreign, '--object', 'x', '--out', path.join(base, 'o'), '--backend', 'cpu'], /--run: .*foreign is not an lfkit run folder/);
    await fails(['plot', '--run', foreign], /not an lfkit run folder/);
    await fails(trainArgs(foreign, ['--steps', '1']), /--out: .*foreign is not empty and is not an lfkit run folder/);
    expect(fs.readFileSync(path.join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    await fails(trainArgs(run, ['--steps', '1']), /--out: run folder .* already exists; use --resume to continue it or --force to overwrite it/);
    await fails(['train', '--resume', '--out', path.join(base, 'nope2')], /--out: run folder .*nope2 does not exist/);
    await fails(['eval', '--run', path.join(base, 'run'), '--support', '1', '--checkpoint', 'last', '--backend', 'nonsense'], /--backend: unknown backend 'nonsense'/);
  });

  it('a checkpoint whose config does not match', async () => {
    const copy = path.join(base, 'mismatch');
    fs.cpSync(run, copy, { recursive: true });
    for (const w of ['best', 'last']) {
      const f = path.join(copy, 'checkpoints', w, 'config.json');
      const c = JSON.parse(fs.readFileSync(f, 'utf8'));
      c.model.decoderWidth = 32;
      fs.writeFileSync(f, JSON.stringify(c));
    }
    await fails(['eval', '--run', copy, '--backend', 'cpu', '--quiet'], /checkpoints.*config.json: the checkpoint's model config differs from the expected one at model.decoderWidth: 32 vs 16/);
    // resuming with another config
    await fails([...trainArgs(run, ['--steps', '2', '--resume']), '--set', 'model.decoderWidth=32'], /the run was created with another config.*model.decoderWidth: 16 in the run vs 32 now/);
  });

  it('images whose size the model cannot take, malformed poses, missing files', async () => {
    const img = path.join(base, 'wide.png');
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#808080' } }).png().toFile(img);
    const cams = path.join(base, 'cams.json');
    const tm = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]];
    fs.writeFileSync(cams, JSON.stringify({ camera_angle_x: 0.69, frames: [{ file_path: './wide', transform_matrix: tm }] }));
    await fails(['render', '--run', run, '--images', img, '--cameras', cams, '--orbit', '1', '--out', path.join(base, 'o1'), '--backend', 'cpu', '--quiet'],
      /wide.png: image is 20x10; the model takes square 16x16 views/);
    const bad = path.join(base, 'bad-poses.json');
    fs.writeFileSync(bad, '{"frames": [ {"file_path": "a", "transform_matrix": [[1,0,0]] } ]}');
    await fails(['render', '--run', run, '--object', 'obj003', '--poses', bad, '--out', path.join(base, 'o2'), '--backend', 'cpu', '--quiet'],
      /bad-poses.json: frames\[0\]: field "transform_matrix" must be a 4x4/);
    fs.writeFileSync(bad, '{"frames": [');
    await fails(['render', '--run', run, '--object', 'obj003', '--poses', bad, '--out', path.join(base, 'o3'), '--backend', 'cpu', '--quiet'], /bad-poses.json: malformed JSON/);
    await fails(['render', '--run', run, '--object', 'obj003', '--poses', path.join(base, 'none.json'), '--out', path.join(base, 'o4'), '--backend', 'cpu', '--quiet'], /--poses: .*none.json does not exist/);
    await fails(['render', '--run', run, '--object', 'obj003', '--support-views', '0,9', '--out', path.join(base, 'o5'), '--backend', 'cpu', '--quiet'], /--support-views: view 9 does not exist; object obj003 has views 0..5/);
    await fails(['render', '--run', run, '--object', 'obj003', '--poses', bad, '--orbit', '3', '--out', path.join(base, 'o6')], /--poses and --orbit/);
  });

  it('unknown preset, variant, category, config key; support counts larger than the views', async () => {
    await fails(['train', '--data', root, '--preset', 'gpu', '--out', path.join(base, 'x')], /--preset.*'gpu' is invalid. Allowed choices are cpu, paper/, 2);
    await fails(['train', '--data', root, '--preset', 'cpu', '--variant', 'nerf', '--out', path.join(base, 'x')], /--variant.*'nerf' is invalid/, 2);
    await fails(trainArgs(path.join(base, 'x1'), ['--steps', '1', '--set', 'model.colour=red']), /--set: unknown config key 'model.colour'/);
    await fails(trainArgs(path.join(base, 'x2'), ['--steps', '1', '--set', 'model.variant=nerf']), /model.variant: must be one of full, no-sta, no-mfm, ipc/);
    const cat = ['train', '--data', root, '--category', 'spoons', '--preset', 'cpu', '--out', path.join(base, 'x3'), '--backend', 'cpu', '--quiet', ...TINY_SETS];
    const r = await runCli(cat);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/spoons/);
    await fails(trainArgs(path.join(base, 'x4'), ['--steps', '1', '--support', '6']), /--support: 6 support views \+ 1 query need 7 training views/);
    expect(fs.existsSync(path.join(base, 'x4'))).toBe(false);
    await fails(['eval', '--run', run, '--support', '6', '--backend', 'cpu', '--quiet'], /--support: 6 support views \+ 1 query need 7 views; objects of .* have 6/);
    await fails(['eval', '--run', run, '--support', '0'], /--support <counts>.*'0' is invalid/, 2);
    await fails(['eval', '--run', run, '--draws', 'many'], /--draws.*'many' is not a whole number/, 2);
  });
});

describe('signals', () => {
  it('SIGINT during training saves a checkpoint and exits cleanly; --resume continues', async () => {
    const out = path.join(base, 'sig');
    const bin = path.resolve('bin/lfkit.mjs');
    const child = spawn(process.execPath, [bin, ...trainArgs(out, ['--steps', '100000', '--log-every', '1'])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const metrics = path.join(out, 'metrics.jsonl');
    const sent = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').includes('"kind":"train"')) {
          clearInterval(t);
          child.kill('SIGINT');
          resolve();
        }
      }, 50);
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000); // never leave a trainer behind
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    await sent;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/SIGINT: saving a checkpoint/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toMatch(/interrupted at step \d+/);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoints', 'last', 'loop-state.json'), 'utf8'));
    expect(state.step).toBeGreaterThanOrEqual(1);
    const r = await runCli(['train', '--resume', '--out', out, '--steps', String(state.step + 1), '--backend', 'cpu', '--quiet', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ startStep: state.step, step: state.step + 1, reason: 'steps' });
  });
});
