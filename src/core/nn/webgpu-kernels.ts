/**
 * Guards and kernel fixes for tfjs-backend-webgpu 4.22, so that lfkit on `webgpu` either gives
 * the wasm backend's numbers or stops with a clear error, never a silent wrong answer.
 *
 * - `AddN` binds one storage buffer per input, but a device allows only
 *   `maxStorageBuffersPerShaderStage` (8 by default) per shader stage: with more inputs the
 *   pipeline is invalid, the command buffer is rejected and the output keeps whatever its buffer
 *   held. (The backend's `Concat` splits such inputs; its `AddN` does not.) The replacement sums
 *   groups that fit and then the group sums.
 * - Any GPU validation or out-of-memory error (reported asynchronously as `uncapturederror`) is
 *   recorded and thrown at the next read of a tensor, as `WebGpuError`.
 * - The backend's synchronous read goes through an `OffscreenCanvas`, absent in Node (it fails
 *   with a ReferenceError deep in the backend). `data()` caches values on the host, where
 *   `readSync` finds them, so lfkit's webgpu paths read asynchronously first; any other
 *   synchronous read of a GPU-resident tensor throws `WebGpuError` with one clear line.
 *
 * Imports only tfjs-core and touches the backend duck-typed (browser-safe). Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A webgpu backend failure that lfkit refuses to turn into numbers. */
export class WebGpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuError';
  }
}

/** The message of a synchronous read of a GPU tensor where the backend cannot do one. */
export const WEBGPU_SYNC_READ_ERROR = 'webgpu backend: this operation reads a GPU tensor synchronously (dataSync), which tfjs-backend-webgpu cannot do outside a browser; train, eval and render read asynchronously (use --backend wasm for the other commands)';

interface TensorData { values?: unknown; dtype: string }
interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number }; onuncapturederror?: unknown; lost?: Promise<{ message: string }> };
  tensorMap: { get(id: object): TensorData | undefined };
  readSync(id: object): unknown;
  read(id: object): Promise<unknown>;
  disposeData(id: object): void;
  lfkitGuarded?: boolean;
}
interface Info { dataId: object; shape: number[]; dtype: string }

let addNPatched = false;

function patchAddN(): void {
  if (addNPatched) return;
  const orig = tf.getKernel('AddN', 'webgpu');
  if (!orig) return;
  const kernelFunc = orig.kernelFunc as unknown as (a: { inputs: Info[]; backend: WebGpuBackendLike; attrs: object }) => Info;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: ((args: { inputs: Info[]; backend: WebGpuBackendLike; attrs: object }) => {
      const max = Math.max(2, args.backend.device.limits.maxStorageBuffersPerShaderStage - 1);
      const sum = (xs: Info[]): Info => {
        if (xs.length <= max) return kernelFunc({ ...args, inputs: xs });
        const parts: Info[] = [];
        for (let i = 0; i < xs.length; i += max) parts.push(sum(xs.slice(i, i + max)));
        try {
          return sum(parts);
        } finally {
          for (const p of parts) args.backend.disposeData(p.dataId);
        }
      };
      // AddN receives its inputs as an array-like of TensorInfos.
      return sum(Array.from(args.inputs as ArrayLike<Info>));
    }) as unknown as tf.KernelFunc,
  });
  addNPatched = true;
}

/**
 * Applies the fixes and guards above to the active webgpu backend (`tf.backend()` after
 * `tf.setBackend('webgpu')`). A no-op for other backends and when already applied.
 */
export function patchWebGpuBackend(backend: unknown = tf.backend()): void {
  if (tf.getBackend() !== 'webgpu') return;
  patchAddN();
  const b = backend as WebGpuBackendLike;
  if (b.lfkitGuarded) return;
  let failure: string | null = null;
  b.device.onuncapturederror = (ev: { error?: { message?: string } }) => {
    failure ??= String(ev.error?.message ?? 'unknown error').split('\n')[0]!;
  };
  void b.device.lost?.then((info) => { failure ??= `device lost: ${info.message}`; });
  const check = () => {
    if (failure) throw new WebGpuError(`webgpu backend: the GPU rejected work (${failure}); results would be wrong, so lfkit stops`);
  };
  const read = b.read.bind(b);
  b.read = async (id: object) => {
    check();
    const out = await read(id);
    check();
    return out;
  };
  const readSync = b.readSync.bind(b);
  const noCanvas = typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined';
  b.readSync = (id: object) => {
    check();
    const data = b.tensorMap.get(id);
    if (noCanvas && data && data.values == null && data.dtype !== 'string' && data.dtype !== 'complex64') throw new WebGpuError(WEBGPU_SYNC_READ_ERROR);
    return readSync(id);
  };
  b.lfkitGuarded = true;
}
