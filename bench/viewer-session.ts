/**
 * The viewer as a new user meets it, driven in headless Chromium: `lfkit view` (the real CLI,
 * its bundled model and generated held-out objects) in a child process, the page opened, its
 * first minute timed. Shared by the viewer bench (`npm run bench -- viewer`) and the
 * screenshot script (`scripts/viewer-screenshot.mjs`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../src/node/viewer-server/build.ts';

/** The flags the project runs Chromium with (no GPU, no network chatter). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** Panel 260 px + an 840 x 640 canvas. */
export const VIEWPORT = { width: 1100, height: 640 };

export interface ViewerSession {
  url: string;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Starts `lfkit view --json` (extra `args`), resolves with its URL once it listens. */
export function startCli(args: string[] = [], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin/lfkit.mjs'), 'view', '--json', '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    let out = '', err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child, stderr: () => err });
    });
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`lfkit view exited (${code}) before listening:\n${err}`)));
  });
}

/** `lfkit view` plus a fresh Chromium (its own profile folder) on a page of the viewer. */
export async function openViewer(query = ''): Promise<ViewerSession> {
  const cli = await startCli();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lfkit-viewer-chromium-'));
  // launchPersistentContext takes the profile folder (Chromium's --user-data-dir)
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: VIEWPORT });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    url: cli.url + query,
    browser: context.browser()!,
    page,
    close: async () => {
      await context.close();
      cli.child.kill('SIGTERM');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface FirstMinute {
  /** ms from navigation start to the page's load event. */
  loadMs: number;
  /** ms after the load event: first light-field image, and its source and size. */
  firstImageMs: number;
  firstImage: { source: string; width: number; height: number };
  /** ms after the load event: first full-size image. */
  fullFrameMs: number;
  fullSize: { width: number; height: number };
  /** Fraction of the canvas height the object covers in the full frame (rows with a pixel below 0.9). */
  objectHeightFraction: number;
  /** The same in the object's own dataset views (the cameras of the training images): median over views. */
  viewHeightFraction: number;
  backend: string;
  /** Smallest coarse frame shown while orbiting, and frames per second shown during the drag. */
  orbit: { minWidth: number; minHeight: number; fps: number; frames: number; seconds: number };
  /** Pointer events: median and max delay from creation to handled, ms. */
  pointer: { medianMs: number; maxMs: number; events: number };
  /** Main-thread tasks over 50 ms during the drag: how many, the longest (ms). */
  longTasks: { count: number; maxMs: number };
  /** Elevation after dragging far downward and far upward, and the note shown. */
  elevation: { low: number; high: number; note: string | null };
  rays: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

/** Opens the page and measures its first minute (see `FirstMinute`). */
export async function measureFirstMinute(s: ViewerSession, opts: { dragSeconds?: number } = {}): Promise<FirstMinute> {
  const { page } = s;
  await page.goto(s.url);
  await page.waitForFunction(() => window.lfkitViewer?.state().firstFullMs != null || window.lfkitViewer?.error, null, { timeout: 120_000, polling: 20 });
  const err = await page.evaluate(() => window.lfkitViewer.error);
  if (err) throw new Error(`viewer page: ${err}`);
  const loadMs = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
  const st = await page.evaluate(() => window.lfkitViewer.state());
  const img = (await page.evaluate(() => window.lfkitViewer.lastImage()))!;
  let rows = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * 3;
      if (Math.min(img.rgb[p]!, img.rgb[p + 1]!, img.rgb[p + 2]!) < 0.9) { rows++; break; }
    }
  }
  // the object's own views, as the dataset renders them (the training cameras)
  const fractions: number[] = [];
  const detail = (await (await fetch(`${s.url.split('?')[0]}api/objects/${encodeURIComponent(st.object!)}`)).json()) as { views: Array<{ image: string }> };
  for (const v of detail.views) {
    const png = Buffer.from(await (await fetch(new URL(v.image, s.url))).arrayBuffer());
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let vr = 0;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const p = (y * info.width + x) * info.channels;
        if (Math.min(data[p]!, data[p + 1]!, data[p + 2]!) < 0.9 * 255) { vr++; break; }
      }
    }
    fractions.push(vr / info.height);
  }
  // the GPU probe (started after the first full frame) compiles shaders on the CPU without a
  // GPU: the orbit is timed once it has finished, as a user who waits a few seconds sees it
  await page.evaluate(() => window.lfkitViewer.whenMeasured());
  // orbit: a real mouse drag across the canvas, one move per 16 ms
  const box = (await page.locator('#canvas').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const before = st.shownLog.length;
  const logBefore = await page.evaluate(() => window.lfkitViewer.state().imagesShown);
  await page.evaluate(() => { (window as unknown as { __pd: number }).__pd = window.lfkitViewer.state().pointerDelays.length; });
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const seconds = opts.dragSeconds ?? 4;
  const t0 = Date.now();
  const tPage0 = await page.evaluate(() => performance.now());
  let k = 0;
  while (Date.now() - t0 < seconds * 1000) {
    k++;
    await page.mouse.move(cx + 200 * Math.sin(k / 30), cy + 20 * Math.sin(k / 17));
    await page.waitForTimeout(16);
  }
  const dragSec = (Date.now() - t0) / 1000;
  const during = await page.evaluate(() => window.lfkitViewer.state());
  await page.mouse.up();
  const shown = during.imagesShown - logBefore;
  const log = during.shownLog.slice(-(Math.min(shown, during.shownLog.length)));
  const delays = during.pointerDelays.slice(-k);
  void before;
  // elevation limits: drag far down, then far up
  const elev: number[] = [];
  let note: string | null = null;
  for (const dy of [-600, 600]) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(cx, cy + (dy * i) / 10);
    const e = await page.evaluate(() => window.lfkitViewer.state());
    elev.push(e.elevationDeg);
    note ??= e.limitNote;
    await page.mouse.up();
  }
  return {
    loadMs,
    firstImageMs: st.firstImage!.ms - loadMs,
    firstImage: { source: st.firstImage!.source, width: st.firstImage!.width, height: st.firstImage!.height },
    fullFrameMs: st.firstFullMs! - loadMs,
    fullSize: st.fullSize,
    objectHeightFraction: rows / img.height,
    viewHeightFraction: median(fractions),
    backend: st.backend,
    orbit: {
      minWidth: Math.min(...log.map((l) => l.width)),
      minHeight: Math.min(...log.map((l) => l.height)),
      fps: shown / dragSec,
      frames: shown,
      seconds: dragSec,
    },
    pointer: { medianMs: median(delays), maxMs: Math.max(...delays), events: delays.length },
    longTasks: (() => {
      const lt = during.longTasks.filter((t) => t.start >= tPage0);
      return { count: lt.length, maxMs: lt.length ? Math.max(...lt.map((t) => t.ms)) : 0 };
    })(),
    elevation: { low: Math.min(...elev), high: Math.max(...elev), note },
    rays: during.render?.raysPerSecond ?? NaN,
  };
}
