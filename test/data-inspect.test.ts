/** `lfkit data inspect` and `inspectDataset`: counts, collected errors, exit codes. */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { formatInspectReport, inspectDataset } from '../src/node/tasks/inspect.ts';
import { rgbaPattern, removeTmpDirs, tmpDir, writeLearnit, writePng } from './helpers/dataset-fixtures.ts';

afterAll(removeTmpDirs);

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'lfkit.mjs');

async function lfkit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Two categories; chairs has one empty folder, one object with a missing PNG and one with mixed sizes. */
async function badDataset(): Promise<{ root: string; ids: string[] }> {
  const root = tmpDir();
  const { ids } = await writeLearnit(root, { objects: 5, views: 3, size: 8 });
  await writeLearnit(root, { category: 'lamp', objects: 2, views: 2, size: 8 });
  rmSync(path.join(root, 'chairs', ids[0]!, 'transforms.json'));
  rmSync(path.join(root, 'chairs', ids[1]!, 'r_001.png'));
  await writePng(path.join(root, 'chairs', ids[4]!, 'r_002.png'), rgbaPattern(4, 4), 4, 4);
  return { root, ids };
}

describe('inspectDataset', () => {
  it('counts objects per split, views per object and resolutions of a clean dataset', async () => {
    const root = tmpDir();
    await writeLearnit(root, { objects: 5, views: 3, size: 8 });
    const progress: number[] = [];
    const r = await inspectDataset(root, { onProgress: (d) => progress.push(d) });
    expect(r.ok).toBe(true);
    expect(r.format).toBe('learnit');
    expect(r.sections).toHaveLength(1);
    const s = r.sections[0]!;
    expect(s.splits).toEqual({ train: 3, val: 1, test: 1 });
    expect([s.objects, s.objectsOk]).toEqual([5, 5]);
    expect(s.viewsPerObject).toEqual({ 3: 5 });
    expect(s.resolutions).toEqual({ '8x8': 15 });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(formatInspectReport(r)).toContain('OK: no errors');
  });

  it('collects bad objects instead of throwing, per category, with skipped objects', async () => {
    const { root, ids } = await badDataset();
    const r = await inspectDataset(root);
    expect(r.ok).toBe(false);
    expect(r.sections.map((s) => s.category)).toEqual(['chairs', 'lamps']);
    const chairs = r.sections[0]!;
    expect(chairs.skipped).toEqual([{ id: ids[0], reason: 'no transforms.json' }]);
    expect([chairs.objects, chairs.objectsOk]).toEqual([4, 2]);
    expect(chairs.errors.map((e) => e.id)).toEqual([ids[1], ids[4]]);
    expect(chairs.errors[0]!.message).toContain(path.join(root, 'chairs', ids[1]!, 'r_001.png'));
    expect(chairs.errors[1]!.message).toContain('different sizes');
    expect(r.sections[1]!.errors).toEqual([]);
    expect(r.errors).toHaveLength(2);
    // one category only, by either name
    const lamps = await inspectDataset(root, { category: 'lamp' });
    expect([lamps.ok, lamps.sections.length, lamps.sections[0]!.category]).toEqual([true, 1, 'lamps']);
    // a missing splits file is that category's error, not a crash
    rmSync(path.join(root, 'lamp_splits.json'));
    mkdirSync(path.join(root, 'lamps', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'lamps', 'x', 'transforms.json'), '{}');
    const r2 = await inspectDataset(root, { category: 'lamps' });
    expect(r2.ok).toBe(false);
    expect(r2.errors[0]!.message).toContain('lamp_splits.json');
  });
});

describe('lfkit data inspect (CLI)', () => {
  it('exits 0 on a clean dataset and prints the summary; --json prints the report', async () => {
    const root = tmpDir();
    await writeLearnit(root, { objects: 3, views: 2, size: 8 });
    const text = await lfkit('data', 'inspect', root, '--quiet');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('objects per split: train 2, val 1, test 0');
    expect(text.stdout).toContain('resolution:        8x8 (6 views)');
    const json = await lfkit('data', 'inspect', root, '--category', 'chairs', '--json', '--quiet');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).sections[0].viewsPerObject).toEqual({ 2: 3 });
  });

  it('exits 1 when it finds errors, naming the file; exits 1 with a clean message on an unknown category', async () => {
    const { root, ids } = await badDataset();
    const r = await lfkit('data', 'inspect', root, '--quiet');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(path.join(root, 'chairs', ids[1]!, 'r_001.png'));
    expect(r.stdout).toContain('skipped objects:   1');
    expect(r.stdout).toContain('FAILED: 2 error(s)');
    const u = await lfkit('data', 'inspect', root, '--category', 'planes');
    expect(u.code).toBe(1);
    expect(u.stderr).toContain('unknown category "planes"');
    expect(u.stderr).toContain('available: chairs, lamps');
    expect(u.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
