/**
 * The broad and held-out looks of the procedural chairs: the classic recipes' bytes do not move,
 * the two families never share a hue band, a leg style or a lighting rig, and the cameras stay in
 * the documented band.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { cameraRanges } from '../src/core/rays/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { BROAD_CAMERAS, drawLook, HELDOUT_HUES } from '../datasets/looks.ts';
import { RECIPES } from '../datasets/recipes.ts';
import { synthesizeProcedural } from '../src/node/tasks/synth.ts';
import type { Rgb } from '../datasets/geometry.ts';

const dirs: string[] = [];
const tmp = (name: string): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), `lfkit-looks-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function hue([r, g, b]: Rgb): number | null {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d < 1e-9) return null;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h / 6 + 1) % 1;
}
const inBand = (h: number | null): boolean => h !== null && h >= HELDOUT_HUES[0] - 1e-9 && h <= HELDOUT_HUES[1] + 1e-9;

describe('looks', () => {
  it('the classic generator still writes the published bytes (synth-chairs-64, first test chair, view 0)', async () => {
    const out = tmp('classic');
    await synthesizeProcedural({ category: 'chairs', out, train: 0, val: 0, test: 1, seed: 0, size: 64, views: 1, fov: 0.6911, spp: 4, elevationDeg: [-10, 50], workers: 0, quiet: true });
    const png = readFileSync(path.join(out, 'chairs', 'synth-chairs-s0-test-00000', 'r_000.png'));
    expect(createHash('md5').update(png).digest('hex')).toBe('a1fa548ba7dd824330c89d8f0045c325');
  });

  it('broad and held-out families are disjoint in hue band, leg style and light elevation', () => {
    const rng = new Rng(7);
    let classic = 0;
    for (let i = 0; i < 200; i++) {
      const b = drawLook(rng.fork(), 'broad');
      if (b.classic) { classic++; continue; }
      expect(b.chair.legs.map(([k]) => k)).not.toContain('xframe');
      for (const l of b.lighting.lights) expect(l.dir[2]).toBeGreaterThan(Math.sin((-10.001 * Math.PI) / 180));
      const r = new Rng(i);
      for (let k = 0; k < 20; k++) expect(inBand(hue(b.chair.seatColor(r)))).toBe(false);
      const h = drawLook(rng.fork(), 'heldout');
      expect(h.chair.legs).toEqual([['xframe', 1]]);
      expect(h.lighting.lights).toHaveLength(1);
      expect(h.lighting.lights[0]!.dir[2]).toBeLessThan(Math.sin((-25 * Math.PI) / 180) + 1e-9);
      for (let k = 0; k < 20; k++) expect(inBand(hue(h.chair.seatColor(r)))).toBe(true);
      expect(b.cameraAngleX).toBeGreaterThanOrEqual(BROAD_CAMERAS.cameraAngleX[0]);
      expect(b.cameraAngleX).toBeLessThanOrEqual(BROAD_CAMERAS.cameraAngleX[1]);
    }
    // about a quarter keep the classic look
    expect(classic).toBeGreaterThan(30);
    expect(classic).toBeLessThan(75);
  });

  it('a broad dataset loads, its cameras lie in the band, and its ids name the family', async () => {
    const out = tmp('broad');
    const s = await synthesizeProcedural({ category: 'chairs', out, train: 6, val: 0, test: 0, seed: 0, size: 16, views: 12, fov: 0.6911, spp: 1, elevationDeg: [-10, 50], workers: 0, quiet: true, look: 'broad' });
    expect(s.splits.train[0]).toBe('synth-chairs-broad-s0-train-00000');
    const ds = await openDataset(out, { category: 'chairs' });
    const cams = [];
    const angles = new Set<number>();
    for (const id of ds.ids('train')) {
      const o = await ds.loadObject(id);
      cams.push(...o.views.map((v) => v.camera));
      angles.add(Math.round(o.views[0]!.camera.fx * 1e6));
    }
    const r = cameraRanges(cams);
    expect(r.radius[0]).toBeGreaterThanOrEqual(BROAD_CAMERAS.radius[0] - 1e-3);
    expect(r.radius[1]).toBeLessThanOrEqual(BROAD_CAMERAS.radius[1] + 1e-3);
    expect(r.elevationDeg[0]).toBeGreaterThanOrEqual(-10.05);
    expect(r.elevationDeg[1]).toBeLessThanOrEqual(70.05);
    expect(angles.size).toBeGreaterThan(1); // the field of view varies from object to object
    expect(RECIPES['synth-chairs-broad-64']!.look).toBe('broad');
    expect(RECIPES['synth-chairs-heldout-64']!.look).toBe('heldout');
  });
});
