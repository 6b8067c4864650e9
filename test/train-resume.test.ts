import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { openDataset } from '../src/datasets/index.ts';
import { resolveConfig, type LfkitConfig } from '../src/model/index.ts';
import { loadModelCheckpoint, modelEngines } from '../src/train/model-engine.ts';
import { readMetrics } from '../src/train/run-folder.ts';
import { runCheckpoint, train } from '../src/train/train.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';

export const TINY = {
  'model.imageSize': 16, 'model.patch': 8, 'model.encoderWidth': 16, 'model.encoderHeads': 2, 'model.encoderBlocks': 1,
  'model.latentTokens': 4, 'model.decoderWidth': 16, 'model.fourierWidth': 24, 'model.decoderHeads': 2,
  'train.batch': 2, 'train.rays': 16, 'train.warmupSteps': 2, 'train.support': '1,2',
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training the real model', () => {
  it('N steps uninterrupted equal N/2 + interruption + resume + N/2 (losses and weights), no tensor growth', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 0 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-resume-'));
    const config = resolveConfig('cpu', { ...TINY, 'train.steps': 6 }) as LfkitConfig;
    const common = { dataset: ds, data: { root, category: 'chairs', size: 16 }, engines: modelEngines, quiet: true, logEvery: 1, valEvery: 3, checkpointEvery: 100 };
    const before = tf.memory().numTensors;
    await train({ ...common, runDir: path.join(base, 'full'), config });
    expect(tf.memory().numTensors).toBe(before);
    const ctl = new AbortController();
    const part = await train({ ...common, runDir: path.join(base, 'part'), config, signal: ctl.signal,
      onRecord: (r) => { if (r.kind === 'train' && r.step === 3) ctl.abort(); } });
    expect(part.reason).toBe('interrupted');
    await train({ ...common, runDir: path.join(base, 'part'), config, resume: true });
    expect(tf.memory().numTensors).toBe(before);
    const losses = (d: string) => readMetrics<{ kind: string; loss: number }>(path.join(base, d)).filter((r) => r.kind === 'train').map((r) => r.loss);
    expect(losses('full').length).toBe(6);
    expect(losses('part')).toEqual(losses('full'));
    const a = loadModelCheckpoint(runCheckpoint(path.join(base, 'full'), 'last').dir);
    const b = loadModelCheckpoint(runCheckpoint(path.join(base, 'part'), 'last').dir);
    for (const [name, v] of a.model.params) expect(Array.from(b.model.params.get(name)!.dataSync())).toEqual(Array.from(v.dataSync()));
    expect([...b.optimizer!.keys()]).toEqual([...a.optimizer!.keys()]);
    a.model.dispose();
    b.model.dispose();
    // a checkpoint whose config does not match the run
    const other = resolveConfig('cpu', { ...TINY, 'train.steps': 6, 'model.decoderWidth': 32 }) as LfkitConfig;
    expect(() => loadModelCheckpoint(runCheckpoint(path.join(base, 'full'), 'last').dir, other)).toThrow(/model config differs from the expected one at model.decoderWidth: 16 vs 32/);
  });
});
