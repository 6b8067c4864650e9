/**
 * Entry of the viewer page: loads the object list and the chosen object's views, lets the user
 * pick the object and its support views (drawn as frusta), and, when the server has a model,
 * draws the object by querying the light-field decoder for the ray of every pixel of the
 * current camera: progressive passes (`progressive.ts`) on a decoder in a Web Worker
 * (`decoder-host.ts`). `window.lfkitViewer` exposes state and a few hooks for the browser tests.
 *
 * It opens where the model was trained (`ModelInfo.cameras`: middle radius, elevation and field
 * of view), orbits only within those ranges (a note says so at an elevation limit), and picks
 * default support views spread by azimuth. Until the page's decoder is warm, the first image
 * comes from the server's decoder (a small frame); a status line says what is happening.
 *
 * URL parameters: `backend=auto|webgpu|webgl|wasm|cpu` (default auto: measured at start-up),
 * `worker=0` (decode on the page thread), `workers=N` (decoder workers; default one per core,
 * at most `maxWorkers`), `mask=0` (decode every ray, also those outside the
 * support views' range; see `ViewerConfig.maskUntrainedRays`).
 */
import type { ModelInfo, ObjectDetail, ViewerInfo } from 'lfkit';
import {
  cameraFromJson, cameraToJson, CLASSIC_CAMERA_RANGES, MAX_SERVER_RENDER_PIXELS, mid, orbitAngles, supportByAzimuth, zoomLimits,
  type CameraJson, type CameraRanges,
} from 'lfkit';
import { api } from './api.ts';
import { cameraFromSnapshot, snapshotCamera, snapshotKey } from './camera-bridge.ts';
import { VIEWER_CONFIG } from './config.ts';
import { DecoderPool } from './decoder-host.ts';
import { ProgressiveRenderer, trainedDomain, type ProgressiveStats, type RenderedImage } from './progressive.ts';
import { ViewerScene, type SceneStats } from './scene.ts';
import type { BackendChoice, BackendMeasurement } from './worker-protocol.ts';

export interface ViewerState {
  object: string | null;
  support: number[];
  scene: SceneStats;
  backend: string;
  decoder: { mode: 'worker' | 'inline'; workers: number; measurements: BackendMeasurement[] } | null;
  render: ProgressiveStats | null;
  /** Light-field images shown so far (coarse and fine passes). */
  imagesShown: number;
  /** The last (up to 200) images shown: size and whether it was the full-size pass. */
  shownLog: Array<{ width: number; height: number; final: boolean }>;
  /** Full (finest) light-field size for the current canvas. */
  fullSize: { width: number; height: number };
  /** Largest |m| decoded (rays beyond show the background), or null when every ray is decoded. */
  domain: number | null;
  /** Limit on |m| of the passes before the full one (the support views' object bound), or null. */
  coarseDomain: number | null;
  /** The trained camera ranges the orbit is held to. */
  cameras: CameraRanges;
  /** Camera elevation above the xy-plane, degrees. */
  elevationDeg: number;
  /** Distance of the camera from the origin. */
  distance: number;
  /** The elevation-limit note, when shown. */
  limitNote: string | null;
  /** The loading status line. */
  status: string;
  /** ms after navigation start of the first light-field image and its source, or null. */
  firstImage: { ms: number; source: 'server' | 'page'; width: number; height: number } | null;
  /** ms after navigation start of the first full-size image, or null. */
  firstFullMs: number | null;
  /** Delay from each pointer event's creation to the end of its handling, ms (the last 200). */
  pointerDelays: number[];
  /** Main-thread tasks over 50 ms (the browser's long-task timing): start and duration, ms (the last 200). */
  longTasks: Array<{ start: number; ms: number }>;
  /** The last refinement of the current latents (support-view PSNR before and after), or null. */
  refine: { steps: number; running: boolean; supportPsnrBefore: number | null; supportPsnrAfter: number | null; seconds: number } | null;
}

export interface ViewerDebug {
  ready: boolean;
  /** True once the decoder has latents for the current object (images can appear). */
  decoderReady: boolean;
  error: string | null;
  state(): ViewerState;
  /** Last light-field image shown: size, camera, and unclamped rgb `[H, W, 3]`. */
  lastImage(): { width: number; height: number; final: boolean; ms: number; camera: CameraJson; rgb: number[] } | null;
  /** Puts the orbit camera at `position` looking at `target` (world, z up). */
  setCamera(position: [number, number, number], target?: [number, number, number]): void;
  /** Hands the current view to the renderer again, as any camera event does (a no-op when unchanged). */
  refresh(): void;
  /** Resolves when no render pass is scheduled. */
  whenIdle(): Promise<void>;
  /** Resolves once the start-up backend measurement is complete (WebGL is timed in the background). */
  whenMeasured(): Promise<void>;
  /** `tf.memory()` of the decoder. */
  memory(): Promise<{ numTensors: number; numBytes: number }>;
}

declare global {
  interface Window {
    lfkitViewer: ViewerDebug;
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`viewer page: #${id} is missing`);
  return el as T;
};

const ui = {
  status: $<HTMLParagraphElement>('status'),
  refine: $<HTMLButtonElement>('refine'),
  refineSteps: $<HTMLInputElement>('refine-steps'),
  refineStatus: $<HTMLParagraphElement>('refine-status'),
  limit: $<HTMLParagraphElement>('limit-note'),
  object: $<HTMLSelectElement>('object'),
  supportCount: $<HTMLInputElement>('support-count'),
  thumbs: $<HTMLDivElement>('thumbs'),
  notice: $<HTMLParagraphElement>('notice'),
  backend: $<HTMLElement>('ro-backend'),
  resolution: $<HTMLElement>('ro-resolution'),
  rays: $<HTMLElement>('ro-rays'),
};

const params = new URLSearchParams(location.search);
const scene = new ViewerScene($<HTMLCanvasElement>('canvas'), $<HTMLCanvasElement>('lightfield'));
let info: ViewerInfo | null = null;
let modelInfo: ModelInfo | null = null;
let detail: ObjectDetail | null = null;
let support: number[] = [];
let host: DecoderPool | null = null;
let hostReady: Promise<DecoderPool> | null = null;
let progressive: ProgressiveRenderer | null = null;
let latentsVersion = 0;
let latentsReady = false;
/** See `ViewerConfig.maskUntrainedRays`; from the current support cameras. */
let domain: number | null = null;
/** The support views' bound on the object (times originScale), for the coarse passes. */
let coarseDomain: number | null = null;
let lastImage: RenderedImage | null = null;
let imagesShown = 0;
const shownLog: ViewerState['shownLog'] = [];
let ranges: CameraRanges = CLASSIC_CAMERA_RANGES;
let status = 'loading...';
let firstImage: ViewerState['firstImage'] = null;
let firstFullMs: number | null = null;
/** The page decoder has shown an image of the current latents (the server frame is then stale). */
let pageImageShown = false;
let orbitPlaced = false;
const pointerDelays: number[] = [];
const longTasks: ViewerState['longTasks'] = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, ms: e.duration });
    if (longTasks.length > 200) longTasks.splice(0, longTasks.length - 200);
  }).observe({ type: 'longtask', buffered: true });
} catch { /* no long-task timing in this browser */ }
let refineState: ViewerState['refine'] = null;

window.lfkitViewer = {
  ready: false,
  decoderReady: false,
  error: null,
  state: () => ({
    object: detail?.id ?? null,
    support: [...support],
    scene: scene.stats(),
    backend: backendLabel(),
    decoder: host && { mode: host.mode, workers: host.workers, measurements: [...host.measurements] },
    render: progressive?.stats() ?? null,
    imagesShown,
    shownLog: shownLog.slice(),
    fullSize: fullSize(),
    domain,
    coarseDomain,
    cameras: ranges,
    elevationDeg: scene.elevationDeg(),
    distance: scene.camera.position.length(),
    limitNote: ui.limit.hidden ? null : ui.limit.textContent,
    status,
    firstImage,
    firstFullMs,
    pointerDelays: pointerDelays.slice(),
    longTasks: longTasks.slice(),
    refine: refineState && { ...refineState },
  }),
  lastImage: () => lastImage && {
    width: lastImage.width, height: lastImage.height, final: lastImage.final, ms: lastImage.ms,
    camera: cameraToJson(lastImage.camera), rgb: Array.from(lastImage.rgb),
  },
  setCamera(position, target = [0, 0, 0]) {
    scene.controls.target.set(...target);
    scene.camera.position.set(...position);
    scene.camera.lookAt(...target);
    scene.controls.update();
    requestView();
  },
  refresh: () => requestView(),
  whenIdle: () => progressive?.whenIdle() ?? Promise.resolve(),
  whenMeasured: async () => { await (await hostReady)?.probeDone; },
  memory: () => (host ? host.memory() : Promise.resolve({ numTensors: 0, numBytes: 0 })),
};

function showNotice(text: string): void {
  ui.notice.textContent = text;
}

function setStatus(text: string): void {
  status = text;
  ui.status.textContent = text;
  ui.status.hidden = text === '';
}

// Input latency: each pointer event's delay from its creation to the end of the handlers that ran
// before this one (OrbitControls', registered earlier on the canvas); window listeners run last.
window.addEventListener('pointermove', (e) => {
  pointerDelays.push(performance.now() - e.timeStamp);
  if (pointerDelays.length > 200) pointerDelays.shift();
});

function noteImage(source: 'server' | 'page', width: number, height: number, final: boolean): void {
  const ms = performance.now();
  firstImage ??= { ms, source, width, height };
  if (final && firstFullMs === null) {
    firstFullMs = ms;
    // the GPU probe competes for the cores: only once the first full frame is on screen
    host?.probe();
  }
}

/** Applies the trained camera ranges: field of view, orbit limits, and (once) the starting pose. */
function applyCameraRanges(r: CameraRanges): void {
  ranges = r;
  scene.setFov((mid(r.cameraAngleX) * 180) / Math.PI);
  scene.setLimits(zoomLimits(r), r.elevationDeg);
}

/** Starting pose: the middle of the trained radius and elevation, between the first two support views. */
function placeOrbit(d: ObjectDetail): void {
  if (orbitPlaced || support.length === 0) return;
  orbitPlaced = true;
  const az = orbitAngles(cameraFromJson(d.views[support[0]!]!.camera)).azimuth + Math.PI / Math.max(2, support.length);
  scene.setOrbit(az, (mid(ranges.elevationDeg) * Math.PI) / 180, mid(ranges.radius));
}

scene.onLimit((at) => {
  const [lo, hi] = ranges.elevationDeg;
  ui.limit.hidden = at === null;
  if (at) ui.limit.textContent = `The model was trained on views from ${lo} to ${hi} degrees of elevation: the orbit stops at ${at === 'above' ? hi : lo}.`;
});

function backendLabel(): string {
  if (!modelInfo) return 'none (no model loaded)';
  if (!host) return 'starting...';
  if (host.mode === 'inline') return `${host.backend} (page thread)`;
  return `${host.backend} (${host.workers === 1 ? 'worker' : `${host.workers} workers`})`;
}

/** Default support: `count` views spread by azimuth around the object. */
function defaultSupport(d: ObjectDetail, count: number): number[] {
  return supportByAzimuth(d.views.map((v) => cameraFromJson(v.camera)), count);
}

/** Full (finest) light-field size: the canvas in CSS pixels, long side capped by the config. */
function fullSize(): { width: number; height: number } {
  const { width, height } = scene.cssSize();
  const k = Math.min(1, VIEWER_CONFIG.maxResolution / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

function updateReadout(): void {
  ui.backend.textContent = backendLabel();
  const full = fullSize();
  const st = progressive?.stats();
  if (st?.shown) {
    ui.resolution.textContent = `${st.shown.width}x${st.shown.height}${st.shown.final ? '' : ` (to ${full.width}x${full.height})`}`;
    ui.rays.textContent = Math.round(st.raysPerSecond).toLocaleString('en-US');
  } else {
    const { width, height } = scene.size();
    ui.resolution.textContent = `${width}x${height}`;
    ui.rays.textContent = '-';
  }
}

/** Hands the current view to the progressive renderer (which ignores it when nothing changed). */
function requestView(): void {
  if (!progressive || !latentsReady || !modelInfo) return;
  const snap = snapshotCamera(scene.camera);
  const { width, height } = fullSize();
  progressive.update({
    key: `${latentsVersion}|${width}x${height}|${domain}|${snapshotKey(snap)}`,
    // a pose change lets a coarse pass in flight finish; other latents or domain cancel it
    scene: `${latentsVersion}|${domain}|${coarseDomain}`,
    width,
    height,
    originScale: modelInfo.config.originScale,
    domain,
    coarseDomain,
    camera: (w, h) => cameraFromSnapshot(snap, w, h),
  });
}

/**
 * The server decodes a small first frame while the page's decoder starts (its workers compile
 * wasm and load the weights); shown unless the page's own image came first.
 */
async function serverFrame(version: number): Promise<void> {
  if (!detail || !modelInfo) return;
  const snap = snapshotCamera(scene.camera);
  const full = fullSize();
  // the smallest coarse size, only rays that can reach the object
  const floor = Math.max(VIEWER_CONFIG.minSide / Math.min(full.width, full.height), VIEWER_CONFIG.minLongSide / Math.max(full.width, full.height));
  const k = Math.min(1, floor, Math.sqrt(MAX_SERVER_RENDER_PIXELS / (full.width * full.height)));
  const w = Math.max(1, Math.round(full.width * k)), h = Math.max(1, Math.round(full.height * k));
  const cam = cameraFromSnapshot(snap, w, h);
  const rgb = await api.render(detail.id, support, cameraToJson(cam), 'object');
  if (version !== latentsVersion || pageImageShown) return;
  scene.showLightField(w, h, rgb);
  noteImage('server', w, h, false);
  imagesShown++;
  shownLog.push({ width: w, height: h, final: false });
  lastImage = { key: 'server', width: w, height: h, rgb, camera: cam, final: false, ms: 0 };
  if (!latentsReady) setStatus(`first frame from the server (${w}x${h}); starting the decoder in the page...`);
}

async function refreshLatents(): Promise<void> {
  if (!hostReady || !detail || !modelInfo) return;
  const version = ++latentsVersion;
  latentsReady = false;
  pageImageShown = false;
  refineState = null;
  ui.refine.disabled = true;
  ui.refineStatus.textContent = '';
  window.lfkitViewer.decoderReady = false;
  if (!host) setStatus('encoding the support views; starting the decoder...');
  // the server's encoder and the decoder's start-up run at the same time
  if (!host) {
    // the page's decoder is still starting: the server draws the first frame meanwhile (only
    // the rays that can reach the object, as in a coarse pass)
    void serverFrame(version).catch((err: unknown) => console.warn(`server frame: ${(err as Error).message}`));
  }
  const zp = api.latents(detail.id, support);
  const [z, h] = await Promise.all([zp, hostReady]);
  if (version !== latentsVersion) return; // a newer choice superseded this one
  coarseDomain = z.foreground === null ? null : z.foreground * modelInfo.config.originScale;
  await h.setLatents(z.data, z.shape);
  if (version !== latentsVersion) return;
  latentsReady = true;
  ui.refine.disabled = false;
  window.lfkitViewer.decoderReady = true;
  requestView();
}

function applySupport(): void {
  if (!detail) return;
  const d = detail;
  support.sort((a, b) => a - b);
  ui.supportCount.value = String(support.length);
  for (const btn of ui.thumbs.querySelectorAll<HTMLButtonElement>('button')) {
    btn.classList.toggle('support', support.includes(Number(btn.dataset.index)));
  }
  const cams = support.map((i) => cameraFromJson(d.views[i]!.camera));
  scene.setSupportViews(cams.map((camera, k) => ({ camera, imageUrl: d.views[support[k]!]!.image.replace(/^\//, '') })));
  domain = VIEWER_CONFIG.maskUntrainedRays && modelInfo && params.get('mask') !== '0' ? trainedDomain(cams, modelInfo.config.originScale) : null;
  void refreshLatents().catch(fail);
}

function buildThumbs(d: ObjectDetail): void {
  ui.thumbs.replaceChildren(
    ...d.views.map((v) => {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.dataset.index = String(v.index);
      btn.title = `view ${v.index} (${v.file})`;
      const img = document.createElement('img');
      img.src = v.image.replace(/^\//, '');
      img.alt = `view ${v.index}`;
      const label = document.createElement('span');
      label.textContent = String(v.index);
      btn.append(img, label);
      btn.addEventListener('click', () => {
        const i = support.indexOf(v.index);
        if (i >= 0) {
          if (support.length > 1) support.splice(i, 1);
        } else {
          support.push(v.index);
        }
        applySupport();
      });
      return btn;
    }),
  );
}

/** A view's PNG as `[H, W, 3]` floats in [0, 1] (the server composites it on white). */
async function viewPixels(url: string, width: number, height: number): Promise<Float32Array> {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const px = ctx.getImageData(0, 0, width, height).data;
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    out[i * 3] = px[i * 4]! / 255;
    out[i * 3 + 1] = px[i * 4 + 1]! / 255;
    out[i * 3 + 2] = px[i * 4 + 2]! / 255;
  }
  return out;
}

const psnrOf = (mse: number): number => -10 * Math.log10(Math.max(mse, 1e-12));

/**
 * The "refine" control: test-time optimisation of the latent tokens on the support views in the
 * decoder worker (as `lfkit render --tto-steps N`: Adam, lr 1e-3, 1,024 rays per step), then a
 * re-render with the optimised tokens. A new object or support set abandons it.
 */
async function refine(): Promise<void> {
  if (!host || !detail || !latentsReady || !progressive) return;
  const steps = Number(ui.refineSteps.value);
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 2000)) {
    ui.refineStatus.textContent = `Refine steps: use a whole number from 1 to 2000, got '${ui.refineSteps.value}'`;
    return;
  }
  const version = latentsVersion;
  const d = detail;
  ui.refine.disabled = true;
  const t0 = performance.now();
  refineState = { steps: 0, running: true, supportPsnrBefore: null, supportPsnrAfter: null, seconds: 0 };
  ui.refineStatus.textContent = 'loading the support views...';
  const images = await Promise.all(support.map((i) => viewPixels(d.views[i]!.image.replace(/^\//, ''), d.width, d.height)));
  const cameras = support.map((i) => cameraFromJson(d.views[i]!.camera));
  ui.refineStatus.textContent = 'starting...';
  const r = await host.refine(images, cameras, { steps, lr: 1e-3, rays: 1024, seed: 0 }, (k, loss) => {
    if (version !== latentsVersion || !refineState) return;
    refineState.steps = k;
    refineState.seconds = (performance.now() - t0) / 1000;
    ui.refineStatus.textContent = `refining the latent tokens: step ${k}/${steps}, support loss ${loss.toFixed(4)}`;
  }, () => version === latentsVersion);
  if (!r || version !== latentsVersion) return;
  refineState = {
    steps: r.steps, running: false, supportPsnrBefore: psnrOf(r.before), supportPsnrAfter: psnrOf(r.after), seconds: (performance.now() - t0) / 1000,
  };
  ui.refineStatus.textContent = `refined: ${r.steps} steps in ${refineState.seconds.toFixed(1)} s; support views ${refineState.supportPsnrBefore!.toFixed(2)} -> ${refineState.supportPsnrAfter!.toFixed(2)} dB`;
  ui.refine.disabled = false;
  progressive.invalidate();
}

async function loadObject(id: string): Promise<void> {
  const d = await api.object(id);
  detail = d;
  ui.supportCount.max = String(d.views.length);
  scene.clearTextureCache();
  buildThumbs(d);
  support = defaultSupport(d, Number(ui.supportCount.value) || info?.support || 3);
  placeOrbit(d);
  applySupport();
}

async function startDecoder(m: ModelInfo): Promise<DecoderPool> {
  const choice = (params.get('backend') ?? 'auto') as BackendChoice;
  if (!['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].includes(choice)) throw new Error(`?backend=${choice}: use auto, webgpu, webgl, wasm or cpu`);
  const workers = Number(params.get('workers') ?? Math.min(VIEWER_CONFIG.maxWorkers, navigator.hardwareConcurrency || 1));
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`?workers=${params.get('workers')}: use a whole number >= 1`);
  const frameMs = Number(params.get('frameMs') ?? VIEWER_CONFIG.targetFrameMs);
  if (!(Number.isFinite(frameMs) && frameMs > 0)) throw new Error(`?frameMs=${params.get('frameMs')}: use a number of milliseconds > 0`);
  setStatus('loading the model weights...');
  const [h, weights] = await Promise.all([DecoderPool.create(workers, params.get('worker') === '0'), api.weights(m)]);
  setStatus(`starting the decoder (${choice === 'auto' ? 'wasm' : choice}) in ${h.mode === 'inline' ? 'the page' : `${workers} worker${workers === 1 ? '' : 's'}`}...`);
  await h.init(m.config, weights, choice);
  h.onBackendChange = updateReadout;
  host = h;
  progressive = new ProgressiveRenderer(h, (img) => {
    pageImageShown = true;
    noteImage('page', img.width, img.height, img.final);
    setStatus(img.final ? '' : `refining (${img.width}x${img.height})...`);
    lastImage = img;
    imagesShown++;
    shownLog.push({ width: img.width, height: img.height, final: img.final });
    if (shownLog.length > 200) shownLog.shift();
    scene.showLightField(img.width, img.height, img.rgb);
    updateReadout();
  }, { targetFrameMs: frameMs });
  updateReadout();
  return h;
}

async function start(): Promise<void> {
  info = await api.info();
  ui.supportCount.value = String(info.support);
  if (info.notice) showNotice(info.notice);
  applyCameraRanges(info.model?.cameras ?? CLASSIC_CAMERA_RANGES);
  if (info.model) {
    modelInfo = info.model;
    updateReadout();
    hostReady = startDecoder(info.model); // awaited below; the object loads meanwhile
    hostReady.catch(() => {}); // handled where awaited (start, refreshLatents)
  }
  if (info.data) {
    const list = await api.objects();
    ui.object.replaceChildren(
      ...list.objects.map((o) => {
        const opt = document.createElement('option');
        opt.value = o.id;
        opt.textContent = `${o.id} (${o.split})`;
        return opt;
      }),
    );
    const first = info.initialObject ?? list.objects[0]?.id;
    if (first) {
      ui.object.value = first;
      await loadObject(first);
    } else {
      showNotice('No objects in the dataset.');
    }
  }
  ui.object.addEventListener('change', () => void loadObject(ui.object.value).catch(fail));
  ui.refine.addEventListener('click', () => void refine().catch(fail));
  ui.supportCount.addEventListener('change', () => {
    if (!detail) return;
    support = defaultSupport(detail, Number(ui.supportCount.value));
    applySupport();
  });
  scene.onCameraChange(() => {
    requestView();
    updateReadout();
  });
  updateReadout();
  if (hostReady) await hostReady;
  else setStatus('');
  window.lfkitViewer.ready = true;
}

function fail(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  window.lfkitViewer.error = msg;
  showNotice(`Error: ${msg}`);
  console.error(err);
}

start().catch(fail);
