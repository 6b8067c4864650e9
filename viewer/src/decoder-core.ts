/**
 * The decoder side of the protocol: the SAME `LightFieldModel` code as Node (`src/model`,
 * `src/lightfield`), bundled by Vite, on tfjs webgpu / webgl / wasm / cpu. Runs inside the Web Worker
 * or, as the fallback, on the page's thread; either way it only answers `DecoderRequest`s.
 *
 * Tensor ownership (docs/model.md#code-conventions): the model's variables and the current `DecoderContext`
 * are the only long-lived tensors; `renderRays` tidies its own; a new set of latents disposes
 * the previous context. `memory` reports `tf.memory()` so tests can check nothing grows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeSafetensors, LightFieldModel, patchWasmKernels, TestTimeOptimizer, type DecoderContext, type ModelConfig } from 'lfkit';
import type { BackendMeasurement, DecoderReply, DecoderRequest, InitRequest } from './worker-protocol.ts';

/** Rays per timed start-up render; small so that measuring all backends stays short. */
const MEASURE_RAYS = 512;

function weightsMap(bytes: ArrayBuffer): Map<string, { shape: number[]; data: Float32Array }> {
  const { tensors } = decodeSafetensors(new Uint8Array(bytes));
  return new Map(Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
}

/**
 * The other backends are loaded on demand: a wasm decoder worker (the start-up path) then parses
 * only tfjs-core, the wasm backend and the model, not WebGL's and WebGPU's shader libraries.
 */
const BACKEND_MODULES: Record<string, () => Promise<unknown>> = {
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
};

// Set before anything can start the wasm backend: when a probed backend fails to start, tfjs
// falls back to the best registered one, which may be wasm (see useBackend for why threads are off).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

async function useBackend(name: string): Promise<void> {
  await BACKEND_MODULES[name]?.();
  // The threaded wasm build spawns pthread workers that importScripts() tfjs's own script,
  // which does not exist once Vite has bundled it ("e is not defined" in a blob worker). The
  // single-threaded SIMD build needs no helper script; it runs in our one decoder worker.
  if (name === 'wasm') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new Error(`backend ${name} failed to start: ${(err as Error).message}`);
  }
  if (!ok || tf.getBackend() !== name) throw new Error(`backend ${name} is not available here`);
  if (name === 'wasm') patchWasmKernels();
}

/** rays/s of `model` on the current backend: one warm-up render of the same size (shader compile, heap growth), one timed. */
function measure(model: LightFieldModel, config: ModelConfig): number {
  const Z = tf.zeros([1, config.latentTokens, config.decoderWidth]) as tf.Tensor3D;
  const ctx = model.prepare(Z);
  Z.dispose();
  try {
    const rays = new Float32Array(MEASURE_RAYS * 6);
    for (let i = 0; i < MEASURE_RAYS; i++) {
      const a = (i * 2.399963) % (2 * Math.PI), z = 1 - (2 * (i + 0.5)) / MEASURE_RAYS, r = Math.sqrt(1 - z * z);
      rays.set([r * Math.cos(a), r * Math.sin(a), z, 0.1, -0.2, 0.3], i * 6);
    }
    model.renderRays(ctx, rays);
    const t = performance.now();
    model.renderRays(ctx, rays);
    return MEASURE_RAYS / Math.max(1e-3, (performance.now() - t) / 1000);
  } finally {
    ctx.dispose();
  }
}

export class DecoderCore {
  private model: LightFieldModel | null = null;
  private ctx: DecoderContext | null = null;
  private tto: TestTimeOptimizer | null = null;

  /** Answers one request; never throws (errors become an `error` reply). */
  async handle(req: DecoderRequest): Promise<{ reply: DecoderReply; transfer: Transferable[] }> {
    try {
      switch (req.type) {
        case 'init': {
          const r = await this.init(req);
          return { reply: { type: 'ready', id: req.id, ...r }, transfer: [] };
        }
        case 'latents': {
          const model = this.need();
          const Z = tf.tensor3d(req.data, req.shape);
          const ctx = model.prepare(Z);
          Z.dispose();
          this.ctx?.dispose();
          this.ctx = ctx;
          return { reply: { type: 'latents', id: req.id }, transfer: [] };
        }
        case 'render': {
          const model = this.need();
          if (!this.ctx) throw new Error('render before latents');
          const t = performance.now();
          const rgb = model.renderRays(this.ctx, req.rays.subarray(0, req.n * 6));
          return { reply: { type: 'render', id: req.id, rgb, ms: performance.now() - t }, transfer: [rgb.buffer] };
        }
        case 'tto-start': {
          const model = this.need();
          this.tto?.dispose();
          this.tto = null;
          const tto = new TestTimeOptimizer(model, { images: req.images, cameras: req.cameras }, { lr: req.lr, rays: req.rays, seed: req.seed });
          this.tto = tto;
          return { reply: { type: 'tto', id: req.id, steps: 0, loss: NaN, supportMse: tto.supportMse() }, transfer: [] };
        }
        case 'tto-step': {
          if (!this.tto) throw new Error('tto-step before tto-start');
          const loss = this.tto.step(req.n);
          return { reply: { type: 'tto', id: req.id, steps: this.tto.steps, loss, supportMse: null }, transfer: [] };
        }
        case 'tto-end': {
          const tto = this.tto;
          if (!tto) throw new Error('tto-end before tto-start');
          this.tto = null;
          try {
            const data = tto.latent();
            const { latentTokens: R, decoderWidth: d } = this.need().config;
            return { reply: { type: 'tto-end', id: req.id, data, shape: [1, R, d], steps: tto.steps, supportMse: tto.supportMse() }, transfer: [data.buffer] };
          } finally {
            tto.dispose();
          }
        }
        case 'memory': {
          const m = tf.memory();
          return { reply: { type: 'memory', id: req.id, numTensors: m.numTensors, numBytes: m.numBytes }, transfer: [] };
        }
      }
    } catch (err) {
      return { reply: { type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) }, transfer: [] };
    }
  }

  private need(): LightFieldModel {
    if (!this.model) throw new Error('decoder used before init');
    return this.model;
  }

  private async init(req: InitRequest): Promise<{ backend: string; measurements: BackendMeasurement[]; parameters: number }> {
    setWasmPaths(req.wasmPaths);
    const weights = weightsMap(req.weights);
    this.ctx?.dispose();
    this.ctx = null;
    this.model?.dispose();
    this.model = null;
    // the ladder (page thread only; the worker pool starts on wasm and probes the GPU later)
    const candidates = req.backend === 'auto' ? ['webgpu', 'webgl', 'wasm'] : [req.backend];
    const measurements: BackendMeasurement[] = [];
    for (const name of candidates) {
      try {
        await useBackend(name);
        const m = LightFieldModel.fromWeights(req.config, weights);
        try {
          measurements.push({ backend: name, raysPerSecond: measure(m, req.config) });
        } finally {
          m.dispose();
        }
      } catch (err) {
        measurements.push({ backend: name, raysPerSecond: null, error: (err as Error).message });
      }
    }
    const usable = measurements.filter((m) => m.error === undefined);
    if (usable.length === 0) {
      // every preferred backend failed: the plain-JS cpu backend always works
      await useBackend('cpu');
      measurements.push({ backend: 'cpu', raysPerSecond: null });
    } else {
      const best = usable.reduce((a, b) => ((b.raysPerSecond ?? 0) > (a.raysPerSecond ?? 0) ? b : a));
      await useBackend(best.backend);
    }
    this.model = LightFieldModel.fromWeights(req.config, weights);
    return { backend: tf.getBackend(), measurements, parameters: this.model.parameterCount() };
  }
}
