/**
 * Viewer milestones 2-3 in real Chromium: the page decodes the object with the same
 * `src/model` code (bundled by Vite) in a Web Worker, progressively, and its fully refined
 * image matches the model's `renderRays` in Node for the same camera (PSNR >= 40 dB, both
 * clamped to [0, 1]); no tensor growth over 20 frames; a simulated drag moves the camera and
 * changes the image, then refinement reaches full resolution; the same-thread fallback decodes
 * the same image. A tiny model is trained briefly so that its output depends on the support views.
 * One browser launch for the whole file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/core/model/index.ts';
import { lookAt, pluckerImage } from '../src/core/rays/index.ts';
import { initBackend } from '../src/node/backend.ts';
import { fitSupport, renderCamera } from '../src/core/render/render.ts';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { train } from '../src/node/training/train.ts';
import { modelEngines } from '../src/node/training/model-engine.ts';
import { runPaths } from '../src/node/runs/run-folder.ts';
import { openRun } from '../src/node/runs/run.ts';
import { ensureViewerBuilt, PACKAGE_ROOT, VIEWER_DIST } from '../src/node/viewer-server/build.ts';
import { ViewerData } from '../src/node/viewer-server/dataset.ts';
import { loadViewerModel, type ViewerModel } from '../src/node/viewer-server/model.ts';
import { cameraFromJson, cameraToJson, renderUrl, type CameraJson, type ViewerInfo } from '../src/core/model/viewer-protocol.ts';
import { startViewerServer, type ViewerServer } from '../src/node/viewer-server/server.ts';
import { writeTinyLearnit } from './helpers/viewer-fixture.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
// panel 260 px + canvas 200 x 150: full light field 200 x 150 (30,000 rays)
const VIEWPORT = { width: 460, height: 150 };
const CAMERAS = { radius: [3.6, 4.4], cameraAngleX: [0.62, 0.76], elevationDeg: [-10, 70] };

let tmp: string;
let runDir: string;
let data: ViewerData;
let viewerModel: ViewerModel;
let server: ViewerServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

type LastImage = { width: number; height: number; final: boolean; camera: CameraJson; rgb: number[] };

function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(0, a[i]!)) - Math.min(1, Math.max(0, b[i]!));
    se += d * d;
  }
  return -10 * Math.log10(se / a.length + 1e-12);
}

async function openPage(query = ''): Promise<Page> {
  const p = await browser.newPage({ viewport: VIEWPORT });
  p.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  await p.goto(server.url + query);
  await p.waitForFunction(() => window.lfkitViewer?.decoderReady || window.lfkitViewer?.error, null, { timeout: 90_000 });
  expect(await p.evaluate(() => window.lfkitViewer.error)).toBeNull();
  await p.evaluate(() => window.lfkitViewer.whenIdle());
  return p;
}

async function settle(p: Page): Promise<void> {
  // the scheduler may still be waiting for the camera to be still; wait until the full image is up
  await p.waitForFunction(() => window.lfkitViewer.state().render?.shown?.final === true && !window.lfkitViewer.state().render?.busy, null, { timeout: 90_000 });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lfkit-viewer-model-'));
  const dataRoot = path.join(tmp, 'data');
  await writeTinyLearnit(dataRoot, { objects: 2, views: 6, size: 16 });
  await initBackend('wasm', { log: () => {} });
  // a tiny model trained briefly (a random one barely reacts to Z: two support sets agreed at 83 dB)
  const cfg = resolveConfig('cpu', {
    'model.imageSize': 16, 'model.patch': 8, 'model.encoderWidth': 16, 'model.encoderHeads': 2, 'model.encoderBlocks': 1,
    'model.latentTokens': 8, 'model.decoderWidth': 16, 'model.fourierWidth': 24, 'train.seed': 11, 'train.steps': 150, 'train.batch': 2, 'train.rays': 64,
  });
  runDir = path.join(tmp, 'run');
  await train({ runDir, config: cfg, dataset: await openDataset(dataRoot, { category: 'chairs', size: 16 }), data: { root: dataRoot, category: 'chairs', size: 16 }, engines: modelEngines, quiet: true, valEvery: 1000 });
  // the trained camera ranges, as training records them
  const runConfig = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ ...runConfig, cameras: CAMERAS }));
  await ensureViewerBuilt();
  data = await ViewerData.open(path.join(tmp, 'data'), 'chairs', () => {});
  viewerModel = await loadViewerModel(runDir);
  server = await startViewerServer({ assetsDir: VIEWER_DIST, data, model: viewerModel, support: 3 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await openPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  viewerModel?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('viewer with a model, in Chromium', () => {
  it('opens in the middle of the trained cameras, with their field of view across the short side', async () => {
    const p = await openPage();
    const st = await p.evaluate(() => window.lfkitViewer.state());
    expect(st.cameras).toEqual(CAMERAS);
    expect(st.distance).toBeCloseTo(4, 6);
    expect(st.elevationDeg).toBeCloseTo(30, 6);
    // 200 x 150 canvas: the short side is vertical and spans the middle camera_angle_x
    expect(st.scene.camera.fovY).toBeCloseTo((0.69 * 180) / Math.PI, 6);
    expect(st.status).toBe('');
    // the default support views are spread by azimuth: 120 degrees apart on the fixture's 6 views
    expect(st.support).toEqual([0, 2, 4]);
    // the first image came before the full one; the object bound limits the coarse passes
    expect(st.firstImage!.ms).toBeLessThanOrEqual(st.firstFullMs!);
    expect(st.coarseDomain).toBeGreaterThan(0);
    await p.close();
  });

  it('holds the orbit to the trained elevation and radius ranges and says so at an elevation limit', async () => {
    const p = await openPage();
    // below the trained range (the issue's -41.7 degrees) and too far away
    const e = (-41.7 * Math.PI) / 180;
    await p.evaluate((q) => window.lfkitViewer.setCamera(q), [9 * Math.cos(e), 0, 9 * Math.sin(e)] as [number, number, number]);
    let st = await p.evaluate(() => window.lfkitViewer.state());
    expect(st.elevationDeg).toBeCloseTo(-10, 6);
    expect(st.distance).toBeCloseTo(4.4, 6);
    expect(st.limitNote).toContain('-10 to 70 degrees');
    expect(await p.locator('#limit-note').isVisible()).toBe(true);
    // above it, and too close
    await p.evaluate(() => window.lfkitViewer.setCamera([0.1, 0, 2]));
    st = await p.evaluate(() => window.lfkitViewer.state());
    expect(st.elevationDeg).toBeCloseTo(70, 6);
    expect(st.distance).toBeCloseTo(3.6, 6);
    expect(st.limitNote).toContain('stops at 70');
    // back inside: the note goes
    await p.evaluate(() => window.lfkitViewer.setCamera([3, 1, 1.5]));
    st = await p.evaluate(() => window.lfkitViewer.state());
    expect(st.limitNote).toBeNull();
    expect(await p.locator('#limit-note').isVisible()).toBe(false);
    // a real drag far downward stops at the limit too
    const box = (await p.locator('#canvas').boundingBox())!;
    await p.mouse.move(box.x + 100, box.y + 20);
    await p.mouse.down();
    await p.mouse.move(box.x + 100, box.y + 140, { steps: 8 });
    await p.mouse.up();
    await p.mouse.move(box.x + 100, box.y + 140);
    await p.mouse.down();
    await p.mouse.move(box.x + 100, box.y + 10, { steps: 8 });
    await p.mouse.up();
    st = await p.evaluate(() => window.lfkitViewer.state());
    expect(st.elevationDeg).toBeGreaterThanOrEqual(-10 - 1e-6);
    expect(st.elevationDeg).toBeLessThanOrEqual(70 + 1e-6);
    await p.close();
  });

  it('the server\'s first frame is the model\'s renderRays in Node for that camera; bad cameras are refused', async () => {
    const obj = await data.object('obj_b');
    const camera = { fx: 60, fy: 60, cx: 32, cy: 24, width: 64, height: 48, c2w: lookAt([2.5, -3, 1.2], [0, 0, 0], [0, 0, 1]) };
    const res = await fetch(server.url + renderUrl('obj_b', [0, 2, 4], cameraToJson(camera), 'none'));
    expect(res.status).toBe(200);
    const got = new Float32Array(await res.arrayBuffer());
    const z = await viewerModel.latents([0, 2, 4].map((i) => obj.views[i]!), obj.width, obj.height);
    const want = viewerModel.render(z, pluckerImage(camera, viewerModel.config.model.originScale));
    expect(got).toHaveLength(64 * 48 * 3);
    expect(psnr(got, want)).toBeGreaterThan(60);
    // with a limit: rays beyond it are white, the rest unchanged
    const rays = pluckerImage(camera, viewerModel.config.model.originScale);
    const limited = new Float32Array(await (await fetch(server.url + renderUrl('obj_b', [0, 2, 4], cameraToJson(camera), 0.4))).arrayBuffer());
    let outside = 0;
    for (let i = 0; i < 64 * 48; i++) {
      const inside = Math.hypot(rays[i * 6 + 3]!, rays[i * 6 + 4]!, rays[i * 6 + 5]!) <= 0.4;
      if (!inside) outside++;
      expect(Array.from(limited.subarray(i * 3, i * 3 + 3)), `pixel ${i}`).toEqual(inside ? Array.from(got.subarray(i * 3, i * 3 + 3)) : [1, 1, 1]);
    }
    expect(outside).toBeGreaterThan(0);
    // the default: the support views' object bound (the latents' X-Foreground-Radius)
    const lat = await fetch(`${server.url}api/objects/obj_b/latents?support=0,2,4`);
    const bound = Number(lat.headers.get('x-foreground-radius')) * viewerModel.config.model.originScale;
    expect(bound).toBeGreaterThan(0);
    const byObject = new Float32Array(await (await fetch(server.url + renderUrl('obj_b', [0, 2, 4], cameraToJson(camera), 'object'))).arrayBuffer());
    for (let i = 0; i < 64 * 48; i++) {
      const inside = Math.hypot(rays[i * 6 + 3]!, rays[i * 6 + 4]!, rays[i * 6 + 5]!) <= bound;
      expect(Array.from(byObject.subarray(i * 3, i * 3 + 3)), `pixel ${i}`).toEqual(inside ? Array.from(got.subarray(i * 3, i * 3 + 3)) : [1, 1, 1]);
    }
    const big = { ...cameraToJson(camera), width: 640, height: 480 };
    for (const url of [
      renderUrl('obj_b', [0, 2, 4], big, 'none'),
      `api/objects/obj_b/render?support=0,2&camera=${encodeURIComponent('{"fx":1}')}`,
      `api/objects/obj_b/render?support=0,2&camera=nope`,
      renderUrl('obj_b', [0, 9], cameraToJson(camera), 'none'),
      `api/objects/obj_b/render?support=0,2&camera=${encodeURIComponent(JSON.stringify(cameraToJson(camera)))}&within=all`,
      renderUrl('obj_b', [0, 2], cameraToJson(camera), -1),
    ]) {
      const r = await fetch(server.url + url);
      expect(r.status, url).toBe(400);
      expect(((await r.json()) as { error: string }).error, url).toMatch(/^(camera|support|within):/);
    }
  });

  it('decodes the object in workers, picking the backend by a start-up measurement', async () => {
    await page.evaluate(() => window.lfkitViewer.whenMeasured()); // WebGL is timed in the background
    await settle(page);
    const st = await page.evaluate(() => window.lfkitViewer.state());
    expect(st.decoder?.mode).toBe('worker');
    const measured = st.decoder!.measurements.map((m) => m.backend);
    expect(measured).toEqual(expect.arrayContaining(['wasm', 'webgl']));
    expect(st.decoder!.measurements.find((m) => m.backend === 'wasm')!.raysPerSecond).toBeGreaterThan(0);
    expect(['wasm', 'webgl']).toContain(st.backend.split(' ')[0]);
    expect(st.render!.shown).toMatchObject({ final: true, width: 200, height: 150 });
    expect(st.fullSize).toEqual({ width: 200, height: 150 });
    // coarse before fine: the first image of the object was smaller than the full size
    expect(st.shownLog[0]!.final).toBe(false);
    const img = (await page.evaluate(() => window.lfkitViewer.lastImage()))!;
    expect(img.rgb).toHaveLength(200 * 150 * 3);
    const mean = img.rgb.reduce((a, b) => a + b, 0) / img.rgb.length;
    const sd = Math.sqrt(img.rgb.reduce((a, b) => a + (b - mean) ** 2, 0) / img.rgb.length);
    expect(sd).toBeGreaterThan(0.005); // not blank
    // one decoder worker per core for wasm (tfjs's threaded wasm cannot run bundled), one for webgl
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(st.decoder!.workers).toBe(st.backend.startsWith('wasm') ? Math.min(4, cores) : 1);
    expect(await page.locator('#ro-backend').textContent()).toMatch(/^(wasm|webgl) \((worker|\d workers)\)$/);
    expect(await page.locator('#ro-resolution').textContent()).toBe('200x150');
    expect(Number((await page.locator('#ro-rays').textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
  });

  it('its fully refined image matches renderRays in Node for the same camera (PSNR >= 40 dB)', async () => {
    await page.evaluate(() => window.lfkitViewer.setCamera([3.2, -2.1, 1.4]));
    await settle(page);
    const img = (await page.evaluate(() => window.lfkitViewer.lastImage())) as LastImage;
    expect(img.final).toBe(true);
    const cam = cameraFromJson(img.camera);
    expect([cam.width, cam.height]).toEqual([200, 150]);
    expect(Array.from(cam.c2w.subarray(12, 15)).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([3.2, -2.1, 1.4]);
    // Node, as `lfkit render` does it: the run loaded, the page's support views encoded, the camera rendered
    const st = await page.evaluate(() => window.lfkitViewer.state());
    const obj = await data.object(st.object!);
    const run = await openRun(runDir);
    const renderFrom = async (views: number[]) => {
      const ctx = await run.synth.encode(fitSupport(views.map((i) => ({ data: obj.views[i]!.image, width: obj.width, height: obj.height })), views.map((i) => obj.views[i]!.camera), 16));
      const out = (await renderCamera(run.synth, ctx, cam)).data;
      run.synth.dispose(ctx);
      return out;
    };
    const want = await renderFrom(st.support);
    const other = await renderFrom(obj.views.map((_, i) => i).filter((i) => !st.support.includes(i)));
    run.dispose();
    const rays = pluckerImage(cam, run.config.model.originScale);
    // the viewer shows rays beyond the support views' range (|m| > domain) as white background
    expect(st.domain).toBeGreaterThan(1.7);
    let masked = 0;
    for (let i = 0; i < 200 * 150; i++) {
      if (Math.hypot(rays[i * 6 + 3]!, rays[i * 6 + 4]!, rays[i * 6 + 5]!) <= st.domain!) continue;
      masked++;
      expect([img.rgb[i * 3], img.rgb[i * 3 + 1], img.rgb[i * 3 + 2]]).toEqual([1, 1, 1]);
      want.fill(1, i * 3, i * 3 + 3);
      other.fill(1, i * 3, i * 3 + 3);
    }
    expect(masked).toBeGreaterThan(0);
    expect(masked).toBeLessThan(200 * 150 / 2);
    const p = psnr(img.rgb, want);
    expect(p).toBeGreaterThanOrEqual(40);
    expect(psnr(img.rgb, other)).toBeLessThan(p - 10); // another support set differs: stale latents would show
  });

  it('keeps tf.memory().numTensors the same after 20 frames as after 1', async () => {
    const before = await page.evaluate(() => window.lfkitViewer.state().imagesShown);
    const m1 = await page.evaluate(() => window.lfkitViewer.memory());
    let i = 0;
    while ((await page.evaluate(() => window.lfkitViewer.state().imagesShown)) - before < 20) {
      const a = 0.4 + 0.35 * ++i;
      await page.evaluate((p) => window.lfkitViewer.setCamera(p), [5 * Math.cos(a), 5 * Math.sin(a), 1.5] as [number, number, number]);
      await settle(page);
    }
    const m20 = await page.evaluate(() => window.lfkitViewer.memory());
    expect(m20.numTensors).toBe(m1.numTensors);
    expect(m20.numBytes).toBe(m1.numBytes);
  });

  // The tiny random model decodes 200-400k rays/s here: at the default 80 ms frame budget a
  // "coarse" pass can already be the full 200 x 150 image (rightly so). A 5 ms budget keeps
  // the passes during the drag coarse for any model under 6 M rays/s. The button stays down
  // until an image of the moved camera is on screen, so that pass is one made while dragging.
  it('a simulated drag changes the camera and the image; refinement then reaches full resolution', async () => {
    const dragPage = await openPage('?frameMs=5');
    await settle(dragPage);
    const s0 = await dragPage.evaluate(() => window.lfkitViewer.state());
    const img0 = (await dragPage.evaluate(() => window.lfkitViewer.lastImage()))!;
    const box = (await dragPage.locator('#canvas').boundingBox())!;
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    await dragPage.mouse.move(cx, cy);
    await dragPage.mouse.down();
    await dragPage.mouse.move(cx + 70, cy + 15, { steps: 10 });
    await dragPage.waitForFunction((n) => window.lfkitViewer.state().imagesShown > n, s0.imagesShown, { timeout: 90_000 });
    await dragPage.mouse.up();
    await settle(dragPage);
    const s1 = await dragPage.evaluate(() => window.lfkitViewer.state());
    const img1 = (await dragPage.evaluate(() => window.lfkitViewer.lastImage()))!;
    const moved = Math.hypot(...s1.scene.camera.position.map((v, k) => v - s0.scene.camera.position[k]!));
    expect(moved).toBeGreaterThan(0.1);
    expect(img1.camera.c2w).not.toEqual(img0.camera.c2w);
    let diff = 0;
    for (let k = 0; k < img1.rgb.length; k++) diff = Math.max(diff, Math.abs(img1.rgb[k]! - img0.rgb[k]!));
    expect(diff).toBeGreaterThan(1e-3);
    // while dragging only coarse passes; at rest the full size
    // shownLog keeps the last 200 images: take the ones shown since s0 by the running count
    const shownSince = s1.imagesShown - s0.imagesShown;
    expect(shownSince).toBeLessThanOrEqual(200);
    const during = s1.shownLog.slice(s1.shownLog.length - shownSince);
    expect(during.length).toBeGreaterThan(1);
    expect(during[0]!.final, `first image while dragging: ${JSON.stringify(during[0])}, rays/s ${s1.render!.raysPerSecond}`).toBe(false);
    expect(during.at(-1)).toEqual({ width: 200, height: 150, final: true });
    expect(s1.render!.shown).toMatchObject({ final: true, width: 200, height: 150 });
    // nothing changed since: nothing is recomputed
    const rays = s1.render!.raysRendered;
    await dragPage.evaluate(() => window.lfkitViewer.refresh());
    await dragPage.waitForTimeout(300);
    await dragPage.evaluate(() => window.lfkitViewer.whenIdle());
    expect((await dragPage.evaluate(() => window.lfkitViewer.state())).render!.raysRendered).toBe(rays);
    await dragPage.close();
  });

  it('a bad ?frameMs stops the page with an error naming it', async () => {
    const p = await browser.newPage({ viewport: VIEWPORT });
    await p.goto(server.url + '?frameMs=0');
    await p.waitForFunction(() => window.lfkitViewer?.error, null, { timeout: 90_000 });
    expect(await p.evaluate(() => window.lfkitViewer.error)).toContain('?frameMs=0');
    await p.close();
  });

  it('the same-thread fallback decodes the same image as the worker', async () => {
    await page.evaluate(() => window.lfkitViewer.setCamera([-3, 3, 2]));
    await settle(page);
    const a = (await page.evaluate(() => window.lfkitViewer.lastImage()))!;
    const backend = (await page.evaluate(() => window.lfkitViewer.state().backend)).split(' ')[0]!;
    const inline = await openPage(`?worker=0&backend=${backend}`);
    await inline.evaluate(() => window.lfkitViewer.setCamera([-3, 3, 2]));
    await settle(inline);
    const st = await inline.evaluate(() => window.lfkitViewer.state());
    expect(st.decoder?.mode).toBe('inline');
    expect(st.backend).toBe(`${backend} (page thread)`);
    const b = (await inline.evaluate(() => window.lfkitViewer.lastImage()))!;
    expect(b.camera).toEqual(a.camera);
    expect(psnr(b.rgb, a.rgb)).toBeGreaterThan(60);
    await inline.close();
  });

  it('lfkit view --run DIR serves the run\'s model and, by default, the run\'s dataset', async () => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin/lfkit.mjs'), 'view', '--run', runDir, '--json', '--backend', 'wasm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve((JSON.parse(line) as { url: string }).url);
        });
        child.on('close', () => reject(new Error(`lfkit view exited early: ${stderr}`)));
      });
      const info = (await (await fetch(`${url}api/info`)).json()) as ViewerInfo;
      expect(info.model).toMatchObject({ run: 'run', preset: 'cpu', config: { decoderWidth: 16, latentTokens: 8 } });
      expect(info.data).toEqual({ category: 'chairs', objects: 2 });
      const served = Buffer.from(await (await fetch(`${url}api/model/weights.safetensors`)).arrayBuffer());
      expect(served.equals(readFileSync(path.join(runPaths(runDir).lastCheckpoint, 'model.safetensors')))).toBe(true);
      const z = await fetch(`${url}api/objects/obj_a/latents?support=0,3`);
      expect(z.headers.get('x-latent-shape')).toBe('1,8,16');
      expect((await z.arrayBuffer()).byteLength).toBe(8 * 16 * 4);
      expect((await fetch(`${url}api/objects/obj_a/latents?support=0,9`)).status).toBe(400);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await closed).toBe(0);
  });

  it('"refine" optimises the latent tokens on the support views in the worker, then re-renders', async () => {
    const p = await openPage();
    await settle(p);
    const before = (await p.evaluate(() => window.lfkitViewer.lastImage()))!;
    expect(await p.locator('#refine').isDisabled()).toBe(false);
    await p.fill('#refine-steps', '20');
    await p.click('#refine');
    await p.waitForFunction(() => window.lfkitViewer.state().refine?.running === false || window.lfkitViewer.error, null, { timeout: 120_000 });
    expect(await p.evaluate(() => window.lfkitViewer.error)).toBeNull();
    const r = (await p.evaluate(() => window.lfkitViewer.state())).refine!;
    expect(r.steps).toBe(20);
    // Adam on Z fits the support views better than the encoder's Z did
    expect(r.supportPsnrAfter!).toBeGreaterThan(r.supportPsnrBefore!);
    expect(await p.locator('#refine-status').textContent()).toMatch(/^refined: 20 steps/);
    await settle(p);
    const after = (await p.evaluate(() => window.lfkitViewer.lastImage()))!;
    expect(after.camera).toEqual(before.camera);
    expect(psnr(after.rgb, before.rgb)).toBeLessThan(80); // re-rendered with other tokens
    // a bad step count is refused with a line naming the field
    await p.fill('#refine-steps', '0');
    await p.click('#refine');
    expect(await p.locator('#refine-status').textContent()).toContain('Refine steps');
    await p.close();
  });

  it('logged no console errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
