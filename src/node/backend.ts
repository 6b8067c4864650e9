/**
 * TensorFlow.js backend selection (Node only). The ladder, first that loads wins:
 *   1. `tensorflow` via @tensorflow/tfjs-node-gpu (CUDA; `npm install @tensorflow/tfjs-node-gpu`)
 *   2. `tensorflow` via @tensorflow/tfjs-node     (native CPU; `npm install @tensorflow/tfjs-node`)
 *   3. `wasm` via @tensorflow/tfjs-backend-wasm    (bundled; SIMD, with lfkit's faster kernels)
 *   4. `cpu` via @tensorflow/tfjs-backend-cpu      (bundled; plain JS, 20-30x slower)
 * A name (`--backend NAME`) or `LFKIT_BACKEND` forces one rung (`tensorflow` still tries the GPU
 * package first, then the CPU one); a forced backend that fails is an error, not a fallback.
 * The chosen backend is printed once, to stderr. Imports are dynamic (optional packages) and
 * injectable so the ladder is testable without the native packages.
 */
import * as tf from '@tensorflow/tfjs-core';
import { patchWasmKernels } from '../core/nn/wasm-kernels.ts';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The packages tried for each backend, in order. */
export const BACKEND_PACKAGES: Record<BackendName, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface BackendOptions {
  /** Dynamic import (tests inject a stub). */
  importer?: (specifier: string) => Promise<unknown>;
  /** Activates a registered backend; true on success (tests inject a stub). */
  activate?: (name: BackendName) => Promise<boolean>;
  /** Where the one-line announcement goes (default: stderr). */
  log?: (line: string) => void;
  /** Environment to read LFKIT_BACKEND from (default: process.env). */
  env?: Record<string, string | undefined>;
}

let announced = false;

async function defaultActivate(name: BackendName): Promise<boolean> {
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  if (name === 'wasm') patchWasmKernels();
  return true;
}

/**
 * Loads and activates a backend; returns `'tensorflow' | 'wasm' | 'cpu'` plus the package in
 * the announcement. `name` (or LFKIT_BACKEND) forces one.
 *
 * @example await initBackend();          // ladder
 * @example await initBackend('wasm');    // forced
 */
export async function initBackend(name?: string, opts: BackendOptions = {}): Promise<string> {
  const importer = opts.importer ?? ((s: string) => import(s));
  const activate = opts.activate ?? defaultActivate;
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const env = opts.env ?? process.env;
  const forced = (name ?? env.LFKIT_BACKEND ?? '').trim() || null;
  if (forced !== null && !(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new BackendError(`backend: unknown backend '${forced}'${name ? '' : ' (from LFKIT_BACKEND)'}; allowed: ${BACKEND_NAMES.join(', ')}`);
  }
  const rungs = forced ? [forced as BackendName] : [...BACKEND_NAMES];
  const failures: string[] = [];
  for (const rung of rungs) {
    for (const pkg of BACKEND_PACKAGES[rung]) {
      try {
        await importer(pkg);
        if (await activate(rung)) {
          if (!announced || opts.log) log(`lfkit: TensorFlow.js backend '${rung}' (${pkg})`);
          if (!opts.log) announced = true;
          return rung;
        }
        failures.push(`${pkg}: backend '${rung}' did not initialise`);
      } catch (err) {
        failures.push(`${pkg}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  throw new BackendError(`backend: ${forced ? `'${forced}' could not be loaded` : 'no TensorFlow.js backend could be loaded'} (${failures.join('; ')})`);
}
