/**
 * Entry of the viewer page: loads the object list and the chosen object's views from the
 * server, lets the user pick the object and its support views, and draws them as frusta in
 * the three.js scene. `window.lfkitViewer` exposes read-only state for the browser tests.
 */
import { cameraFromJson, type ObjectDetail, type ViewerInfo } from '../../src/viewer-server/protocol.ts';
import { api } from './api.ts';
import { ViewerScene, type SceneStats } from './scene.ts';

export interface ViewerDebug {
  ready: boolean;
  error: string | null;
  state(): { object: string | null; support: number[]; scene: SceneStats; backend: string };
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
  object: $<HTMLSelectElement>('object'),
  supportCount: $<HTMLInputElement>('support-count'),
  thumbs: $<HTMLDivElement>('thumbs'),
  notice: $<HTMLParagraphElement>('notice'),
  backend: $<HTMLElement>('ro-backend'),
  resolution: $<HTMLElement>('ro-resolution'),
  rays: $<HTMLElement>('ro-rays'),
};

const scene = new ViewerScene($<HTMLCanvasElement>('canvas'));
let info: ViewerInfo | null = null;
let detail: ObjectDetail | null = null;
let support: number[] = [];
let backend = 'none (no model loaded)';

window.lfkitViewer = {
  ready: false,
  error: null,
  state: () => ({ object: detail?.id ?? null, support: [...support], scene: scene.stats(), backend }),
};

function showNotice(text: string): void {
  ui.notice.textContent = text;
}

/** `count` view indices spread evenly over `n` views. */
export function spreadSupport(n: number, count: number): number[] {
  const k = Math.max(1, Math.min(n, Math.floor(count)));
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

function updateReadout(): void {
  const { width, height } = scene.size();
  ui.backend.textContent = backend;
  ui.resolution.textContent = `${width}x${height}`;
  ui.rays.textContent = '-';
}

function applySupport(): void {
  if (!detail) return;
  const d = detail;
  support.sort((a, b) => a - b);
  ui.supportCount.value = String(support.length);
  for (const btn of ui.thumbs.querySelectorAll<HTMLButtonElement>('button')) {
    btn.classList.toggle('support', support.includes(Number(btn.dataset.index)));
  }
  scene.setSupportViews(support.map((i) => ({ camera: cameraFromJson(d.views[i]!.camera), imageUrl: d.views[i]!.image.replace(/^\//, '') })));
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

async function loadObject(id: string): Promise<void> {
  const d = await api.object(id);
  detail = d;
  ui.supportCount.max = String(d.views.length);
  scene.clearTextureCache();
  buildThumbs(d);
  support = spreadSupport(d.views.length, Number(ui.supportCount.value) || info?.support || 3);
  applySupport();
}

async function start(): Promise<void> {
  info = await api.info();
  ui.supportCount.value = String(info.support);
  if (info.notice) showNotice(info.notice);
  if (info.data) {
    const list = await api.objects();
    ui.object.replaceChildren(
      ...list.objects.map((o) => {
        const opt = document.createElement('option');
        opt.value = o.id;
        opt.textContent = o.split ? `${o.id} (${o.split})` : o.id;
        return opt;
      }),
    );
    const first = info.initialObject ?? list.objects[0]?.id;
    if (first) {
      ui.object.value = first;
      await loadObject(first);
    } else {
      showNotice(`No objects in category ${list.category}.`);
    }
  }
  ui.object.addEventListener('change', () => void loadObject(ui.object.value).catch(fail));
  ui.supportCount.addEventListener('change', () => {
    if (!detail) return;
    support = spreadSupport(detail.views.length, Number(ui.supportCount.value));
    applySupport();
  });
  scene.onCameraChange(updateReadout);
  updateReadout();
  window.lfkitViewer.ready = true;
}

function fail(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  window.lfkitViewer.error = msg;
  showNotice(`Error: ${msg}`);
  console.error(err);
}

start().catch(fail);
