import { describe, expect, it } from 'vitest';
import { BackendError, initBackend, type BackendName } from '../src/node/backend.ts';

/** A stubbed world: `available` packages import, `working` backends activate. */
function world(available: string[], working: BackendName[] = ['tensorflow', 'wasm', 'cpu']) {
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
    expect(w.imported).toEqual(all.slice(0, 3));

    w = world(all, ['cpu']); // everything imports but only cpu initialises
    expect(await initBackend(undefined, w.opts)).toBe('cpu');
    expect(w.imported).toEqual(all);
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
    await expect(initBackend(undefined, w.opts)).rejects.toThrow(/unknown backend 'gpu' \(from LFKIT_BACKEND\); allowed: tensorflow, wasm, cpu/);
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
