/**
 * Viewer milestone 1: the server (assets + typed API, isolation headers, path refusal, taken
 * port), the CLI, and the page in real Chromium (no console errors, support frusta drawn,
 * object and support-view choosers). One browser launch for the whole file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRowMajor } from '../src/core/rays/index.ts';
import { ensureViewerBuilt, PACKAGE_ROOT, VIEWER_DIST } from '../src/node/viewer-server/build.ts';
import { ViewerData } from '../src/node/viewer-server/dataset.ts';
import { findBundledModel } from '../src/node/viewer-server/demo.ts';
import type { ObjectDetail, ObjectList, ViewerInfo } from '../src/core/model/viewer-protocol.ts';
import { allowedHosts, startViewerServer, type ViewerServer } from '../src/node/viewer-server/server.ts';
import { resolveStaticPath } from '../src/node/viewer-server/static-path.ts';
import { assertClose } from './helpers/assert-close.ts';
import { writeTinyLearnit } from './helpers/viewer-fixture.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let tmp: string;
let dataRoot: string;
let fixture: Awaited<ReturnType<typeof writeTinyLearnit>>;
let server: ViewerServer;
let browser: Browser;

/** A raw GET that sends `target` byte for byte (fetch would normalise `/../`). */
function rawGet(port: number, target: string, headers: Record<string, string> = {}, setHost = true): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET', headers, setHost }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lfkit-viewer-'));
  dataRoot = path.join(tmp, 'data');
  fixture = await writeTinyLearnit(dataRoot, { objects: 2, views: 6, size: 16 });
  await ensureViewerBuilt();
  server = await startViewerServer({ assetsDir: VIEWER_DIST, data: await ViewerData.open(dataRoot, 'chairs', () => {}), support: 3 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('resolveStaticPath', () => {
  const root = path.resolve('/srv/assets');
  it('maps plain paths inside the folder and / to index.html', () => {
    expect(resolveStaticPath(root, '/')).toEqual({ ok: true, file: path.join(root, 'index.html') });
    expect(resolveStaticPath(root, '/assets/a%20b.js?x=1')).toEqual({ ok: true, file: path.join(root, 'assets', 'a b.js') });
  });
  it.each([
    '/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/%2E%2E/package.json',
    '/..%2fpackage.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5cpackage.json', '//etc/passwd',
    '/%2fetc%2fpasswd', '/C:%5cWindows', '/a%00b', '/./index.html', '/%zz',
  ])('refuses %s', (target) => {
    const r = resolveStaticPath(root, target);
    expect(r.ok).toBe(false);
  });
});

describe('viewer server', () => {
  it('serves the page and the API with cross-origin isolation headers', async () => {
    for (const url of ['', 'index.html', 'api/info', 'api/objects', 'api/objects/obj_a', 'api/objects/obj_a/views/0.png', 'nope.js']) {
      const res = await fetch(server.url + url);
      expect(res.headers.get('cross-origin-opener-policy'), url).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), url).toBe('require-corp');
      expect(res.status, url).toBe(url === 'nope.js' ? 404 : 200);
    }
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<canvas id="canvas"');
    const info = (await (await fetch(`${server.url}api/info`)).json()) as ViewerInfo;
    expect(info).toMatchObject({ data: { category: 'chairs', objects: 2 }, support: 3, model: null });
    expect(info.notice).toContain('--run DIR');
    const list = (await (await fetch(`${server.url}api/objects`)).json()) as ObjectList;
    expect(list.objects).toEqual([{ id: 'obj_b', split: 'train' }, { id: 'obj_a', split: 'test' }]);
    const missing = await fetch(`${server.url}api/objects/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain("'nope'");
  });

  it('binds to loopback by default', () => {
    expect(server.host).toBe('127.0.0.1');
  });

  it('refuses (403) every request whose Host is not its own address and port (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `127.0.0.2:${server.port}`]) {
      for (const target of ['/', '/api/info', '/api/objects']) {
        const res = await rawGet(server.port, target, { Host: host });
        expect(res.status, `Host '${host}' ${target}`).toBe(403);
        expect(res.body.toString(), `Host '${host}' ${target}`).not.toContain('obj_');
      }
    }
    // no Host header at all: node:http itself answers 400 (HTTP/1.1 requires one)
    const none = await rawGet(server.port, '/api/objects', {}, false);
    expect([400, 403], 'no Host header').toContain(none.status);
    expect(none.body.toString()).not.toContain('obj_');
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await rawGet(server.port, '/api/objects', { Host: host })).status, host).toBe(200);
    }
  });

  it('allowedHosts: the bound address and port, localhost for loopback, any host for a wildcard bind', () => {
    expect(allowedHosts('127.0.0.1', 8080)).toEqual(new Set(['127.0.0.1:8080', 'localhost:8080']));
    expect(allowedHosts('::1', 80)).toEqual(new Set(['[::1]:80', 'localhost:80']));
    expect(allowedHosts('192.168.1.5', 9000)).toEqual(new Set(['192.168.1.5:9000']));
    expect(allowedHosts('0.0.0.0', 9000)).toBeNull();
  });

  it('sends every view camera as transforms.json gives it (OpenGL c2w, learnit intrinsics)', async () => {
    const d = (await (await fetch(`${server.url}api/objects/obj_b`)).json()) as ObjectDetail;
    expect(d.width).toBe(16);
    expect(d.views).toHaveLength(6);
    expect(d.radius).toBeCloseTo(4, 10);
    const f = (0.5 * 16) / Math.tan(0.5 * 0.6911);
    for (const v of d.views) {
      expect(v.camera.fx).toBeCloseTo(f, 10);
      expect(v.camera.cx).toBe(8);
      assertClose(v.camera.c2w, fromRowMajor(fixture.poses[1]![v.index]!), 0, 0, `view ${v.index} c2w`); // exact (JSON loses only -0)
    }
  });

  it('sends view images composited on white', async () => {
    const png = Buffer.from(await (await fetch(`${server.url}api/objects/obj_a/views/2.png`)).arrayBuffer());
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number): number[] => Array.from(data.subarray((y * 16 + x) * info.channels, (y * 16 + x) * info.channels + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]); // transparent corner -> white
    expect(px(8, 8)).toEqual([40, 90, 200]); // opaque centre keeps its colour
  });

  it('refuses requests for files outside its folder', async () => {
    const pkg = readFileSync(path.join(PACKAGE_ROOT, 'package.json'));
    for (const target of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E%2Fpackage.json', '/assets/../../package.json',
      '/..%2f..%2fpackage.json', '//etc/passwd', '/%2fetc%2fpasswd', `/${encodeURIComponent(path.join(PACKAGE_ROOT, 'package.json'))}`,
      '/..\\package.json', '/../viewer/dist/index.html']) {
      const res = await rawGet(server.port, target);
      expect([400, 403, 404], target).toContain(res.status);
      expect(res.body.equals(pkg), target).toBe(false);
      expect(res.body.toString()).not.toContain('"name": "lfkit"');
    }
    expect((await rawGet(server.port, '/index.html')).status).toBe(200);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });

  it('refuses a symlink that leads out of the asset folder', async () => {
    const assets = path.join(tmp, 'assets');
    mkdirSync(assets);
    writeFileSync(path.join(assets, 'index.html'), '<!doctype html><p>ok</p>');
    symlinkSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(assets, 'leak.json'));
    const s = await startViewerServer({ assetsDir: assets });
    try {
      expect((await rawGet(s.port, '/leak.json')).status).toBe(403);
      expect((await rawGet(s.port, '/')).status).toBe(200);
      const info = (await (await fetch(`${s.url}api/info`)).json()) as ViewerInfo;
      expect(info.data).toBeNull();
      expect(info.notice).toContain('--data');
    } finally {
      await s.close();
    }
  });

  it('says clearly when the port is taken', async () => {
    await expect(startViewerServer({ assetsDir: VIEWER_DIST, port: server.port })).rejects.toThrow(
      new RegExp(`port ${server.port} on 127.0.0.1 is already in use`),
    );
  });
});

describe('lfkit view (CLI)', () => {
  function runCli(args: string[], untilUrl: boolean, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; url?: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin/lfkit.mjs'), 'view', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      let stdout = '', stderr = '', url: string | undefined;
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (untilUrl && line && !url) {
          url = (JSON.parse(line) as { url: string }).url;
          fetch(`${url}api/objects`).then((r) => r.json()).then((body) => {
            stdout += `\nOBJECTS ${JSON.stringify(body)}\n`;
            child.kill('SIGTERM');
          }, reject);
        }
      });
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, url }));
    });
  }

  it('serves a dataset, prints the URL as JSON and stops cleanly on SIGTERM', async () => {
    const r = await runCli(['--data', dataRoot, '--category', 'chairs', '--port', '0', '--json'], true);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.stdout).toContain('"id":"obj_a"');
    expect(r.code).toBe(0);
  });

  it('with no arguments shows a few generated held-out objects', async () => {
    const r = await runCli(['--json'], true, { LFKIT_VIEW_DEMO_DIR: path.join(tmp, 'demo') });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout.split('OBJECTS ')[1]!) as ObjectList;
    expect(list.category).toBe('chairs');
    expect(list.objects.map((o) => o.split)).toEqual(['test', 'test', 'test']);
    // the bundled model when the repository has one (models/), else a hint to pass --run
    expect(r.stderr).toMatch(findBundledModel() ? /bundled model/ : /--run DIR/);
  });

  it('finds a bundled model: the first folder under models/ with config.json and model.safetensors', () => {
    const dir = path.join(tmp, 'models');
    expect(findBundledModel(dir)).toBeNull();
    mkdirSync(path.join(dir, 'a-incomplete'), { recursive: true });
    writeFileSync(path.join(dir, 'a-incomplete', 'config.json'), '{}');
    expect(findBundledModel(dir)).toBeNull();
    for (const n of ['c-chairs', 'b-chairs']) {
      mkdirSync(path.join(dir, n));
      writeFileSync(path.join(dir, n, 'config.json'), '{}');
      writeFileSync(path.join(dir, n, 'model.safetensors'), '');
    }
    expect(findBundledModel(dir)).toBe(path.join(dir, 'b-chairs'));
  });

  it('exits 1 with a message naming the problem', async () => {
    const taken = await runCli(['--port', String(server.port)], false);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already in use');
    const noData = await runCli(['--category', 'chairs'], false);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toContain('--category needs --data');
    const badObject = await runCli(['--data', dataRoot, '--category', 'chairs', '--object', 'zzz'], false);
    expect(badObject.code).toBe(1);
    expect(badObject.stderr).toContain('--object zzz');
  });
});

describe('viewer page in Chromium', () => {
  /** Counts pixels of the frustum orange in a screenshot of the 3D canvas. */
  async function orangePixels(page: Page): Promise<number> {
    const png = await page.locator('#canvas').screenshot();
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let n = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      if (r > 200 && g > 90 && g < 190 && b < 90) n++;
    }
    return n;
  }

  it('loads with no console errors, draws the support frusta and follows the choosers', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(server.url);
    await page.waitForFunction(() => window.lfkitViewer?.ready || window.lfkitViewer?.error);
    expect(await page.evaluate(() => window.lfkitViewer.error)).toBeNull();
    // wait for the view textures, then for a frame drawn after them
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#thumbs img')].every((i) => i.complete && i.naturalWidth === 16));
    await page.waitForTimeout(300);

    let state = await page.evaluate(() => window.lfkitViewer.state());
    expect(state.object).toBe('obj_b');
    expect(state.support).toEqual([0, 2, 4]);
    expect(state.scene.frusta).toBe(3);
    expect(state.scene.frames).toBeGreaterThan(0);
    expect(await page.locator('#thumbs button').count()).toBe(6);
    expect(await page.locator('#thumbs button.support').count()).toBe(3);
    const orange3 = await orangePixels(page);
    expect(orange3).toBeGreaterThan(50);

    // fewer support views -> fewer frusta on screen
    await page.fill('#support-count', '1');
    await page.dispatchEvent('#support-count', 'change');
    await page.waitForTimeout(300);
    state = await page.evaluate(() => window.lfkitViewer.state());
    expect(state.support).toEqual([0]);
    expect(state.scene.frusta).toBe(1);
    const orange1 = await orangePixels(page);
    expect(orange1).toBeGreaterThan(0);
    expect(orange1).toBeLessThan(orange3);

    // clicking a thumbnail adds that view
    await page.click('#thumbs button[data-index="3"]');
    state = await page.evaluate(() => window.lfkitViewer.state());
    expect(state.support).toEqual([0, 3]);
    expect(state.scene.frusta).toBe(2);

    // the object chooser loads the other object
    await page.selectOption('#object', 'obj_a');
    await page.waitForFunction(() => window.lfkitViewer.state().object === 'obj_a');
    state = await page.evaluate(() => window.lfkitViewer.state());
    expect(state.support).toHaveLength(2);
    expect(await page.locator('#ro-backend').textContent()).toContain('none');
    expect(await page.locator('#ro-resolution').textContent()).toMatch(/^\d+x\d+$/);

    expect(errors).toEqual([]);
    await page.close();
  });
});
