/**
 * Backend selection for the train/eval/render commands. Uses the project's backend ladder
 * (`src/node/backend.ts`, `initBackend`) when it is present; until then, a local ladder:
 * wasm (with lfkit's faster kernels), then cpu. `name` (or `LFKIT_BACKEND`) forces one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { patchWasmKernels } from '../model/index.ts';

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

const KNOWN = ['wasm', 'cpu'];

/** Sets the tfjs backend and returns its name. */
export async function useBackend(name?: string): Promise<string> {
  const want = name ?? process.env.LFKIT_BACKEND;
  const project = await import('../node/backend' + '.ts').catch(() => null) as { initBackend?: (n?: string) => Promise<unknown> } | null;
  if (project?.initBackend) {
    await project.initBackend(want);
    return tf.getBackend();
  }
  if (want && !KNOWN.includes(want)) throw new BackendError(`--backend: unknown backend '${want}' (available: ${KNOWN.join(', ')})`);
  for (const b of want ? [want] : KNOWN) {
    try {
      if (b === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
      } else {
        await import('@tensorflow/tfjs-backend-cpu');
      }
      if (await tf.setBackend(b)) {
        await tf.ready();
        if (b === 'wasm') patchWasmKernels();
        return b;
      }
    } catch (err) {
      if (want) throw new BackendError(`--backend: ${b} failed to load (${(err as Error).message})`);
    }
  }
  throw new BackendError('no TensorFlow.js backend could be loaded');
}
