import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDataset } from '../src/node/io/open-dataset.ts';
import type { Batch } from '../src/node/training/data.ts';
import type { EngineFactory, TrainEngine } from '../src/node/training/engine.ts';
import { train, type LoopConfig } from '../src/node/training/train.ts';
import { runCheckpoint } from '../src/node/runs/run-folder.ts';
import { readMetrics } from '../src/node/runs/run-folder.ts';
import { Rng } from '../src/core/util/rng.ts';
import { pluckerImage, type Camera } from '../src/core/rays/index.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

/**
 * A tiny stand-in model for the loop's mechanics: a constant colour + a linear term on the ray
 * direction, trained with momentum SGD plus seeded gradient noise (so that the optimiser state
 * and the RNG state must both survive a resume for the steps to repeat exactly).
 */
function tinyEngines(): EngineFactory<LoopConfig> & { saves: number } {
  const make = (w: number[], m: number[], rng: Rng): TrainEngine => ({
    synth: {
      imageSize: 16, cameraRays: (cam: Camera, out?: Float32Array) => pluckerImage(cam, 1, out),
      encode: () => null,
      renderRays: (_c: unknown, rays: Float32Array) => {
        const n = rays.length / 6, out = new Float32Array(n * 3);
        for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = w[c]! + w[3 + c]! * rays[i * 6 + 2]!;
        return out;
      },
      dispose: () => {},
    },
    async step(b: Batch) {
      const g = new Array(6).fill(0);
      let loss = 0;
      const n = b.B * b.K;
      for (let i = 0; i < n; i++) {
        const z = b.queryRays[i * 6 + 2]!;
        for (let c = 0; c < 3; c++) {
          const e = w[c]! + w[3 + c]! * z - b.queryRgb[i * 3 + c]!;
          loss += e * e;
          g[c] += (2 * e) / (3 * n);
          g[3 + c] += (2 * e * z) / (3 * n);
        }
      }
      for (let j = 0; j < 6; j++) {
        m[j] = 0.9 * m[j]! + g[j]! + 0.01 * rng.normal();
        w[j] = w[j]! - 0.3 * m[j]!;
      }
      return { loss: loss / (3 * n), lr: 0.3 };
    },
    async save(dir: string) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'engine.json'), JSON.stringify({ w, m, rng: rng.state() }));
      f.saves++;
    },
    dispose() {},
  });
  const f = {
    saves: 0,
    async create(config: LoopConfig) { return make([0.5, 0.5, 0.5, 0, 0, 0], new Array(6).fill(0), new Rng(config.train.seed)); },
    async load(dir: string) {
      const s = JSON.parse(fs.readFileSync(path.join(dir, 'engine.json'), 'utf8'));
      return make(s.w, s.m, new Rng(s.rng));
    },
  };
  return f;
}

const config = (steps: number): LoopConfig => ({
  model: { imageSize: 16, originScale: 1 },
  train: { batch: 2, support: [1, 2], rays: 16, steps, foregroundFraction: 0.5, seed: 3 },
});

describe('training loop', () => {
  it('writes config first, logs, validates, checkpoints; resume after an interruption repeats the same steps', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 0 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-loop-'));
    const data = { root, category: 'chairs', size: 16 };
    const common = { dataset: ds, data, engines: tinyEngines(), quiet: true, logEvery: 1, valEvery: 4, checkpointEvery: 3 };

    const full = await train({ ...common, runDir: path.join(base, 'full'), config: config(8) });
    expect(full.reason).toBe('steps');
    expect(full.step).toBe(8);
    const fullLosses = readMetrics<{ kind: string; loss: number }>(path.join(base, 'full')).filter((r) => r.kind === 'train').map((r) => r.loss);
    expect(fullLosses.length).toBe(8);
    const vals = readMetrics<{ kind: string; step: number; psnr: number }>(path.join(base, 'full')).filter((r) => r.kind === 'val');
    expect(vals.map((v) => v.step)).toEqual([4, 8]);
    expect(vals.every((v) => Number.isFinite(v.psnr))).toBe(true);
    expect(runCheckpoint(path.join(base, 'full'), 'last').state.step).toBe(8);
    expect(runCheckpoint(path.join(base, 'full')).which).toBe('best');

    // interrupted after 5 steps (as SIGINT does), then resumed
    const ctl = new AbortController();
    const part = await train({ ...common, runDir: path.join(base, 'part'), config: config(8), signal: ctl.signal,
      onRecord: (r) => { if (r.kind === 'train' && r.step === 5) ctl.abort(); } });
    expect(part.reason).toBe('interrupted');
    expect(part.step).toBe(5);
    expect(runCheckpoint(path.join(base, 'part'), 'last').state.step).toBe(5);
    // a kill -9 between checkpoints: metrics beyond the checkpoint are dropped on resume
    fs.appendFileSync(path.join(base, 'part', 'metrics.jsonl'), JSON.stringify({ kind: 'train', step: 6, loss: 9 }) + '\n');
    const rest = await train({ ...common, runDir: path.join(base, 'part'), config: config(8), resume: true });
    expect(rest.startStep).toBe(5);
    expect(rest.step).toBe(8);
    const partLosses = readMetrics<{ kind: string; loss: number }>(path.join(base, 'part')).filter((r) => r.kind === 'train').map((r) => r.loss);
    expect(partLosses).toEqual(fullLosses);
    const wFull = fs.readFileSync(path.join(base, 'full', 'checkpoints', 'last', 'engine.json'), 'utf8');
    const wPart = fs.readFileSync(path.join(base, 'part', 'checkpoints', 'last', 'engine.json'), 'utf8');
    expect(wPart).toBe(wFull);

    // the folder is not overwritten, a changed config is refused on resume, --force starts over
    await expect(train({ ...common, runDir: path.join(base, 'full'), config: config(8) })).rejects.toThrow(/already exists; use --resume/);
    const other = config(8);
    other.train.rays = 8;
    await expect(train({ ...common, runDir: path.join(base, 'full'), config: other, resume: true })).rejects.toThrow(/train.rays: 16 in the run vs 8 now/);
    await expect(train({ ...common, runDir: path.join(base, 'nope'), config: config(8), resume: true })).rejects.toThrow(/--out: run folder .* does not exist/);
    // support larger than the views available
    const big = config(2);
    big.train.support = [6];
    await expect(train({ ...common, runDir: path.join(base, 'big'), config: big })).rejects.toThrow(/--support: 6 support views \+ 1 query need 7 training views; objects of .* have 6/);
    expect(fs.existsSync(path.join(base, 'big'))).toBe(false);
    // time budget
    const timed = await train({ ...common, runDir: path.join(base, 'timed'), config: config(100), minutes: 0 });
    expect(timed.reason).toBe('time');
    expect(timed.step).toBe(0);
    expect(fs.existsSync(path.join(base, 'timed', 'config.json'))).toBe(true);
  });
});
