/** `lfkit synth` through the real CLI: a tiny run with --json and --preview, flag errors. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'lfkit.mjs');
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function lfkit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('lfkit synth (CLI)', () => {
  it('writes a tiny dataset, prints a JSON summary and a contact sheet', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lfkit-synth-cli-'));
    dirs.push(dir);
    const out = path.join(dir, 'ds'), sheet = path.join(dir, 'sheet.png');
    const r = await lfkit('synth', '--category', 'cars', '--out', out, '--train', '3', '--val', '0', '--test', '1',
      '--size', '16', '--views', '2', '--workers', '1', '--quiet', '--json', '--preview', sheet);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.objects).toBe(4);
    expect(summary.splits.test).toEqual(['synth-cars-s0-test-00000']);
    expect(JSON.parse(readFileSync(path.join(out, 'car_splits.json'), 'utf8'))).toEqual(summary.splits);
    expect(existsSync(path.join(out, 'cars', 'synth-cars-s0-train-00002', 'r_001.png'))).toBe(true);
    const meta = await sharp(sheet).metadata();
    // 4 tiles of 16 px in one row, 2 px gaps
    expect([meta.width, meta.height]).toEqual([4 * 16 + 5 * 2, 16 + 2 * 2]);
    const inspect = await lfkit('data', 'inspect', out, '--quiet');
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('objects per split: train 3, val 0, test 1');
  });

  it('rejects flags that contradict a recipe, unknown categories and missing meshes, naming the flag', async () => {
    // each run starts node + tsx: keep them few (--spp and recipe names are unit-tested in synth.test.ts)
    const [clash, cat, mesh] = await Promise.all([
      lfkit('synth', '--recipe', 'synth-chairs-64', '--size', '32', '--views', '10', '--out', '/nonexistent/x'),
      lfkit('synth', '--category', 'planes', '--out', '/nonexistent/x'),
      lfkit('synth', '--mesh', '/nonexistent/m.obj', '--out', '/nonexistent/x'),
    ]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('--recipe synth-chairs-64 fixes --size, --views');
    expect(clash.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(cat.code).toBe(1);
    expect(cat.stderr).toContain("--category must be one of chairs, cars, lamps (got 'planes')");
    expect(mesh.code).toBe(1);
    expect(mesh.stderr).toContain('--mesh: /nonexistent/m.obj: no such file');
  });
});
