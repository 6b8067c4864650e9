/**
 * The viewer in headless Chromium (`viewer`): decoder rays/s in the page and the time from
 * opening the page to its first full-resolution frame, for a random-initialised `cpu`-preset
 * model (d = 128, R = 64: the speed does not depend on training). One browser launch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { LightFieldModel, resolveConfig } from '../src/core/model/index.ts';
import { initBackend } from '../src/node/backend.ts';
import { saveModelCheckpoint } from '../src/node/runs/checkpoint.ts';
import { ensureViewerBuilt, VIEWER_DIST } from '../src/node/viewer-server/build.ts';
import { ViewerData } from '../src/node/viewer-server/dataset.ts';
import { loadViewerModel } from '../src/node/viewer-server/model.ts';
import { startViewerServer } from '../src/node/viewer-server/server.ts';
import { writeTinyLearnit } from '../test/helpers/viewer-fixture.ts';
import { median, type Benchmark, type Figure } from './harness.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export const viewerBenchmark: Benchmark = {
  name: 'viewer',
  description: 'viewer in headless Chromium: decoder rays/s in the page, time to the first full frame (cpu preset)',
  async run() {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'lfkit-bench-viewer-'));
    await initBackend(undefined, { log: () => {} });
    const cfg = resolveConfig('cpu');
    const model = LightFieldModel.create(cfg.model, 0);
    saveModelCheckpoint(path.join(tmp, 'ckpt'), cfg, model);
    model.dispose();
    await writeTinyLearnit(path.join(tmp, 'data'), { objects: 1, views: 6, size: 64 });
    await ensureViewerBuilt();
    const vm = await loadViewerModel(path.join(tmp, 'ckpt'));
    const server = await startViewerServer({ assetsDir: VIEWER_DIST, data: await ViewerData.open(path.join(tmp, 'data'), 'chairs', () => {}), model: vm });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const t0 = performance.now();
      // mask=0: every pixel is decoded, so rays/s is the decoder's throughput (the default view
      // skips rays outside the support views' range and would look faster)
      await page.goto(`${server.url}?mask=0`);
      await page.waitForFunction(() => window.lfkitViewer?.state().render?.shown?.final === true || window.lfkitViewer?.error, null, { timeout: 600_000, polling: 20 });
      const firstFull = (performance.now() - t0) / 1000;
      const err = await page.evaluate(() => window.lfkitViewer.error);
      if (err) throw new Error(`viewer page: ${err}`);
      const st = await page.evaluate(() => window.lfkitViewer.state());
      const { width, height } = st.fullSize;
      const backend = st.backend.split(' ')[0]!;
      const rates: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = 0.9 + 1.3 * i;
        await page.evaluate((p) => window.lfkitViewer.setCamera(p), [5 * Math.cos(a), 5 * Math.sin(a), 1.8] as [number, number, number]);
        await page.waitForFunction(() => window.lfkitViewer.state().render?.shown?.final === true && !window.lfkitViewer.state().render?.busy, null, { timeout: 600_000 });
        const img = (await page.evaluate(() => window.lfkitViewer.lastImage()))!;
        rates.push((img.width * img.height) / (img.ms / 1000));
      }
      const figures: Figure[] = [
        { name: 'viewer.rays_per_s', value: median(rates), unit: 'rays/s', backend, note: `full ${width}x${height} pass in the page, every pixel decoded, ${st.backend}, median of 3 poses, cpu preset d=128 R=64` },
        { name: 'viewer.first_full_frame_s', value: firstFull, unit: 's', backend, note: `page open -> first ${width}x${height} frame, every pixel decoded (start-up backend measurement, weights, latents, coarse passes)` },
      ];
      for (const m of st.decoder?.measurements ?? []) {
        if (m.raysPerSecond !== null) figures.push({ name: `viewer.startup_rays_per_s_${m.backend}`, value: m.raysPerSecond, unit: 'rays/s', backend: m.backend, note: 'start-up measurement, 512 rays' });
      }
      return figures;
    } finally {
      await browser.close();
      await server.close();
      vm.dispose();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
