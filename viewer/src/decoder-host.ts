/**
 * The page's end of the decoder protocol: a `DecoderHost` sends typed requests to a Web Worker
 * (default) or to a `DecoderCore` on this thread (the fallback, `?worker=0`, or when workers
 * cannot start), keeps one request in flight, and is the progressive renderer's `RaySource`.
 */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { ModelConfig } from '../../src/model/index.ts';
import type { RaySource } from './progressive.ts';
import type { BackendChoice, DecoderReply, DecoderRequest, MemoryReply, ReadyReply, ReplyFor } from './worker-protocol.ts';

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

  dispose(): void {
    this.failAll('decoder closed');
    this.terminate();
  }
}
