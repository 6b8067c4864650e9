import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { resolveConfig, type LfkitConfig } from '../src/core/model/index.ts';
import { modelEngines } from '../src/node/training/model-engine.ts';
import { loadModelCheckpoint } from '../src/node/runs/checkpoint.ts';
import { readMetrics, readRunInfo } from '../src/node/runs/run-folder.ts';
import { trainConfigFromFlags } from '../src/cli/train.ts';
import { train } from '../src/node/training/train.ts';
import { runCheckpoint } from '../src/node/runs/run-folder.ts';
import { makeTinyLearnit } from './helpers/tiny-learnit.ts';
import { TINY_RUN as TINY } from './helpers/model-fixtures.ts';

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

  it('--init starts a new run from a checkpoint: its weights and model config, a new schedule and ray count', async () => {
    const root = await makeTinyLearnit({ objects: { train: 3, val: 1, test: 0 }, views: 6, size: 16 });
    const ds = await openDataset(root, { category: 'chairs' });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-init-'));
    const common = { dataset: ds, data: { root, category: 'chairs', size: 16 }, engines: modelEngines, quiet: true, logEvery: 1, valEvery: 100, checkpointEvery: 100 };
    const src = path.join(base, 'src');
    await train({ ...common, runDir: src, config: resolveConfig('cpu', { ...TINY, 'train.steps': 3 }) as LfkitConfig, command: 'lfkit train --out SRC' });
    const ckpt = path.join(src, 'checkpoints', 'last');
    // the CLI takes the model from the checkpoint (no --preset, no model --set needed)
    const { config } = trainConfigFromFlags({ out: path.join(base, 'ft'), data: root, category: 'chairs', init: ckpt, set: ['train.foregroundEpochs=null', 'train.warmupSteps=0', 'train.support=1,2', 'train.batch=2'], rays: 32, steps: 2, lr: 1e-12 } as Parameters<typeof trainConfigFromFlags>[0]);
    expect(config.model).toEqual((resolveConfig('cpu', TINY) as LfkitConfig).model);
    expect(config.train).toMatchObject({ rays: 32, steps: 2, foregroundEpochs: null });
    const ft = path.join(base, 'ft');
    const res = await train({ ...common, runDir: ft, config, init: ckpt });
    expect(res.startStep).toBe(0);
    expect(res.step).toBe(2);
    expect(readRunInfo(ft).init).toMatchObject({ checkpoint: path.resolve(ckpt), step: 3, command: 'lfkit train --out SRC' });
    // at a learning rate of 1e-12 the fine-tuned weights are the checkpoint's; a fresh run's are not
    const a = loadModelCheckpoint(ckpt);
    const b = loadModelCheckpoint(runCheckpoint(ft, 'last').dir);
    let maxDiff = 0;
    for (const [name, v] of a.model.params) {
      const x = v.dataSync(), y = b.model.params.get(name)!.dataSync();
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i]! - y[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-6);
    a.model.dispose();
    b.model.dispose();
    // misuse names the flag
    await expect(train({ ...common, runDir: ft, config, init: ckpt, resume: true })).rejects.toThrow(/--init: only for a new run/);
    await expect(train({ ...common, runDir: path.join(base, 'x'), config, init: path.join(base, 'nope') })).rejects.toThrow(/--init: .*nope is not a checkpoint folder/);
    expect(() => trainConfigFromFlags({ out: ft, init: ckpt, resume: true, set: [] } as unknown as Parameters<typeof trainConfigFromFlags>[0])).toThrow(/--init: only for a new run/);
  });
});
