/**
 * The webgpu backend in Node (Dawn from the `webgpu` package) on SwiftShader, the CPU Vulkan
 * driver of Debian's chromium: the same numbers as wasm, and the CLI trains and renders on it.
 * SwiftShader's loader path must be set before a process starts, so webgpu runs in child
 * processes. A machine without chromium or the `webgpu` package fails here with the cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { swiftShaderEnv } from '../src/node/webgpu.ts';
import { assertClose } from './helpers/assert-close.ts';
import { useBackend } from './helpers/model-fixtures.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { TINY_SETS } from './helpers/run-cli.ts';
import { parityRun, type ParityResult } from './helpers/webgpu-parity.ts';

let base: string;
let env: NodeJS.ProcessEnv;

/**
 * Runs `node args` with SwiftShader; rejects with its stderr when it fails or hangs. The guard
 * is generous: each child takes 1-2.5 minutes on 2 busy cores, SwiftShader compiling shaders.
 */
function run(args: string[], timeoutMs = 540_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`node ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

beforeAll(() => {
  env = { ...swiftShaderEnv(), LFKIT_BACKEND: undefined };
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-webgpu-'));
});
afterAll(async () => {
  fs.rmSync(base, { recursive: true, force: true });
  await useBackend('wasm');
});

describe('webgpu backend on SwiftShader', () => {
  it('one training step and a rendered view equal wasm within 1e-4 relative', async () => {
    const out = path.join(base, 'parity.json');
    await run(['--import', 'tsx', 'test/helpers/webgpu-parity-child.ts', out]);
    const gpu = JSON.parse(fs.readFileSync(out, 'utf8')) as ParityResult & { adapter: { name: string; software: boolean }; syncRead: string };
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.adapter).toEqual({ name: expect.stringMatching(/swiftshader/i), software: true });

    await useBackend('wasm');
    const ref = await parityRun();
    expect(ref.backend).toBe('wasm');
    assertClose([gpu.loss, gpu.gradNorm], [ref.loss, ref.gradNorm], 0, 1e-4, 'loss and gradient norm');
    expect(Object.keys(gpu.weights)).toEqual(Object.keys(ref.weights));
    for (const n of Object.keys(ref.weights)) assertClose(gpu.weights[n]!, ref.weights[n]!, 1e-7, 1e-4, `weights ${n}`);
    // The step moved the weights (the comparison is not of two untouched initialisations).
    expect(ref.moved).toBeGreaterThan(1e-3);
    assertClose(gpu.view, ref.view, 1e-7, 1e-4, 'rendered view');
    // A synchronous read of a GPU tensor is refused with one clear line, not a ReferenceError.
    expect(gpu.syncRead).toMatch(/^WebGpuError: webgpu backend: .*synchronously \(dataSync\)/);
  }, 600_000);

  it('lfkit train --backend webgpu trains a tiny model and lfkit render renders from it', async () => {
    const root = await makeTinyLearnit({ objects: { train: 2, val: 1, test: 1 }, views: 4, size: 16 });
    try {
      const out = path.join(base, 'run');
      const train = await run(['bin/lfkit.mjs', 'train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--batch', '2', '--rays', '8',
        '--support', '1', '--steps', '2', '--val-every', '2', '--val-objects', '1', '--out', out, '--backend', 'webgpu', ...TINY_SETS]);
      expect(train.stderr).toMatch(/backend 'webgpu' \(@tensorflow\/tfjs-backend-webgpu, adapter '[^']*SwiftShader[^']*', a software renderer/);
      expect(train.stderr).not.toMatch(/GPU rejected|OffscreenCanvas|validation/i);
      const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; loss?: number });
      const losses = metrics.filter((m) => m.kind === 'train').map((m) => m.loss!);
      expect(losses.length).toBeGreaterThan(0);
      for (const l of losses) expect(Number.isFinite(l) && l > 0).toBe(true);
      expect(fs.existsSync(path.join(out, 'checkpoints', 'last'))).toBe(true);

      const views = path.join(base, 'views');
      await run(['bin/lfkit.mjs', 'render', '--run', out, '--object', fs.readdirSync(path.join(root, 'chairs')).sort()[0]!,
        '--support-views', '0', '--orbit', '2', '--size', '16', '--out', views, '--backend', 'webgpu', '--workers', '2']);
      expect(fs.readdirSync(views).length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 1_200_000);
});
