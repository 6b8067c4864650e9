/**
 * What `lfkit view` (and `npm start`) shows with no arguments: the bundled model (the first
 * folder under `models/` that holds a model, issue 6) on a few held-out objects of the
 * procedural benchmark (`lfkit synth`, chairs, test split, seed 0), generated once into a cache
 * folder. Deterministic, so the cache is valid across runs for one generator version.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GENERATOR_VERSION } from '../../../datasets/index.ts';
import { DEFAULT_RENDER, splitsFileName, synthesizeProcedural } from '../tasks/synth.ts';
import { PACKAGE_ROOT } from './build.ts';

/** Where bundled models live: `models/NAME/{config.json, model.safetensors, ...}`. */
export const BUNDLED_MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

/** The first (by name) folder under `dir` holding `config.json` and `model.safetensors`, or null. */
export function findBundledModel(dir = BUNDLED_MODELS_DIR): string | null {
  if (!existsSync(dir)) return null;
  for (const e of readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name).sort()) {
    const d = path.join(dir, e);
    if (existsSync(path.join(d, 'config.json')) && existsSync(path.join(d, 'model.safetensors'))) return d;
  }
  return null;
}

export const DEMO = { category: 'chairs', test: 3, seed: 0, views: 24, size: 64 } as const;

/** The cache folder (`LFKIT_VIEW_DEMO_DIR` overrides it, e.g. in tests). */
export function demoDataDir(env: Record<string, string | undefined> = process.env): string {
  return env.LFKIT_VIEW_DEMO_DIR ?? path.join(os.tmpdir(), `lfkit-view-demo-v${GENERATOR_VERSION}`);
}

/** Generates the demo objects unless they are already there; returns the dataset root. */
export async function ensureDemoData(log: (line: string) => void, env: Record<string, string | undefined> = process.env): Promise<string> {
  const root = demoDataDir(env);
  if (existsSync(path.join(root, splitsFileName(DEMO.category)))) return root;
  log(`generating ${DEMO.test} procedural ${DEMO.category} (lfkit synth, test split, seed ${DEMO.seed}) into ${root} ...`);
  await synthesizeProcedural({
    ...DEFAULT_RENDER,
    category: DEMO.category,
    train: 0,
    val: 0,
    test: DEMO.test,
    seed: DEMO.seed,
    views: DEMO.views,
    size: DEMO.size,
    out: root,
    workers: 2,
    quiet: true,
  });
  return root;
}
