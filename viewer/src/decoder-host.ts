/**
 * The page's end of the decoder protocol: a `DecoderHost` sends typed requests to a Web Worker
 * (default) or to a `DecoderCore` on this thread (the fallback, `?worker=0`, or when workers
 * cannot start) and keeps one request in flight; a `DecoderPool` spreads each chunk of rays
 * over one host per core and is the progressive renderer's `RaySource`.
 */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { ModelConfig } from 'lfkit';
import type { RaySource } from './progressive.ts';
import type { Camera } from 'lfkit';
import type {
  BackendChoice, BackendMeasurement, DecoderReply, DecoderRequest, MemoryReply, ReadyReply, ReplyFor, TtoEndReply, TtoReply,
} from './worker-protocol.ts';

type Body<T extends DecoderRequest> = T extends DecoderRequest ? Omit<T, 'id'> : never;

/** Absolute URLs of the wasm binaries (a worker resolves relative URLs against its own script). */
export function wasmPaths(): Record<string, string> {
  const abs = (u: string): string => new URL(u, document.baseURI).href;
  return {
    'tfjs-backend-wasm.wasm': abs(wasmUrl),
    'tfjs-backend-wasm-simd.wasm': abs(wasmSimdUrl),
    'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreadedUrl),
  };
}

export class DecoderHost implements RaySource {
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<number, (r: DecoderReply) => void>();
  backend = 'none';

  private constructor(
    readonly mode: 'worker' | 'inline',
    private readonly post: (req: DecoderRequest, transfer: Transferable[]) => void,
    private readonly terminate: () => void,
  ) {}

  /** A worker-backed host, or the same-thread fallback when `inline` is set or workers fail. */
  static async create(inline = false): Promise<DecoderHost> {
    if (!inline && typeof Worker !== 'undefined') {
      try {
        const worker = new Worker(new URL('./decoder-worker.ts', import.meta.url), { type: 'module', name: 'lfkit-decoder' });
        const host: DecoderHost = new DecoderHost('worker', (req, t) => worker.postMessage(req, t), () => worker.terminate());
        worker.onmessage = (e: MessageEvent<DecoderReply>) => host.receive(e.data);
        worker.onerror = (e) => host.failAll(`decoder worker: ${e.message || 'failed to load'}`);
        return host;
      } catch (err) {
        console.warn(`decoder worker unavailable, decoding on the page thread: ${(err as Error).message}`);
      }
    }
    const { DecoderCore } = await import('./decoder-core.ts');
    const core = new DecoderCore();
    const host: DecoderHost = new DecoderHost('inline', (req) => {
      void core.handle(req).then(({ reply }) => host.receive(reply));
    }, () => {});
    return host;
  }

  private receive(reply: DecoderReply): void {
    const resolve = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    resolve?.(reply);
  }

  private failAll(message: string): void {
    for (const [id, resolve] of this.pending) resolve({ type: 'error', id, message });
    this.pending.clear();
  }

  /** Sends one request after the previous one was answered; rejects on an `error` reply. */
  call<T extends DecoderRequest>(body: Body<T>, transfer: Transferable[] = []): Promise<ReplyFor[T['type']]> {
    const run = (): Promise<ReplyFor[T['type']]> => new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, (r) => (r.type === 'error' ? reject(new Error(r.message)) : resolve(r as ReplyFor[T['type']])));
      this.post({ ...body, id } as DecoderRequest, transfer);
    });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async init(config: ModelConfig, weights: ArrayBuffer, backend: BackendChoice): Promise<ReadyReply> {
    const r = await this.call<Extract<DecoderRequest, { type: 'init' }>>({ type: 'init', backend, config, weights, wasmPaths: wasmPaths() }, [weights]);
    this.backend = r.backend;
    return r;
  }

  async setLatents(data: Float32Array, shape: [number, number, number]): Promise<void> {
    await this.call<Extract<DecoderRequest, { type: 'latents' }>>({ type: 'latents', data, shape });
  }

  async render(rays: Float32Array, n: number): Promise<Float32Array> {
    // copy: the caller's buffer is reused for the next pass (allocated once); a chunk is small
    const r = await this.call<Extract<DecoderRequest, { type: 'render' }>>({ type: 'render', rays: rays.slice(0, n * 6), n });
    return r.rgb;
  }

  memory(): Promise<MemoryReply> {
    return this.call<Extract<DecoderRequest, { type: 'memory' }>>({ type: 'memory' });
  }

  ttoStart(images: Float32Array[], cameras: Camera[], opts: { lr: number; rays: number; seed: number }): Promise<TtoReply> {
    return this.call<Extract<DecoderRequest, { type: 'tto-start' }>>({ type: 'tto-start', images, cameras, ...opts });
  }

  ttoStep(n: number): Promise<TtoReply> {
    return this.call<Extract<DecoderRequest, { type: 'tto-step' }>>({ type: 'tto-step', n });
  }

  ttoEnd(): Promise<TtoEndReply> {
    return this.call<Extract<DecoderRequest, { type: 'tto-end' }>>({ type: 'tto-end' });
  }

  dispose(): void {
    this.failAll('decoder closed');
    this.terminate();
  }
}

/**
 * Several decoders side by side (one Web Worker per core): tfjs's multi-threaded wasm cannot
 * run once bundled, so parallelism comes from workers instead. Each chunk of rays is split
 * evenly over the workers, each with its one request in flight, and the parts are joined in
 * order. With WebGL (one GPU) or on the page thread there is one decoder.
 *
 * Backend choice (`auto`): wasm starts at once on every worker, so the first images do not wait
 * for a GPU backend, whose start-up (shader compilation; SwiftShader without a GPU) can take
 * seconds. Once the page has its first full frame it calls `probe()`: a worker times WebGPU,
 * then WebGL (the ladder), and the pool switches between two jobs to the fastest of them if it
 * decodes faster than the whole wasm pool did (the same model gives the same colours).
 */
export class DecoderPool implements RaySource {
  private hosts: DecoderHost[];
  measurements: BackendMeasurement[] = [];
  private latents: { data: Float32Array; shape: [number, number, number] } | null = null;
  private inflight = 0;
  private pendingSwap: DecoderHost | null = null;
  private swapping: Promise<void> = Promise.resolve();
  private probeArgs: { config: ModelConfig; weights: ArrayBuffer; wasm: ReadyReply } | null = null;
  private probeStarted = false;
  private resolveProbe: () => void = () => {};
  /** Called after the pool switched backend (e.g. to update a readout). */
  onBackendChange: (() => void) | null = null;
  /** Resolves once the GPU probe (if any) has been decided; at once when there is none. */
  readonly probeDone: Promise<void>;

  private constructor(first: DecoderHost, private readonly size: number) {
    this.hosts = [first];
    this.probeDone = new Promise((r) => { this.resolveProbe = r; });
  }

  /** `workers` decoders in Web Workers, or one on the page thread when `inline`. */
  static async create(workers: number, inline = false): Promise<DecoderPool> {
    const first = await DecoderHost.create(inline);
    return new DecoderPool(first, first.mode === 'inline' ? 1 : Math.max(1, Math.floor(workers)));
  }

  get mode(): 'worker' | 'inline' {
    return this.hosts[0]!.mode;
  }

  get backend(): string {
    return this.hosts[0]!.backend;
  }

  get workers(): number {
    return this.hosts.length;
  }

  async init(config: ModelConfig, weights: ArrayBuffer, backend: BackendChoice): Promise<ReadyReply> {
    const probe = backend === 'auto' && this.mode === 'worker';
    const pooled = backend === 'auto' || backend === 'wasm' || backend === 'cpu';
    const extra = pooled ? this.size - 1 : 0;
    const copies = Array.from({ length: extra + (probe ? 1 : 0) }, () => weights.slice(0));
    const first: BackendChoice = probe ? 'wasm' : backend;
    // every worker starts at once (each compiles its own wasm module)
    const [ready, ...more] = await Promise.all([
      this.hosts[0]!.init(config, weights, first).then((r) => ({ r, h: this.hosts[0]! })),
      ...copies.slice(0, extra).map(async (w) => {
        const h = await DecoderHost.create(false);
        return { r: await h.init(config, w, first), h };
      }),
    ]);
    this.measurements = [...ready!.r.measurements];
    for (const m of more) {
      if (m.r.backend === ready!.r.backend) this.hosts.push(m.h);
      else m.h.dispose();
    }
    if (probe) this.probeArgs = { config, weights: copies.at(-1)!, wasm: ready!.r };
    else this.resolveProbe();
    return ready!.r;
  }

  /** Starts the GPU probe (WebGPU, then WebGL) once; a no-op without one. */
  probe(): void {
    if (this.probeStarted || !this.probeArgs) return;
    this.probeStarted = true;
    const { config, weights, wasm } = this.probeArgs;
    this.probeArgs = null;
    void this.probeGpu(config, weights, wasm).finally(() => this.resolveProbe());
  }

  private async probeGpu(config: ModelConfig, weights: ArrayBuffer, wasm: ReadyReply): Promise<void> {
    const wasmRate = wasm.measurements.find((x) => x.backend === wasm.backend)?.raysPerSecond ?? 0;
    // the wasm pool decodes on every worker at once: compare with its total rate
    let best: { host: DecoderHost; rate: number } | null = null;
    for (const name of ['webgpu', 'webgl'] as const) {
      let h: DecoderHost | null = null;
      try {
        h = await DecoderHost.create(false);
        const r = await h.init(config, weights.slice(0), name);
        const m = r.measurements.find((x) => x.backend === name);
        const failed = r.measurements.find((x) => x.error !== undefined);
        this.measurements.push(m ?? failed ?? { backend: name, raysPerSecond: null, error: `started ${r.backend} instead` });
        if (r.backend === name && m?.raysPerSecond && m.raysPerSecond > wasmRate * this.hosts.length && m.raysPerSecond > (best?.rate ?? 0)) {
          best?.host.dispose();
          best = { host: h, rate: m.raysPerSecond };
          h = null;
        }
      } catch (err) {
        this.measurements.push({ backend: name, raysPerSecond: null, error: (err as Error).message });
      } finally {
        h?.dispose();
      }
    }
    if (best) {
      this.pendingSwap = best.host;
      this.trySwap();
    }
  }

  /** Switches to the probed backend when no job is in flight. */
  private trySwap(): void {
    const next = this.pendingSwap;
    if (!next || this.inflight > 0) return;
    this.pendingSwap = null;
    const old = this.hosts;
    const z = this.latents;
    this.swapping = (async () => {
      if (z) await next.setLatents(z.data, z.shape);
      this.hosts = [next];
      for (const h of old) h.dispose();
      this.onBackendChange?.();
    })();
  }

  async setLatents(data: Float32Array, shape: [number, number, number]): Promise<void> {
    await this.swapping;
    this.latents = { data, shape };
    await Promise.all(this.hosts.map((h) => h.setLatents(data, shape)));
  }

  async render(rays: Float32Array, n: number): Promise<Float32Array> {
    await this.swapping;
    this.inflight++;
    try {
      const hosts = this.hosts;
      const k = Math.min(hosts.length, Math.max(1, Math.floor(n / 256)));
      if (k === 1) return await hosts[0]!.render(rays, n);
      const per = Math.ceil(n / k);
      const parts = await Promise.all(hosts.slice(0, k).map((h, i) => {
        const start = i * per, count = Math.min(per, n - start);
        return h.render(rays.subarray(start * 6, (start + count) * 6), count);
      }));
      const out = new Float32Array(n * 3);
      parts.forEach((p, i) => out.set(p, i * per * 3));
      return out;
    } finally {
      this.inflight--;
      this.trySwap();
    }
  }

  /**
   * Test-time optimisation of the latent tokens on the support views (`src/core/analysis/tto.ts`) in
   * the first worker, `chunk` Adam steps per request so that render jobs queued meanwhile run
   * between them; then every decoder renders with the optimised Z. `keepGoing` is asked before
   * each chunk (false: stop early and keep the latents as they were).
   */
  async refine(
    images: Float32Array[], cameras: Camera[], opts: { steps: number; lr: number; rays: number; seed: number; chunk?: number },
    onProgress: (steps: number, loss: number) => void, keepGoing: () => boolean,
  ): Promise<{ before: number; after: number; steps: number } | null> {
    await this.swapping;
    const h = this.hosts[0]!;
    const start = await h.ttoStart(images, cameras, opts);
    let steps = 0;
    while (steps < opts.steps) {
      if (!keepGoing()) {
        await h.ttoEnd();
        if (this.latents) await h.setLatents(this.latents.data, this.latents.shape);
        return null;
      }
      const r = await h.ttoStep(Math.min(opts.chunk ?? 5, opts.steps - steps));
      steps = r.steps;
      onProgress(steps, r.loss);
    }
    const end = await h.ttoEnd();
    if (!keepGoing()) {
      if (this.latents) await h.setLatents(this.latents.data, this.latents.shape);
      return null;
    }
    await this.setLatents(end.data, end.shape);
    return { before: start.supportMse!, after: end.supportMse, steps: end.steps };
  }

  /** `tf.memory()` summed over the decoders. */
  async memory(): Promise<{ numTensors: number; numBytes: number }> {
    await this.swapping;
    const ms = await Promise.all(this.hosts.map((h) => h.memory()));
    return { numTensors: ms.reduce((a, m) => a + m.numTensors, 0), numBytes: ms.reduce((a, m) => a + m.numBytes, 0) };
  }

  dispose(): void {
    this.pendingSwap?.dispose();
    for (const h of this.hosts) h.dispose();
  }
}
