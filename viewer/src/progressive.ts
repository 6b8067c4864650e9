/**
 * Progressive, on-demand rendering of the light field (docs/model.md#code-conventions; nerfstudio's
 * RenderStateMachine, GaussianSplats3D's render-on-change):
 *
 * - a view change (new camera, object or support set: a new `key`) starts a coarse pass whose
 *   ray count is what the measured rays/s can do in `targetFrameMs`;
 * - once no change has arrived for `idleMs`, passes double the resolution up to the full size;
 * - a coarse pass runs to its end even when the camera moves meanwhile (it is budgeted to
 *   `targetFrameMs`), then the newest view gets the next one: during a drag the image trails
 *   the pointer by at most one coarse pass, and frames keep coming at the coarse pass rate;
 * - a refinement pass is cancelled by any change, and every pass by a change of `scene` (other
 *   latents, object or support): checked between decoder jobs of `chunkRays` rays, exactly one
 *   job in flight at a time, so an image mixing two scenes is never shown;
 * - when the full-size image of the current key is shown, nothing runs until the key changes.
 *
 * Pure scheduling: rays come from `src/rays` (`pluckerImage`), colours from a `RaySource`
 * (the decoder, in a worker or on this thread). Rays outside `ViewRequest.domain` are not
 * decoded (see `ViewerConfig.maskUntrainedRays`). No three.js, no DOM: Node can test it.
 */
import { cameraCenter, plucker, pluckerImage, rayDirection, type Camera } from 'lfkit';
import { VIEWER_CONFIG, type ViewerConfig } from './config.ts';

/** Colours for rays: `rays [N, 6]` (Plücker, first `n` used) -> `rgb [N, 3]`. */
export interface RaySource {
  render(rays: Float32Array, n: number): Promise<Float32Array>;
}

/** What the scheduler renders: a view identity and the camera for any image size. */
export interface ViewRequest {
  /** Changes whenever anything that affects the image changes (pose, intrinsics, object, support). */
  key: string;
  /**
   * Identity of what is decoded apart from the camera (latents, object, support, domain). A pass
   * for another `scene` is cancelled; a coarse pass of the same scene finishes. Default: `key`
   * (every change cancels).
   */
  scene?: string;
  /** Full (finest) image size. */
  width: number;
  height: number;
  /** The camera of this view for an image of `w x h` pixels (same frustum at every size). */
  camera(w: number, h: number): Camera;
  /** `originScale` of the model (docs/model.md#cameras-and-rays). */
  originScale: number;
  /**
   * Largest |m| (distance of the ray's line from the origin, times originScale) the decoder is
   * asked about; rays beyond it get the background colour. null: every ray is decoded.
   */
  domain: number | null;
  /**
   * Tighter limit for the passes before the full-size one (e.g. the object's bound from the
   * support views' silhouettes, `foregroundRadius` times originScale): while the camera moves
   * only rays that can hit the object are decoded. null: `domain` for every pass.
   */
  coarseDomain?: number | null;
}

export interface RenderedImage {
  key: string;
  width: number;
  height: number;
  /** `[H, W, 3]` row-major, unclamped decoder output. Owned by the receiver. */
  rgb: Float32Array;
  camera: Camera;
  /** True for the full-size pass. */
  final: boolean;
  /** Wall time of the pass. */
  ms: number;
}

export interface ProgressiveStats {
  raysPerSecond: number;
  passes: number;
  cancelled: number;
  raysRendered: number;
  busy: boolean;
  shown: { key: string; width: number; height: number; final: boolean } | null;
}

/**
 * The decoder's domain as the support views show it: the largest |m| (line distance from the
 * origin, times `originScale`) of any of their rays, found at the image corners (for cameras
 * that look at the origin, as every dataset's do, |m| grows toward the corners).
 */
export function trainedDomain(cameras: readonly Camera[], originScale: number): number {
  let best = 0;
  for (const cam of cameras) {
    const o = cameraCenter(cam);
    for (const [x, y] of [[0, 0], [cam.width, 0], [0, cam.height], [cam.width, cam.height]] as const) {
      const p = plucker(o, rayDirection(cam, x, y), originScale);
      best = Math.max(best, Math.hypot(p[3], p[4], p[5]));
    }
  }
  return best;
}

/** Size of a pass at `scale` of the full image (each side at least 1). */
export function scaledSize(width: number, height: number, scale: number): { width: number; height: number } {
  const s = Math.min(1, scale);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * Scale of the coarse pass: `rays/s * targetFrameMs` decoded rays (`decodedFraction` of the
 * pixels are decoded, the rest are background), at least `minSide` on the short side
 * and `minLongSide` on the long one.
 */
export function coarseScale(width: number, height: number, raysPerSecond: number, cfg: ViewerConfig, decodedFraction = 1): number {
  const budget = (raysPerSecond * cfg.targetFrameMs) / 1000 / Math.max(0.05, Math.min(1, decodedFraction));
  const s = Math.sqrt(budget / (width * height));
  const floor = Math.min(1, Math.max(cfg.minSide / Math.min(width, height), cfg.minLongSide / Math.max(width, height)));
  return Math.min(1, Math.max(floor, s));
}

/** Next finer scale after `scale`: double it, snapping to 1 once within a few percent. */
export function nextScale(scale: number): number {
  const s = scale * 2;
  return s >= 0.95 ? 1 : s;
}

export class ProgressiveRenderer {
  private view: ViewRequest | null = null;
  private generation = 0;
  /** Bumped when the scene changes or the shown image is invalidated: cancels every pass. */
  private sceneGeneration = 0;
  private lastChange = 0;
  private shownScale = 0;
  private shownKey: string | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  private raysBuf = new Float32Array(0);
  private inBuf = new Float32Array(0);
  private inIndex = new Int32Array(0);
  private idleWaiters: Array<() => void> = [];
  /** Fraction of the last coarse pass's pixels that were decoded (the rest lay outside its domain). */
  private decodedFraction = 1;
  private s: ProgressiveStats;
  private readonly cfg: ViewerConfig;

  constructor(
    private readonly source: RaySource,
    private readonly show: (img: RenderedImage) => void,
    cfg: Partial<ViewerConfig> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.cfg = { ...VIEWER_CONFIG, ...cfg };
    this.s = { raysPerSecond: this.cfg.initialRaysPerSecond, passes: 0, cancelled: 0, raysRendered: 0, busy: false, shown: null };
  }

  /** Call on every change of the view; an unchanged `key` is ignored (nothing is recomputed). */
  update(view: ViewRequest): void {
    if (this.view && view.key === this.view.key) {
      this.view = view; // same image; keep the newest closure
      return;
    }
    if ((this.view?.scene ?? this.view?.key) !== (view.scene ?? view.key)) this.sceneGeneration++;
    this.view = view;
    this.generation++;
    this.lastChange = this.now();
    this.wake?.();
    if (!this.running) void this.loop();
  }

  /** Forgets what is shown, e.g. when the decoder's latents changed under an unchanged key. */
  invalidate(): void {
    if (!this.view) return;
    this.shownKey = null;
    this.generation++;
    this.sceneGeneration++;
    this.lastChange = this.now();
    this.wake?.();
    if (!this.running) void this.loop();
  }

  stats(): ProgressiveStats {
    return { ...this.s, shown: this.s.shown && { ...this.s.shown } };
  }

  /** Resolves once nothing is scheduled (the full image of the current view is shown). */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    this.s.busy = true;
    try {
      for (;;) {
        const view = this.view;
        if (!view) break;
        const gen = this.generation;
        let scale: number;
        let coarse = false;
        if (this.shownKey !== view.key) {
          scale = coarseScale(view.width, view.height, this.s.raysPerSecond, this.cfg, this.decodedFraction);
          coarse = scale < 1;
        } else if (this.shownScale >= 1) {
          break; // full image of this view is on screen
        } else {
          const quiet = this.now() - this.lastChange;
          if (quiet < this.cfg.idleMs) {
            await this.sleep(this.cfg.idleMs - quiet);
            continue;
          }
          scale = nextScale(this.shownScale);
        }
        await this.pass(view, scale, gen, coarse);
      }
    } finally {
      this.running = false;
      this.s.busy = false;
      for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  /**
   * One pass at `scale`. Returns without showing anything if it is cancelled meanwhile: a coarse
   * pass by a change of scene only, any other pass by any change.
   */
  private async pass(view: ViewRequest, scale: number, gen: number, coarse: boolean): Promise<void> {
    const sceneGen = this.sceneGeneration;
    const stale = (): boolean => sceneGen !== this.sceneGeneration || (!coarse && gen !== this.generation);
    const { width: w, height: h } = scaledSize(view.width, view.height, scale);
    const cam = view.camera(w, h);
    const n = w * h;
    if (this.raysBuf.length < n * 6) this.raysBuf = new Float32Array(n * 6);
    const rays = this.raysBuf.subarray(0, n * 6);
    pluckerImage(cam, view.originScale, rays);
    const rgb = new Float32Array(n * 3).fill(this.cfg.background);
    const finalPass = w === view.width && h === view.height;
    const limit = !finalPass && view.coarseDomain != null ? Math.min(view.coarseDomain, view.domain ?? Infinity) : view.domain;
    // rays inside the decoder's domain, gathered contiguously (buffers grow once, then reused)
    let todo = rays;
    let m = n;
    let index: Int32Array | null = null;
    if (limit !== null) {
      if (this.inBuf.length < n * 6) {
        this.inBuf = new Float32Array(n * 6);
        this.inIndex = new Int32Array(n);
      }
      const lim = limit * limit;
      m = 0;
      for (let i = 0; i < n; i++) {
        const o = i * 6;
        if (rays[o + 3]! ** 2 + rays[o + 4]! ** 2 + rays[o + 5]! ** 2 <= lim) {
          this.inBuf.set(rays.subarray(o, o + 6), m * 6);
          this.inIndex[m++] = i;
        }
      }
      todo = this.inBuf.subarray(0, m * 6);
      index = this.inIndex;
    }
    if (!finalPass && this.shownKey !== view.key) this.decodedFraction = m / n;
    const t0 = this.now();
    for (let start = 0; start < m; start += this.cfg.chunkRays) {
      if (stale()) {
        this.s.cancelled++;
        return;
      }
      const count = Math.min(this.cfg.chunkRays, m - start);
      const t = this.now();
      const out = await this.source.render(todo.subarray(start * 6, (start + count) * 6), count);
      const dt = (this.now() - t) / 1000;
      if (out.length < count * 3) throw new Error(`decoder returned ${out.length} values for ${count} rays`);
      if (index) {
        for (let k = 0; k < count; k++) {
          const p = index[start + k]! * 3;
          rgb[p] = out[k * 3]!;
          rgb[p + 1] = out[k * 3 + 1]!;
          rgb[p + 2] = out[k * 3 + 2]!;
        }
      } else {
        rgb.set(out.subarray(0, count * 3), start * 3);
      }
      this.s.raysRendered += count;
      if (dt > 0 && count >= 256) {
        const a = this.cfg.raysPerSecondSmoothing;
        const r = count / dt;
        this.s.raysPerSecond = this.s.passes === 0 && start === 0 ? r : (1 - a) * this.s.raysPerSecond + a * r;
      }
    }
    if (stale()) {
      this.s.cancelled++;
      return;
    }
    const final = finalPass;
    this.shownKey = view.key;
    this.shownScale = final ? 1 : scale;
    this.s.passes++;
    this.s.shown = { key: view.key, width: w, height: h, final };
    this.show({ key: view.key, width: w, height: h, rgb, camera: cam, final, ms: this.now() - t0 });
  }
}
