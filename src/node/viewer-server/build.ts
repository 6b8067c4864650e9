/**
 * Builds the page (`viewer/`, Vite) when its build is missing or stale, so a fresh clone works
 * with `lfkit view` and the tests without a separate step (`npm run build:viewer` does the same
 * by hand). Staleness is a content hash of every source the page bundles (`viewer/` and the
 * shared `src/` folders), stored in `<outDir>/build-stamp.json`. A lock folder keeps two
 * processes (two test files, or a test and `lfkit view`) from building at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../io/fs.ts';

/** The package's root folder: the nearest folder above this module with a package.json (sources or dist/). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let d = from; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new Error(`no package.json above ${from}`);
  }
}
export const VIEWER_DIR = path.join(PACKAGE_ROOT, 'viewer');
export const VIEWER_DIST = path.join(VIEWER_DIR, 'dist');
/** Folders whose files the page bundles: a change in any of them triggers a rebuild. */
const SOURCE_DIRS = ['viewer', 'src/core'];
const STAMP = 'build-stamp.json';

function listFiles(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Content hash of every file the page is built from (plus the lockfile: dependency versions). */
export function viewerSourceHash(): string {
  const files: string[] = [];
  for (const d of SOURCE_DIRS) listFiles(path.join(PACKAGE_ROOT, d), files);
  files.push(path.join(PACKAGE_ROOT, 'package-lock.json'));
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    if (!existsSync(f)) continue;
    h.update(path.relative(PACKAGE_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export function viewerBuildIsFresh(outDir = VIEWER_DIST): boolean {
  try {
    const stamp = JSON.parse(readFileSync(path.join(outDir, STAMP), 'utf8')) as { hash?: string };
    return stamp.hash === viewerSourceHash() && existsSync(path.join(outDir, 'index.html'));
  } catch {
    return false;
  }
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than 5 minutes belongs to a build that died: take it over.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 5 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      } catch { /* removed meanwhile */ }
      if (Date.now() > deadline) throw new Error(`viewer build: timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Builds `viewer/` into `outDir` unless its stamp matches the sources. Returns whether it built.
 * `log` receives one line before a build starts (builds take several seconds).
 */
export async function ensureViewerBuilt(opts: { outDir?: string; force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  const outDir = path.resolve(opts.outDir ?? VIEWER_DIST);
  if (!opts.force && viewerBuildIsFresh(outDir)) return false;
  mkdirSync(path.dirname(outDir), { recursive: true });
  return withLock(`${outDir}.lock`, async () => {
    if (!opts.force && viewerBuildIsFresh(outDir)) return false; // someone else built it meanwhile
    opts.log?.(`building the viewer page (vite) into ${outDir} ...`);
    const hash = viewerSourceHash();
    const tmp = `${outDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const { build } = await import('vite');
    await build({
      configFile: path.join(VIEWER_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    writeJsonAtomic(path.join(tmp, STAMP), { hash, builtAt: new Date().toISOString() });
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
    return true;
  });
}
