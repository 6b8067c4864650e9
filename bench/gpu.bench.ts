/**
 * `npm run bench -- gpu`: the training and decoder benchmarks on every backend that loads
 * (tensorflow, webgpu, wasm, cpu; each in a process of its own, `bench/backend-speed.ts`), side
 * by side with PyTorch measured in the same run (`bench/torch-speed.py`, when a python3 with
 * torch is found), then a short `lfkit train` on the backend the ladder picks, which writes a
 * run folder (`runs/bench-gpu-<time>`), so a GPU's speed-up is measured, not assumed.
 *
 *   LFKIT_BENCH_BACKENDS=webgpu,wasm   only these backends
 *   LFKIT_BENCH_GPU_STEPS=40           steps of the training run (0: no run)
 *   LFKIT_BACKEND=webgpu               the training run's backend (default: the ladder's)
 *
 * webgpu needs a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver with a hardware
 * adapter; software adapters are reported, not timed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES } from '../src/node/backend.ts';
import { makeTinyLearnit } from '../test/helpers/tiny-learnit.ts';
import type { BackendSpeed } from './backend-speed.ts';
import type { Benchmark, Figure } from './harness.ts';
import { measureTorch } from './torch-reference.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function cell(v: number | undefined, digits = 2): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);
}

export const gpuBenchmark: Benchmark = {
  name: 'gpu',
  onlyByName: true,
  description: 'cpu-preset training samples/s and decoder rays/s on every backend that loads (webgpu with its adapter), PyTorch beside them, and a short lfkit train run that writes a run folder',
  async run() {
    const figures: Figure[] = [];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-bench-gpu-'));
    try {
      const wanted = (process.env.LFKIT_BENCH_BACKENDS ?? BACKEND_NAMES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
      const rows: BackendSpeed[] = [];
      for (const name of wanted) {
        process.stderr.write(`bench: gpu: ${name} ...\n`);
        const out = path.join(tmp, `${name}.json`);
        const r = await runNode(['--import', 'tsx', 'bench/backend-speed.ts', name, out]);
        rows.push(r.code === 0 && fs.existsSync(out)
          ? JSON.parse(fs.readFileSync(out, 'utf8')) as BackendSpeed
          : { backend: name, loaded: false, reason: `measurement failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` });
      }
      process.stderr.write('bench: gpu: PyTorch ...\n');
      const torch = measureTorch(2);

      const lines = ['| backend | adapter / threads | train samples/s | decoder rays/s | note |', '| --- | --- | ---: | ---: | --- |'];
      for (const r of rows) {
        const who = r.adapter ? `${r.adapter.name}${r.adapter.software ? ' (software)' : ''}` : r.threads ? `${r.threads} thread${r.threads > 1 ? 's' : ''}` : '';
        lines.push(`| ${r.backend} | ${who} | ${cell(r.samplesPerS)} | ${cell(r.decoderRaysPerS, 0)} | ${r.reason ?? ''} |`);
        const note = `${who || 'not loaded'}${r.reason ? `; ${r.reason}` : ''}; cpu preset, batch 8, S 3, K 512, 64x64`;
        figures.push({ name: `gpu.${r.backend}.loaded`, value: r.loaded ? 1 : 0, unit: 'bool', backend: r.backend, note });
        if (r.samplesPerS !== undefined) {
          figures.push({ name: `gpu.${r.backend}.train_samples_per_s`, value: r.samplesPerS, unit: 'samples/s', backend: r.backend, note: `wall, median of warm steps; ${note}` });
          figures.push({ name: `gpu.${r.backend}.decoder_rays_per_s`, value: r.decoderRaysPerS!, unit: 'rays/s', backend: r.backend, note: `wall, given Z, d 128; ${who}` });
        }
      }
      if (torch.result) {
        const t = torch.result;
        lines.push(`| PyTorch ${t.torch} | ${t.threads} threads | ${cell(t.samples_per_s)} | ${cell(t.decoder_rays_per_s, 0)} | ${t.python} bench/torch-speed.py |`);
        figures.push({ name: 'gpu.pytorch.train_samples_per_s', value: t.samples_per_s, unit: 'samples/s', backend: 'pytorch', note: `${t.python}, torch ${t.torch}, ${t.threads} threads, same run` });
        figures.push({ name: 'gpu.pytorch.decoder_rays_per_s', value: t.decoder_rays_per_s, unit: 'rays/s', backend: 'pytorch', note: `${t.python}, torch ${t.torch}, ${t.threads} threads, same run` });
      } else {
        lines.push(`| PyTorch | | - | - | ${torch.reason} |`);
      }
      lines.push(`(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores at the end of the measurements)`);
      process.stderr.write(`\n${lines.join('\n')}\n\n`);
      figures.push({ name: 'gpu.load_average_1min', value: os.loadavg()[0]!, unit: 'load', backend: 'none', note: 'after the per-backend measurements: wall-clock figures scale with it' });

      // ---- a short training run that writes a run folder ------------------------------------
      const steps = Number(process.env.LFKIT_BENCH_GPU_STEPS ?? 40);
      if (steps > 0) {
        process.stderr.write(`bench: gpu: lfkit train, ${steps} steps ...\n`);
        const root = await makeTinyLearnit({ objects: { train: 8, val: 1, test: 0 }, views: 24, size: 64 });
        const runDir = path.join(REPO, 'runs', `bench-gpu-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        const t0 = performance.now();
        const r = await runNode(['bin/lfkit.mjs', 'train', '--data', root, '--category', 'chairs', '--preset', 'cpu', '--steps', String(steps),
          '--val-every', String(steps), '--val-objects', '1', '--checkpoint-every', String(steps), '--log-every', '5', '--quiet', '--out', runDir]);
        const wall = (performance.now() - t0) / 1000;
        fs.rmSync(root, { recursive: true, force: true });
        const announce = /TensorFlow\.js backend '([^']+)' \(([^\n]*)\)/.exec(r.stderr);
        const backend = announce?.[1] ?? 'unknown';
        if (r.code !== 0) {
          process.stderr.write(`bench: gpu: training run failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-1)[0]}\n`);
          figures.push({ name: 'gpu.train_run_ok', value: 0, unit: 'bool', backend, note: r.stderr.trim().split('\n').slice(-1)[0] ?? '' });
        } else {
          const recs = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step?: number; loss?: number; elapsed?: number });
          const train = recs.filter((m) => m.kind === 'train');
          const last = train[train.length - 1];
          const note = `${announce?.[2] ?? ''}; cpu preset, batch 8, 64x64 spheres dataset, ${steps} steps incl. start-up, one validation and a checkpoint; run folder ${path.relative(REPO, runDir)}`;
          figures.push({ name: 'gpu.train_run_steps_per_s', value: steps / wall, unit: 'steps/s', backend, note });
          if (last?.loss !== undefined) figures.push({ name: 'gpu.train_run_last_loss', value: last.loss, unit: 'MSE', backend, note: `step ${last.step}` });
          process.stderr.write(`bench: gpu: training run on '${backend}': ${(steps / wall).toFixed(3)} steps/s over ${wall.toFixed(0)} s; ${path.relative(REPO, runDir)}\n`);
        }
      }
      return figures;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
