/**
 * PyTorch, measured in the same bench run as lfkit (`bench/torch-speed.py`, the same model and
 * training step), so that ratios compare two figures taken under the same machine load; no
 * stored constant. Looks for a python3 with torch: `LFKIT_PYTHON`, then `python3` on the PATH,
 * then `/usr/bin/python3` (Debian's python3-torch).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TorchSpeed {
  python: string;
  torch: string;
  threads: number;
  params: number;
  train_step_s: number;
  /** CPU seconds of all threads per step (the total work; steady under load). */
  train_step_cpu_s: number;
  samples_per_s: number;
  decoder_rays_per_s: number;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch-speed.py');

/** The first python that imports torch, or null with the reason in `tried`. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): { python: string | null; tried: string[] } {
  const candidates = [env.LFKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  const tried: string[] = [];
  for (const py of [...new Set(candidates)]) {
    // Importing torch takes over a minute on a busy machine.
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status === 0) return { python: py, tried };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { python: null, tried };
}

/**
 * Runs the PyTorch step on `threads` threads (`steps` timed after a warm-up); null with a
 * one-line reason when no python with torch is found or the script fails.
 */
export function measureTorch(threads: number, steps = 3): { result: TorchSpeed | null; reason: string } {
  const { python, tried } = findTorchPython();
  if (!python) return { result: null, reason: `no python3 with torch (${tried.join('; ')}); install python3-torch or set LFKIT_PYTHON` };
  const r = spawnSync(python, [SCRIPT, '--threads', String(threads), '--steps', String(steps)], { encoding: 'utf8', timeout: 30 * 60_000 });
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { result: null, reason: `${python} ${SCRIPT} failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}` };
  return { result: { ...(JSON.parse(line) as Omit<TorchSpeed, 'python'>), python }, reason: '' };
}
