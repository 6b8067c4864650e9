/**
 * The layers of the source tree, checked on every import (static, re-export and dynamic):
 * - `src/core` (the `lfkit` entry) is browser-safe: no Node built-in, no package but tfjs-core and
 *   gl-matrix, no `process`/`Buffer` globals, and no import leaving `src/core`;
 * - nothing imports `src/cli` (it is the top), `datasets/` uses only the core and `src/node/io`;
 * - the viewer page imports the core only through the package name `lfkit`;
 * - no two folders import each other, directly or around a longer loop (the folder graph is
 *   acyclic). The two entry files (`src/core/index.ts`, `src/node/index.ts`) only re-export
 *   and are imported by nothing inside the tree but each other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['src/core/index.ts', 'src/node/index.ts'];
const CORE_PACKAGES = ['@tensorflow/tfjs-core', 'gl-matrix'];

interface Edge { from: string; spec: string; to: string | null }

function listSources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : listSources(rel);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every import of a file: relative ones resolved to a repository path, packages as null. */
function importsOf(file: string): Edge[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: spec }) => ({
    from: file,
    spec,
    to: spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : null,
  }));
}

const SOURCES = ['src', 'datasets', 'viewer/src'].flatMap(listSources);
const EDGES = SOURCES.flatMap(importsOf);
const under = (p: string, dir: string) => p === dir || p.startsWith(dir + '/');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/** Strongly connected components of size > 1 (Tarjan) of the folder graph. */
function folderCycles(edges: Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!e.to || ENTRIES.includes(e.from)) continue;
    const a = path.posix.dirname(e.from), b = path.posix.dirname(e.to);
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    if (a !== b) graph.get(a)!.add(b);
  }
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>(), out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v)!) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import boundaries', () => {
  it('reads the tree (the checks below see real imports)', () => {
    expect(SOURCES.filter((f) => under(f, 'src/core')).length).toBeGreaterThan(20);
    expect(EDGES.filter((e) => e.to && under(e.from, 'src/node') && under(e.to, 'src/core')).length).toBeGreaterThan(20);
  });

  it('the core imports nothing from Node and stays inside src/core', () => {
    const bad = EDGES.filter((e) => under(e.from, 'src/core'))
      .filter((e) => (e.to ? !under(e.to, 'src/core') : isBuiltin(e.spec) || !CORE_PACKAGES.includes(packageOf(e.spec))))
      .map((e) => `${e.from} imports ${e.spec}`);
    expect(bad).toEqual([]);
    const globals = SOURCES.filter((f) => under(f, 'src/core'))
      .filter((f) => /(^|[^.\w])(process|Buffer|require|__dirname)\s*[.(]/m.test(readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(globals).toEqual([]);
  });

  it('the CLI is the top layer and datasets/ uses only the core and src/node/io', () => {
    expect(EDGES.filter((e) => e.to && under(e.to, 'src/cli') && !under(e.from, 'src/cli')).map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
    const fromDatasets = EDGES.filter((e) => e.to && under(e.from, 'datasets') && !under(e.to, 'datasets') && !under(e.to, 'src/core') && !under(e.to, 'src/node/io'));
    expect(fromDatasets.map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
  });

  it('the viewer page imports the core by the package name only', () => {
    const viewer = EDGES.filter((e) => under(e.from, 'viewer/src'));
    expect(viewer.filter((e) => e.to && !under(e.to, 'viewer')).map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
    expect(viewer.some((e) => e.spec === 'lfkit')).toBe(true);
    expect(viewer.filter((e) => !e.to && isBuiltin(e.spec)).map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
  });

  it('no folder cycles, and nothing inside the tree imports an entry file', () => {
    expect(folderCycles(EDGES)).toEqual([]);
    expect(EDGES.filter((e) => e.to && ENTRIES.includes(e.to) && !ENTRIES.includes(e.from)).map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
  });

  it('finds a planted cycle and a planted Node import (the checks can fail)', () => {
    const planted: Edge[] = [
      { from: 'src/core/rays/x.ts', spec: '../model/y.ts', to: 'src/core/model/y.ts' },
      { from: 'src/core/model/y.ts', spec: '../render/z.ts', to: 'src/core/render/z.ts' },
      { from: 'src/core/render/z.ts', spec: '../rays/x.ts', to: 'src/core/rays/x.ts' },
    ];
    expect(folderCycles(planted)).toEqual([['src/core/model', 'src/core/rays', 'src/core/render']]);
    expect(isBuiltin('fs') && isBuiltin('node:path') && !isBuiltin('gl-matrix')).toBe(true);
  });
});
