import { describe, expect, it } from 'vitest';
import { BackendError, initBackend, type BackendName } from '../src/node/backend.ts';
import { summarizeAdapter, type GpuAdapterSummary } from '../src/node/webgpu.ts';

/** A stubbed world: `available` packages import, `working` backends activate. */
function world(available: string[], working: BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'], gpu: GpuAdapterSummary | null = null) {
  const imported: string[] = [];
  const lines: string[] = [];
  return {
    imported,
    lines,
    opts: {
      importer: async (s: string) => {
        imported.push(s);
        if (!available.includes(s)) throw new Error(`Cannot find package '${s}'`);
        return {};
      },
      activate: async (n: BackendName) => working.includes(n),
      probeGpu: async (imp: (s: string) => Promise<unknown>) => { await imp('webgpu'); return gpu; },
      gpuDriverPresent: () => true,
      log: (l: string) => lines.push(l),
      env: {} as Record<string, string | undefined>,
    },
  };
}

describe('backend ladder', () => {
  it('prefers tfjs-node-gpu, then tfjs-node, then wasm, then cpu', async () => {
    const all = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
    let w = world(all);
    expect(await initBackend(undefined, w.opts)).toBe('tensorflow');
    expect(w.imported).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(w.lines).toEqual(["lfkit: TensorFlow.js backend 'tensorflow' (@tensorflow/tfjs-node-gpu)"]);

    w = world(all.slice(1));
    expect(await initBackend(undefined, w.opts)).toBe('tensorflow');
    expect(w.imported).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);

    w = world(all.slice(2));
    expect(await initBackend(undefined, w.opts)).toBe('wasm');
    expect(w.imported).toEqual([...all.slice(0, 2), 'webgpu', all[2]]); // Dawn found no adapter

    w = world(all, ['cpu']); // everything imports but only cpu initialises
    expect(await initBackend(undefined, w.opts)).toBe('cpu');
    expect(w.imported).toEqual([...all.slice(0, 2), 'webgpu', ...all.slice(2)]);
  });

  it('honours a forced name and LFKIT_BACKEND, without falling back', async () => {
    const all = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
    let w = world(all);
    expect(await initBackend('cpu', w.opts)).toBe('cpu');
    expect(w.imported).toEqual(['@tensorflow/tfjs-backend-cpu']);

    w = world(all);
    w.opts.env = { LFKIT_BACKEND: 'wasm' };
    expect(await initBackend(undefined, w.opts)).toBe('wasm');
    expect(w.imported).toEqual(['@tensorflow/tfjs-backend-wasm']);

    w = world(['@tensorflow/tfjs-backend-cpu']);
    await expect(initBackend('tensorflow', w.opts)).rejects.toThrow(/'tensorflow' could not be loaded.*tfjs-node-gpu.*tfjs-node/);
    await expect(initBackend('webgl', w.opts)).rejects.toThrow(BackendError);
    w.opts.env = { LFKIT_BACKEND: 'gpu' };
    await expect(initBackend(undefined, w.opts)).rejects.toThrow(/unknown backend 'gpu' \(from LFKIT_BACKEND\); allowed: tensorflow, webgpu, wasm, cpu/);
  });

  it('takes webgpu after tensorflow only on a hardware adapter, and names the adapter', async () => {
    const pkgs = ['webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
    let w = world(pkgs, undefined, { name: 'NVIDIA GeForce RTX 4090', software: false });
    expect(await initBackend(undefined, w.opts)).toBe('webgpu');
    expect(w.lines).toEqual(["lfkit: TensorFlow.js backend 'webgpu' (@tensorflow/tfjs-backend-webgpu, adapter 'NVIDIA GeForce RTX 4090')"]);

    // A software renderer is skipped by the ladder, but taken when forced (and said so).
    w = world(pkgs, undefined, { name: 'SwiftShader driver 5.0.0', software: true });
    expect(await initBackend(undefined, w.opts)).toBe('wasm');
    expect(w.imported).not.toContain('@tensorflow/tfjs-backend-webgpu');
    w = world(pkgs, undefined, { name: 'SwiftShader driver 5.0.0', software: true });
    expect(await initBackend('webgpu', w.opts)).toBe('webgpu');
    expect(w.lines[0]).toMatch(/adapter 'SwiftShader driver 5\.0\.0', a software renderer/);

    // Forced without an adapter, or without the Dawn package: an error naming the cause.
    w = world(pkgs);
    await expect(initBackend('webgpu', w.opts)).rejects.toThrow(/'webgpu' could not be loaded \(webgpu: Dawn found no GPU adapter/);
    w = world(pkgs.slice(1), undefined, { name: 'x', software: false });
    await expect(initBackend('webgpu', w.opts)).rejects.toThrow(/Cannot find package 'webgpu'/);

    // No Vulkan loader: the ladder does not even load Dawn.
    w = world(pkgs, undefined, { name: 'NVIDIA', software: false });
    w.opts.gpuDriverPresent = () => false;
    expect(await initBackend(undefined, w.opts)).toBe('wasm');
    expect(w.imported).not.toContain('webgpu');
  });

  it('tells software adapters from hardware ones', () => {
    expect(summarizeAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toEqual({ name: 'SwiftShader driver 5.0.0', software: true });
    expect(summarizeAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(summarizeAdapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4090' }).software).toBe(false);
    expect(summarizeAdapter({ vendor: 'apple', architecture: 'metal-3' })).toEqual({ name: 'apple metal-3', software: false });
    expect(summarizeAdapter({ description: 'Some GPU', isFallbackAdapter: true }).software).toBe(true);
  });

  it('fails clearly when nothing loads', async () => {
    const w = world([]);
    await expect(initBackend(undefined, w.opts)).rejects.toThrow(/no TensorFlow.js backend could be loaded/);
  });

  it('really loads wasm on this machine', async () => {
    const lines: string[] = [];
    expect(await initBackend('wasm', { log: (l) => lines.push(l) })).toBe('wasm');
    expect(lines).toHaveLength(1);
  });
});
