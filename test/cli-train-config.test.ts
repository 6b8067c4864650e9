import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainConfigFromFlags } from '../src/cli/train.ts';
import { resolveConfig } from '../src/core/model/index.ts';
import { createRunFolder } from '../src/node/runs/run-folder.ts';

const flags = (f: Record<string, unknown>) => ({ out: '/nonexistent', set: [], checkpointEvery: 1, valEvery: 1, valObjects: 1, logEvery: 1, ...f }) as Parameters<typeof trainConfigFromFlags>[0];

describe('lfkit train config from flags', () => {
  it('flags map onto config fields; --set reaches any field', () => {
    const { config, data } = trainConfigFromFlags(flags({ data: '/d', category: 'chairs', preset: 'cpu', variant: 'ipc', support: [1, 2, 3], steps: 10, batch: 4, rays: 64, lr: 1e-3, seed: 7, set: ['model.originScale=0.55', 'train.schedule=constant'] }));
    expect(data).toEqual({ root: '/d', category: 'chairs' });
    expect(config.model.variant).toBe('ipc');
    expect(config.model.originScale).toBe(0.55);
    expect(config.train).toMatchObject({ support: [1, 2, 3], steps: 10, batch: 4, rays: 64, lr: 1e-3, seed: 7, schedule: 'constant' });
    expect(() => trainConfigFromFlags(flags({ data: '/d', preset: 'cpu', set: ['train.nope=1'] }))).toThrow(/--set: unknown config key 'train.nope'/);
    expect(() => trainConfigFromFlags(flags({ data: '/d' }))).toThrow(/--preset: required/);
    expect(() => trainConfigFromFlags(flags({ preset: 'cpu' }))).toThrow(/--data: required/);
  });
  it('--resume takes the run\'s own config (including null fields and --set lists), flags on top', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-tc-')), 'run');
    const c = resolveConfig('cpu', { 'train.gradClip': 'null', 'model.sigmas': [6, 3] });
    createRunFolder(dir, { config: c, data: { root: '/x', category: 'chairs', size: 64 }, support: [3], seed: 0 });
    const r = trainConfigFromFlags(flags({ out: dir, resume: true }));
    expect(r.config).toEqual(c);
    expect(r.data).toEqual({ root: '/x', category: 'chairs' });
    expect(trainConfigFromFlags(flags({ out: dir, resume: true, steps: 9000 })).config.train.steps).toBe(9000);
  });
});
