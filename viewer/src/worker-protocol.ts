/**
 * The typed message protocol between the page and the decoder (style.md item 13). The same
 * requests go to a Web Worker (`decoder-worker.ts`) or, as a fallback, to a `DecoderCore` on
 * the page's own thread; every request carries an `id` and gets exactly one reply with it.
 * The page keeps exactly one request in flight.
 *
 * Shapes: `rays [n, 6]` Plücker (`src/rays`), `rgb [n, 3]` unclamped, `latents [1, R, d]`.
 */
import type { ModelConfig } from '../../src/model/index.ts';

/** `auto` measures each available backend on a short render and keeps the fastest. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface InitRequest {
  type: 'init';
  id: number;
  backend: BackendChoice;
  config: ModelConfig;
  /** The model's weights as safetensors bytes (transferred). */
  weights: ArrayBuffer;
  /** Emitted URLs of tfjs-backend-wasm's `.wasm` files, by file name. */
  wasmPaths: Record<string, string>;
}
export interface LatentsRequest {
  type: 'latents';
  id: number;
  /** Z `[1, R, d]` row-major. */
  data: Float32Array;
  shape: [number, number, number];
}
export interface RenderRequest {
  type: 'render';
  id: number;
  /** Plücker rays `[n, 6]`; only the first `n` rays are read. */
  rays: Float32Array;
  n: number;
}
export interface MemoryRequest {
  type: 'memory';
  id: number;
}
export type DecoderRequest = InitRequest | LatentsRequest | RenderRequest | MemoryRequest;

export interface BackendMeasurement {
  backend: string;
  /** rays/s on the start-up measurement, or null when the backend failed to start. */
  raysPerSecond: number | null;
  error?: string;
}
export interface ReadyReply {
  type: 'ready';
  id: number;
  backend: string;
  measurements: BackendMeasurement[];
  parameters: number;
}
export interface LatentsReply {
  type: 'latents';
  id: number;
}
export interface RenderReply {
  type: 'render';
  id: number;
  /** `[n, 3]` unclamped (transferred). */
  rgb: Float32Array;
  ms: number;
}
export interface MemoryReply {
  type: 'memory';
  id: number;
  numTensors: number;
  numBytes: number;
}
export interface ErrorReply {
  type: 'error';
  id: number;
  message: string;
}
export type DecoderReply = ReadyReply | LatentsReply | RenderReply | MemoryReply | ErrorReply;

/** The reply type for each request type. */
export interface ReplyFor {
  init: ReadyReply;
  latents: LatentsReply;
  render: RenderReply;
  memory: MemoryReply;
}
