/**
 * Every threshold of the viewer's render scheduling, in one place (docs/model.md#code-conventions).
 * Frozen; the page reads it, the tests may pass overrides to `ProgressiveRenderer`.
 */
export interface ViewerConfig {
  /** Budget of one coarse pass while the camera moves; its ray count comes from measured rays/s. */
  targetFrameMs: number;
  /** The camera counts as still once no change arrived for this long; then refinement starts. */
  idleMs: number;
  /** Longest side of the fully refined image, in pixels (the canvas size is capped to it). */
  maxResolution: number;
  /** Shortest side of any pass, so a slow backend still shows a recognisable image. */
  minSide: number;
  /** Longest side of any pass, at least (with `minSide`: 64 x 48 on a landscape canvas). */
  minLongSide: number;
  /** Rays per decoder job: the granularity at which a camera move cancels a pass. */
  chunkRays: number;
  /** rays/s assumed before the first measurement. */
  initialRaysPerSecond: number;
  /** Weight of the newest measurement in the rays/s moving average. */
  raysPerSecondSmoothing: number;
  /**
   * Rays whose line passes farther from the world origin than every ray of the support views
   * (|m| of the Plücker moment above theirs) were never seen in training: they cannot hit the
   * object and the decoder's answer for them is arbitrary (Fourier features alias into ghost
   * blobs). They are shown as the background colour without asking the decoder.
   */
  maskUntrainedRays: boolean;
  /** Background colour (the datasets composite on white, docs/model.md#data). */
  background: number;
  /** Most decoder workers (one per core up to this; tfjs's threaded wasm cannot run bundled). */
  maxWorkers: number;
}

export const VIEWER_CONFIG: Readonly<ViewerConfig> = Object.freeze({
  targetFrameMs: 80,
  idleMs: 200,
  maxResolution: 256,
  minSide: 48,
  minLongSide: 64,
  chunkRays: 4096,
  initialRaysPerSecond: 20_000,
  raysPerSecondSmoothing: 0.3,
  maskUntrainedRays: true,
  background: 1,
  maxWorkers: 4,
});
