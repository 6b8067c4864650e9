/**
 * The typed message protocol between the page and the decoder (docs/model.md#code-conventions). The same
 * requests go to a Web Worker (`decoder-worker.ts`) or, as a fallback, to a `DecoderCore` on
 * the page's own thread; every request carries an `id` and gets exactly one reply with it.
 * The page keeps exactly one request in flight.
 *
 * Shapes: `rays [n, 6]` Plücker (`src/rays`), `rgb [n, 3]` unclamped, `latents [1, R, d]`.
 */
import type { Camera, ModelConfig } from 'lfkit';

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
/**
 * Starts test-time optimisation of the latent tokens on the support views (what
 * `lfkit render --tto-steps` does, `src/core/analysis/tto.ts`): Z from this decoder's encoder.
 */
export interface TtoStartRequest {
  type: 'tto-start';
  id: number;
  /** Support images `[H, W, 3]` in [0, 1] (composited on white), one per camera. */
  images: Float32Array[];
  cameras: Camera[];
  lr: number;
  rays: number;
  seed: number;
}
/** `n` more Adam steps of the optimisation started by `tto-start`. */
export interface TtoStepRequest {
  type: 'tto-step';
  id: number;
  n: number;
}
/** Ends the optimisation: replies with the optimised Z (this decoder renders with it from now). */
export interface TtoEndRequest {
  type: 'tto-end';
  id: number;
}
export type DecoderRequest = InitRequest | LatentsRequest | RenderRequest | MemoryRequest | TtoStartRequest | TtoStepRequest | TtoEndRequest;

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
export interface TtoReply {
  type: 'tto';
  id: number;
  /** Adam steps taken so far. */
  steps: number;
  /** Mean minibatch loss of the steps of this request (NaN for `tto-start`). */
  loss: number;
  /** Mean squared error over every support pixel (at `tto-start` only; null otherwise). */
  supportMse: number | null;
}
export interface TtoEndReply {
  type: 'tto-end';
  id: number;
  /** Optimised Z `[1, R, d]` row-major. */
  data: Float32Array;
  shape: [number, number, number];
  steps: number;
  /** Mean squared error over every support pixel after the optimisation. */
  supportMse: number;
}
export type DecoderReply = ReadyReply | LatentsReply | RenderReply | MemoryReply | TtoReply | TtoEndReply | ErrorReply;

/** The reply type for each request type. */
export interface ReplyFor {
  init: ReadyReply;
  latents: LatentsReply;
  render: RenderReply;
  memory: MemoryReply;
  'tto-start': TtoReply;
  'tto-step': TtoReply;
  'tto-end': TtoEndReply;
}
