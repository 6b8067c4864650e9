/**
 * The npm package as a user gets it: `npm pack` (which builds dist/ with tsc), the tarball
 * installed into a fresh project (packages from the npm cache, `--prefer-offline`), then
 * (1) plain Node 20 imports `lfkit` and `lfkit/node` and renders a view with a tiny model, and the
 * `lfkit` bin runs without tsx; (2) a one-page Vite app that imports `lfkit` builds for the
 * browser with no Node module in its bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITE_VERSION = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/vite/package.json'), 'utf8')).version as string;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work = '';
let app = '';

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lfkit-pack-'));
  const out = run(NPM, ['pack', '--json', '--pack-destination', work], ROOT);
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'lfkit-pack-check', private: true, type: 'module' }));
  run(NPM, ['install', '--prefer-offline', '--no-save', path.join(work, filename), `vite@${VITE_VERSION}`], app);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm package', () => {
  it('ships compiled JavaScript and declarations, no TypeScript sources', () => {
    const pkg = path.join(app, 'node_modules/lfkit');
    expect(existsSync(path.join(pkg, 'dist/src/core/index.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/src/core/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/src/node/index.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/tsx'))).toBe(false);
  });

  it('plain Node imports both entries and renders a view with a tiny model; the bin runs', () => {
    writeFileSync(path.join(app, 'render.mjs'), `
      import * as core from 'lfkit';
      import * as node from 'lfkit/node';
      await node.initBackend('cpu');
      const cfg = core.resolveConfig('cpu', { 'model.imageSize': 16, 'model.patch': 8, 'model.encoderWidth': 16, 'model.encoderHeads': 2,
        'model.encoderBlocks': 1, 'model.latentTokens': 4, 'model.decoderWidth': 16, 'model.fourierWidth': 24, 'model.decoderHeads': 2 });
      const model = core.LightFieldModel.create(cfg.model, 3);
      const synth = core.modelSynthesizer(model);
      const cam = (az) => core.cameraAt(core.orbitPose(az, 0.3, 4), 16);
      const support = { images: [new Float32Array(16 * 16 * 3).fill(0.5)], cameras: [cam(0.2)] };
      const ctx = await synth.encode(support);
      const img = await core.renderCamera(synth, ctx, core.cameraAt(core.orbitPose(1, 0.3, 4), 8));
      synth.dispose(ctx);
      console.log(JSON.stringify({ width: img.width, height: img.height, n: img.data.length, finite: img.data.every(Number.isFinite),
        spread: Math.max(...img.data) - Math.min(...img.data), coreHasNode: 'openDataset' in core, nodeHasCore: node.renderCamera === core.renderCamera,
        openRun: typeof node.openRun }));
    `);
    const got = JSON.parse(run(process.execPath, ['render.mjs'], app).trim().split('\n').at(-1)!);
    expect(got).toMatchObject({ width: 8, height: 8, n: 8 * 8 * 3, finite: true, coreHasNode: false, nodeHasCore: true, openRun: 'function' });
    expect(got.spread).toBeGreaterThan(0);
    expect(run(process.execPath, ['node_modules/lfkit/bin/lfkit.mjs', '--version'], app).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a one-page Vite app imports the core and builds for the browser', () => {
    writeFileSync(path.join(app, 'index.html'), '<!doctype html><html><body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>');
    writeFileSync(path.join(app, 'main.js'), `
      import { cameraAt, orbitPose, pluckerImage, resolveConfig } from 'lfkit';
      const rays = pluckerImage(cameraAt(orbitPose(0.5, 0.3, 4), 4));
      document.getElementById('out').textContent = JSON.stringify({ rays: rays.length, image: resolveConfig('cpu').model.imageSize });
    `);
    run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], app);
    const assets = path.join(app, 'dist/assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    expect(js.length).toBeGreaterThan(1000);
    expect(js).not.toMatch(/__vite-browser-external|from\s*["']node:|require\(["'](fs|path|sharp)["']\)/);
  });
});
