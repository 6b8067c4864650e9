/**
 * TensorFlow.js backend selection (Node only). The ladder, first that loads wins:
 *   1. `tensorflow` via @tensorflow/tfjs-node-gpu (CUDA; `npm install @tensorflow/tfjs-node-gpu`)
 *   2. `tensorflow` via @tensorflow/tfjs-node     (native CPU; `npm install @tensorflow/tfjs-node`)
 *   3. `webgpu` via the optional `webgpu` package (Dawn) + @tensorflow/tfjs-backend-webgpu, only
 *      when Dawn finds a hardware adapter (Vulkan, Metal or D3D12 driver): a software renderer
 *      such as SwiftShader is used only when forced (`--backend webgpu`)
 *   4. `wasm` via @tensorflow/tfjs-backend-wasm    (bundled; SIMD, with lfkit's faster kernels)
 *   5. `cpu` via @tensorflow/tfjs-backend-cpu      (bundled; plain JS, 20-30x slower)
 * A name (`--backend NAME`) or `LFKIT_BACKEND` forces one rung (`tensorflow` still tries the GPU
 * package first, then the CPU one); a forced backend that fails is an error, not a fallback.
 * The chosen backend (and the GPU adapter, for webgpu) is printed once, to stderr. Imports are
 * dynamic (optional packages) and injectable so the ladder is testable without them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { patchWasmKernels } from '../core/nn/wasm-kernels.ts';
import { nativeBlasStatus, patchWasmMatMulNative } from './native/blas.ts';
import { patchWebGpuBackend } from '../core/nn/webgpu-kernels.ts';
import { probeWebGpu, vulkanLoaderPresent, type GpuAdapterSummary } from './webgpu.ts';

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The packages tried for each backend, in order (webgpu: Dawn first, see `probeWebGpu`). */
export const BACKEND_PACKAGES: Record<BackendName, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
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
  /** Finds the GPU adapter for `webgpu` (default `probeWebGpu`; tests inject a stub). */
  probeGpu?: (importer: (specifier: string) => Promise<unknown>) => Promise<GpuAdapterSummary | null>;
  /** Whether a GPU driver can be there at all (default `vulkanLoaderPresent`); the unforced ladder skips webgpu when not. */
  gpuDriverPresent?: () => boolean;
  /** Where the one-line announcement goes (default: stderr). */
  log?: (line: string) => void;
  /** Environment to read LFKIT_BACKEND from (default: process.env). */
  env?: Record<string, string | undefined>;
}

let announced = false;
let adapter: GpuAdapterSummary | null = null;

/** The GPU adapter of the active `webgpu` backend (null on other backends). */
export function gpuAdapter(): GpuAdapterSummary | null {
  return tf.getBackend() === 'webgpu' ? adapter : null;
}

/**
 * Silences TensorFlow.js's console advice. The cpu backend prints "Hi, looks like you are running
 * TensorFlow.js in Node.js ... install our node backend" on first use: a newcomer reads it as a
 * failure, and the ladder above already uses tfjs-node when it is installed (lfkit announces the
 * backend it picked itself). In tfjs 4.22 the `PROD` flag gates only tfjs's console messages
 * (`log.warn` / `log.log` and flag-override notices), no computation or memory check.
 */
export function quietTfjsConsole(): void {
  tf.env().set('PROD', true);
}

async function defaultActivate(name: BackendName): Promise<boolean> {
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  if (name === 'wasm') {
    patchWasmKernels();
    patchWasmMatMulNative();
  }
  if (name === 'webgpu') patchWebGpuBackend();
  return true;
}


/**
 * Loads and activates a backend; returns `'tensorflow' | 'webgpu' | 'wasm' | 'cpu'`, with the
 * package (and GPU adapter) in the announcement. `name` (or LFKIT_BACKEND) forces one.
 *
 * @example await initBackend();          // ladder
 * @example await initBackend('webgpu');  // forced: any adapter, software renderers included
 */
export async function initBackend(name?: string, opts: BackendOptions = {}): Promise<string> {
  quietTfjsConsole();
  const importer = opts.importer ?? ((s: string) => import(s));
  const activate = opts.activate ?? defaultActivate;
  const probeGpu = opts.probeGpu ?? probeWebGpu;
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const env = opts.env ?? process.env;
  const forced = (name ?? env.LFKIT_BACKEND ?? '').trim() || null;
  if (forced !== null && !(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new BackendError(`backend: unknown backend '${forced}'${name ? '' : ' (from LFKIT_BACKEND)'}; allowed: ${BACKEND_NAMES.join(', ')}`);
  }
  const rungs = forced ? [forced as BackendName] : [...BACKEND_NAMES];
  const failures: string[] = [];
  for (const rung of rungs) {
    let found: GpuAdapterSummary | null = null;
    if (rung === 'webgpu') {
      if (!forced && !(opts.gpuDriverPresent ?? vulkanLoaderPresent)()) {
        failures.push('webgpu: no Vulkan loader (libvulkan.so.1)');
        continue;
      }
      try {
        found = await probeGpu(importer);
      } catch (err) {
        failures.push(`webgpu: ${(err as Error).message.split('\n')[0]!.replace(/ imported from \S+$/, '')}`);
        continue;
      }
      if (!found) {
        failures.push('webgpu: Dawn found no GPU adapter (needs a Vulkan, Metal or D3D12 driver)');
        continue;
      }
      if (found.software && !forced) {
        failures.push(`webgpu: adapter '${found.name}' is a software renderer (used only with --backend webgpu)`);
        continue;
      }
    }
    for (const pkg of BACKEND_PACKAGES[rung]) {
      try {
        await importer(pkg);
        if (await activate(rung)) {
          if (found) adapter = found;
          const gpu = found ? `, adapter '${found.name}'${found.software ? ', a software renderer: for testing, not speed' : ''}` : '';
          const native = rung === 'wasm' && nativeBlasStatus().active ? `, matMul on ${nativeBlasStatus().detail.split(' ').slice(0, 2).join(' ')}` : '';
          if (!announced || opts.log) log(`lfkit: TensorFlow.js backend '${rung}' (${pkg}${gpu}${native})`);
          if (!opts.log) announced = true;
          return rung;
        }
        failures.push(`${pkg}: backend '${rung}' did not initialise`);
      } catch (err) {
        failures.push(`${pkg}: ${(err as Error).message.split('\n')[0]!.replace(/ imported from \S+$/, '')}`);
      }
    }
  }
  throw new BackendError(`backend: ${forced ? `'${forced}' could not be loaded` : 'no TensorFlow.js backend could be loaded'} (${failures.join('; ')})`);
}
