import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  appendMetrics, configDiff, createRunFolder, isRunFolder, readMetrics, readRunInfo, RunError, truncateMetricsAfter,
} from '../src/node/runs/run-folder.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-run-'));
const info = { config: { model: { d: 16 }, train: { lr: 1e-3 } }, data: { root: '/d', category: 'chairs', size: 16 }, support: [1, 2], seed: 0 };

describe('run folder', () => {
  it('writes config.json first and reads it back', () => {
    const dir = path.join(tmp(), 'run');
    createRunFolder(dir, info);
    expect(isRunFolder(dir)).toBe(true);
    const back = readRunInfo(dir);
    expect(back.format).toBe('lfkit-run');
    expect(back.config).toEqual(info.config);
    expect(back.support).toEqual([1, 2]);
  });
  it('is never overwritten without force, and foreign folders never', () => {
    const dir = path.join(tmp(), 'run');
    createRunFolder(dir, info);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{}\n');
    expect(() => createRunFolder(dir, info)).toThrow(/already exists; use --resume .* or --force/);
    createRunFolder(dir, { ...info, seed: 5 }, { force: true });
    expect(fs.existsSync(path.join(dir, 'metrics.jsonl'))).toBe(false);
    expect(readRunInfo(dir).seed).toBe(5);
    const foreign = tmp();
    fs.writeFileSync(path.join(foreign, 'thesis.tex'), 'precious');
    expect(() => createRunFolder(foreign, info, { force: true })).toThrow(/not an lfkit run folder; refusing/);
    expect(fs.readFileSync(path.join(foreign, 'thesis.tex'), 'utf8')).toBe('precious');
    // an empty existing folder is fine
    createRunFolder(tmp(), info);
  });
  it('missing and foreign run folders name the flag and the path', () => {
    const base = tmp();
    expect(() => readRunInfo(path.join(base, 'nope'))).toThrow(RunError);
    expect(() => readRunInfo(path.join(base, 'nope'))).toThrow(/--run: run folder .*nope does not exist/);
    expect(() => readRunInfo(base)).toThrow(/not an lfkit run folder \(no config.json\)/);
    fs.writeFileSync(path.join(base, 'config.json'), '{"model": {}}');
    expect(() => readRunInfo(base)).toThrow(/has no "format": "lfkit-run"/);
    fs.writeFileSync(path.join(base, 'config.json'), '{oops');
    expect(() => readRunInfo(base)).toThrow(/config.json: not valid JSON/);
  });
  it('metrics.jsonl: append, torn lines skipped, truncate on resume', () => {
    const dir = path.join(tmp(), 'run');
    createRunFolder(dir, info);
    for (let s = 1; s <= 5; s++) appendMetrics(dir, { kind: 'train', step: s, loss: 1 / s });
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"tr');
    expect(readMetrics(dir).length).toBe(5);
    truncateMetricsAfter(dir, 3);
    expect(readMetrics<{ step: number }>(dir).map((r) => r.step)).toEqual([1, 2, 3]);
  });
  it('configDiff names the differing keys', () => {
    expect(configDiff({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2] } })).toEqual(['a.b: 1 vs 2']);
    expect(configDiff({ a: 1 }, { a: 1 })).toEqual([]);
    expect(configDiff({ a: 1 }, {})).toEqual(['a: 1 vs undefined']);
  });
});
