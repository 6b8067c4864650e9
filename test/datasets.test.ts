/**
 * Loaders (method.md section 2) on tiny fixture datasets written with sharp into temp folders:
 * round trips, format equivalence, and every bad-input case of issue 2 (a clear error naming
 * the file and field/frame, or a counted skip).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, type PosedObject } from '../src/core/data/types.ts';
import { decodeImage } from '../src/node/io/image.ts';
import { loadObjectFolder, openDataset } from '../src/node/io/open-dataset.ts';
import { parseSrnPose } from '../src/node/io/srn.ts';
import { fromRowMajor, orbitPose, pixelRays, toRowMajor } from '../src/core/rays/index.ts';
import { assertClose } from './helpers/assert-close.ts';
import { compositeOnWhite, rgbaPattern, removeTmpDirs, tmpDir, viewPose, writeLearnit, writePng } from './helpers/dataset-fixtures.ts';

afterAll(removeTmpDirs);

const ANGLE = 0.6911;

async function expectDatasetError(p: Promise<unknown> | (() => unknown), ...parts: (string | RegExp)[]): Promise<string> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a DatasetError').toBeInstanceOf(DatasetError);
  const msg = (err as Error).message;
  for (const part of parts) {
    if (typeof part === 'string') expect(msg).toContain(part);
    else expect(msg).toMatch(part);
  }
  return msg;
}

function editJson(file: string, fn: (j: any) => void): void {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  fn(j);
  writeFileSync(file, JSON.stringify(j));
}

describe('learnit ShapeNet', () => {
  it('round trip: pixels composited on white, alpha, camera from camera_angle_x and transform_matrix', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 5, views: 4, size: 8 });
    const ds = await openDataset(root, { category: 'chairs' });
    expect(ds.format).toBe('learnit');
    expect(ds.category).toBe('chairs');
    expect(ds.splitNames()).toEqual(['train', 'val', 'test']);
    expect(ds.ids('train')).toEqual(ids.slice(0, 3));
    expect(ds.ids('test')).toEqual([ids[4]]);
    const obj = await ds.loadObject(ids[1]!);
    expect(obj.id).toBe(ids[1]);
    expect([obj.width, obj.height, obj.views.length]).toEqual([8, 8, 4]);
    for (let v = 0; v < 4; v++) {
      const view = obj.views[v]!;
      expect(view.name).toBe(`r_00${v}`);
      const rgba = rgbaPattern(8, 8, 100 + v);
      assertClose(view.image, compositeOnWhite(rgba), 1e-6, 0, `view ${v} image`);
      assertClose(view.alpha!, Array.from({ length: 64 }, (_, i) => rgba[i * 4 + 3]! / 255), 1e-6, 0, 'alpha');
      const f = (0.5 * 8) / Math.tan(0.5 * ANGLE);
      assertClose([view.camera.fx, view.camera.fy, view.camera.cx, view.camera.cy], [f, f, 4, 4], 1e-9);
      assertClose(view.camera.c2w, fromRowMajor(viewPose(v)), 1e-12, 0, 'c2w');
    }
    // a transparent pixel is white, an opaque one keeps its colour
    expect(Array.from(obj.views[0]!.image.subarray(0, 3))).toEqual([1, 1, 1]);
  });

  it('accepts the singular category name, picks the only category by default, and names unknown ones', async () => {
    const root = tmpDir();
    await writeLearnit(root, { objects: 2, views: 2 });
    expect((await openDataset(root, { category: 'chair' })).category).toBe('chairs');
    expect((await openDataset(root)).category).toBe('chairs');
    await expectDatasetError(openDataset(root, { category: 'lamps' }), 'unknown category "lamps"', 'available: chairs');
    await writeLearnit(root, { category: 'car', objects: 1, views: 2 });
    await expectDatasetError(openDataset(root), 'several categories', 'cars, chairs');
  });

  it('names an unknown split and the known ones', async () => {
    const root = tmpDir();
    await writeLearnit(root, { objects: 2, views: 2 });
    const ds = await openDataset(root, { category: 'chairs' });
    await expectDatasetError(() => ds.ids('training'), 'unknown split "training"', 'train, val, test');
  });

  it('names the missing splits file', async () => {
    const root = tmpDir();
    await writeLearnit(root, { objects: 2, views: 2 });
    rmSync(path.join(root, 'chair_splits.json'));
    await expectDatasetError(openDataset(root, { category: 'chairs' }), path.join(root, 'chair_splits.json'), 'splits file is missing');
  });

  it('skips object folders without transforms.json, warning once with the count', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 5, views: 2 });
    rmSync(path.join(root, 'chairs', ids[0]!, 'transforms.json'));
    rmSync(path.join(root, 'chairs', ids[2]!), { recursive: true }); // folder missing altogether
    const warnings: string[] = [];
    const ds = await openDataset(root, { category: 'chairs', warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('skipped 2 of 5 objects');
    expect(ds.skipped).toEqual([
      { id: ids[0], reason: 'no transforms.json' },
      { id: ids[2], reason: 'object folder is missing' },
    ]);
    expect(ds.ids('train')).toEqual([ids[1]]);
    expect((await ds.loadObject(ids[1]!)).views).toHaveLength(2);
  });

  it('malformed JSON and missing fields name the file and the field', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 5, views: 3 });
    const ds = await openDataset(root, { category: 'chairs' });
    const tf = (i: number): string => path.join(root, 'chairs', ids[i]!, 'transforms.json');
    writeFileSync(tf(0), '{"camera_angle_x": 0.69, "frames": [');
    await expectDatasetError(ds.loadObject(ids[0]!), tf(0), 'malformed JSON');
    editJson(tf(1), (j) => { delete j.frames; });
    await expectDatasetError(ds.loadObject(ids[1]!), tf(1), 'field "frames" is missing');
    editJson(tf(2), (j) => { delete j.frames[1].transform_matrix; });
    await expectDatasetError(ds.loadObject(ids[2]!), tf(2), 'frames[1]', 'field "transform_matrix" is missing');
    editJson(tf(3), (j) => { delete j.camera_angle_x; });
    await expectDatasetError(ds.loadObject(ids[3]!), tf(3), 'field "camera_angle_x" is missing');
    editJson(tf(4), (j) => { j.frames[2].file_path = 7; });
    await expectDatasetError(ds.loadObject(ids[4]!), tf(4), 'frames[2]', '"file_path"');
  });

  it('non-finite or non-rigid poses name the file and the frame', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 3, views: 3 });
    const ds = await openDataset(root, { category: 'chairs' });
    const tf = (i: number): string => path.join(root, 'chairs', ids[i]!, 'transforms.json');
    // Python's json.dump writes a bare NaN
    writeFileSync(tf(0), readFileSync(tf(0), 'utf8').replace(/(\[\s*)([-0-9.e]+)(,)/, '$1NaN$3'));
    await expectDatasetError(ds.loadObject(ids[0]!), tf(0), 'frames[0]', 'non-finite');
    editJson(tf(1), (j) => { j.frames[2].transform_matrix[0] = j.frames[2].transform_matrix[0].map((x: number, c: number) => (c < 3 ? 2 * x : x)); });
    await expectDatasetError(ds.loadObject(ids[1]!), tf(1), 'frames[2]', 'orthonormal');
    editJson(tf(2), (j) => { j.frames[1].transform_matrix = [[1, 0], [0, 1]]; });
    await expectDatasetError(ds.loadObject(ids[2]!), tf(2), 'frames[1]', '4x4');
  });

  it('a missing or corrupt PNG names the file', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 2, views: 3 });
    const ds = await openDataset(root, { category: 'chairs' });
    const missing = path.join(root, 'chairs', ids[0]!, 'r_001.png');
    rmSync(missing);
    await expectDatasetError(ds.loadObject(ids[0]!), missing, 'missing');
    const corrupt = path.join(root, 'chairs', ids[1]!, 'r_002.png');
    const bytes = readFileSync(corrupt);
    writeFileSync(corrupt, bytes.subarray(0, Math.floor(bytes.length / 2))); // truncated
    await expectDatasetError(ds.loadObject(ids[1]!), corrupt, 'cannot decode');
    writeFileSync(corrupt, Buffer.from('not a png at all'));
    await expectDatasetError(ds.loadObject(ids[1]!), corrupt, 'cannot decode');
  });

  it('views of one object with different sizes name the object and both sizes', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 1, views: 3, size: 8 });
    await writePng(path.join(root, 'chairs', ids[0]!, 'r_002.png'), rgbaPattern(16, 8), 16, 8);
    const ds = await openDataset(root, { category: 'chairs' });
    await expectDatasetError(ds.loadObject(ids[0]!), `object ${ids[0]}`, 'r_000.png is 8x8', 'r_002.png is 16x8');
  });

  it('resizing scales the intrinsics and averages the pixels', async () => {
    const root = tmpDir();
    const { ids } = await writeLearnit(root, { objects: 1, views: 2, size: 16 });
    const full = await (await openDataset(root)).loadObject(ids[0]!);
    const half = await (await openDataset(root, { size: 8 })).loadObject(ids[0]!);
    expect([half.width, half.height, half.views[0]!.image.length]).toEqual([8, 8, 8 * 8 * 3]);
    const a = full.views[1]!.camera, b = half.views[1]!.camera;
    assertClose([b.fx, b.fy, b.cx, b.cy, b.width, b.height], [a.fx / 2, a.fy / 2, a.cx / 2, a.cy / 2, 8, 8], 1e-9);
    assertClose(b.c2w, a.c2w, 0);
    // the same physical rays: pixel (u, v) of the half image covers pixels 2u..2u+1 of the full one
    const rf = pixelRays(a), rh = pixelRays(b);
    const dirAt = (r: Float32Array, i: number) => { const d = r.subarray(i * 3, i * 3 + 3); const n = Math.hypot(d[0]!, d[1]!, d[2]!); return [d[0]! / n, d[1]! / n, d[2]! / n]; };
    const mid = (u: number, v: number) => { const p = [0, 1].flatMap((dy) => [0, 1].map((dx) => dirAt(rf.directions, (2 * v + dy) * 16 + 2 * u + dx))); return [0, 1, 2].map((c) => p.reduce((s, x) => s + x[c]!, 0) / 4); };
    const d = mid(3, 5), e = dirAt(rh.directions, 5 * 8 + 3);
    assertClose(e.map((x, c) => x / Math.hypot(...d)), d.map((x) => x / Math.hypot(...d)), 1e-3, 0, 'half-size ray');
    // anti-aliased: the mean colour and coverage are nearly preserved
    const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
    expect(Math.abs(mean(half.views[1]!.image) - mean(full.views[1]!.image))).toBeLessThan(0.03);
    expect(Math.abs(mean(half.views[1]!.alpha!) - mean(full.views[1]!.alpha!))).toBeLessThan(0.03);
  });
});

describe('SRN ShapeNet', () => {
  /** Writes the learnit fixture's first object again in the SRN layout: same physical cameras. */
  async function writeSrnFrom(learnitObj: PosedObject, root: string, splitDir: string, poseStyle: 'line' | 'block'): Promise<string> {
    const dir = path.join(root, splitDir, learnitObj.id);
    mkdirSync(path.join(dir, 'rgb'), { recursive: true });
    mkdirSync(path.join(dir, 'pose'), { recursive: true });
    const cam = learnitObj.views[0]!.camera;
    writeFileSync(path.join(dir, 'intrinsics.txt'), `${cam.fx} ${cam.cx} ${cam.cy} 0.\n0. 0. 0.\n1.\n${cam.height} ${cam.width}\n`);
    for (let v = 0; v < learnitObj.views.length; v++) {
      const stem = String(v).padStart(6, '0');
      // OpenGL -> OpenCV is the same flip: c2w_cv = c2w_gl * diag(1, -1, -1, 1)
      const gl = learnitObj.views[v]!.camera.c2w;
      const cv = Float64Array.from(gl);
      for (let k = 0; k < 4; k++) { cv[4 + k] = -gl[4 + k]!; cv[8 + k] = -gl[8 + k]!; }
      const rows = toRowMajor(cv);
      writeFileSync(path.join(dir, 'pose', `${stem}.txt`), poseStyle === 'line' ? rows.flat().join(' ') + '\n' : rows.map((r) => r.join(' ')).join('\n') + '\n');
      await writePng(path.join(dir, 'rgb', `${stem}.png`), rgbaPattern(learnitObj.width, learnitObj.height, 100 * 0 + v), learnitObj.width, learnitObj.height);
    }
    return dir;
  }

  it('loads the same physical cameras and pixels as learnit (train/ and chairs_train/ layouts, both pose styles)', async () => {
    const lroot = tmpDir();
    const { ids } = await writeLearnit(lroot, { objects: 1, views: 3, size: 8 });
    const ref = await (await openDataset(lroot)).loadObject(ids[0]!);
    for (const [splitDir, style] of [['train', 'line'], ['chairs_train', 'block']] as const) {
      const root = tmpDir();
      await writeSrnFrom(ref, root, splitDir, style);
      const ds = await openDataset(root, splitDir === 'train' ? {} : { category: 'chairs' });
      expect(ds.format).toBe('srn');
      expect(ds.splitNames()).toEqual(['train']);
      expect(ds.ids('train')).toEqual([ids[0]]);
      const obj = await ds.loadObject(ids[0]!);
      expect(obj.views.map((v) => v.name)).toEqual(['000000', '000001', '000002']);
      for (let v = 0; v < 3; v++) {
        const a = ref.views[v]!.camera, b = obj.views[v]!.camera;
        assertClose([b.fx, b.fy, b.cx, b.cy, b.width, b.height], [a.fx, a.fy, a.cx, a.cy, a.width, a.height], 1e-9);
        assertClose(b.c2w, a.c2w, 1e-9, 0, `view ${v} c2w`);
        const ra = pixelRays(a), rb = pixelRays(b);
        assertClose(rb.directions, ra.directions, 1e-6, 0, 'directions');
        assertClose(obj.views[v]!.image, ref.views[v]!.image, 1e-6, 0, 'pixels');
      }
    }
  });

  it('scales intrinsics given for another size (line 4 "H W") to the image size', async () => {
    const root = tmpDir();
    const dir = path.join(root, 'test', 'a1');
    mkdirSync(path.join(dir, 'rgb'), { recursive: true });
    mkdirSync(path.join(dir, 'pose'), { recursive: true });
    writeFileSync(path.join(dir, 'intrinsics.txt'), '262.5 128 128 0.\n0. 0. 0.\n1.\n256 256\n');
    writeFileSync(path.join(dir, 'pose', '000000.txt'), viewPose(0).flat().join(' '));
    await writePng(path.join(dir, 'rgb', '000000.png'), rgbaPattern(64, 64), 64, 64);
    const obj = await (await openDataset(root)).loadObject('a1');
    const c = obj.views[0]!.camera;
    assertClose([c.fx, c.cx, c.cy, c.width], [262.5 / 4, 32, 32, 64], 1e-9);
  });

  it('a pose file with neither 16 numbers on one line nor a 4x4 block names the file', async () => {
    expect(parseSrnPose('1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n', 'p.txt')).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    await expectDatasetError(() => parseSrnPose('1 0 0 0 0 1 0 0 0 0 1 0', 'p.txt'), 'p.txt', '16 numbers');
    await expectDatasetError(() => parseSrnPose('1 0 0\n0 1 0\n0 0 1\n', 'p.txt'), 'p.txt', '4 lines of 4');
    await expectDatasetError(() => parseSrnPose('1 0 0 0\n0 1 0 0\n0 0 1 x\n0 0 0 1\n', 'p.txt'), 'p.txt');
    const lroot = tmpDir();
    const { ids } = await writeLearnit(lroot, { objects: 1, views: 2, size: 8 });
    const ref = await (await openDataset(lroot)).loadObject(ids[0]!);
    const root = tmpDir();
    const dir = await writeSrnFrom(ref, root, 'val', 'line');
    const bad = path.join(dir, 'pose', '000001.txt');
    writeFileSync(bad, '1 0 0 0 0 1 0 0 0 0 1 0 0 0\n');
    const ds = await openDataset(root);
    await expectDatasetError(ds.loadObject(ids[0]!), bad, '16 numbers on one line or 4 lines of 4');
    writeFileSync(bad, '2 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\n');
    await expectDatasetError(ds.loadObject(ids[0]!), bad, 'frame 1', 'orthonormal');
    writeFileSync(bad, 'nan 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\n');
    await expectDatasetError(ds.loadObject(ids[0]!), bad, 'frame 1', 'non-finite');
    await expectDatasetError(() => ds.ids('train'), 'unknown split "train"', 'known splits: val');
  });
});

describe('transforms.json dialect (instant-ngp / nerfstudio): bring your own object', () => {
  it('reads fl_x, fl_y, cx, cy, w, h at the top level or per frame; file_path relative with extension', async () => {
    const dir = tmpDir();
    mkdirSync(path.join(dir, 'images'));
    const poses = [0, 1, 2].map(viewPose);
    for (let v = 0; v < 3; v++) await writePng(path.join(dir, 'images', `frame_${v}.png`), rgbaPattern(12, 8, v), 12, 8, v === 2 ? 3 : 4);
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({
      camera_model: 'OPENCV', fl_x: 10, fl_y: 11, cx: 6.5, cy: 3.5, w: 12, h: 8, k1: 0,
      frames: [
        { file_path: 'images/frame_0.png', transform_matrix: poses[0] },
        { file_path: './images/frame_1', transform_matrix: poses[1], fl_x: 20, cy: 4 },
        { file_path: 'images/frame_2.png', transform_matrix: poses[2].slice(0, 3) },
      ],
    }));
    const obj = await loadObjectFolder(dir);
    expect(obj.id).toBe(path.basename(dir));
    expect([obj.width, obj.height]).toEqual([12, 8]);
    expect(obj.views.map((v) => v.name)).toEqual(['frame_0', 'frame_1', 'frame_2']);
    const k = obj.views.map((v) => [v.camera.fx, v.camera.fy, v.camera.cx, v.camera.cy]);
    expect(k).toEqual([[10, 11, 6.5, 3.5], [20, 11, 6.5, 4], [10, 11, 6.5, 3.5]]);
    assertClose(obj.views[2]!.camera.c2w, fromRowMajor(poses[2]!), 1e-12);
    // an RGB PNG: no alpha, colours unchanged
    expect(obj.views[2]!.alpha).toBeNull();
    const rgba = rgbaPattern(12, 8, 2);
    assertClose(obj.views[2]!.image, Array.from({ length: 96 * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]! / 255), 1e-6);
    // openDataset sees the same folder as a one-object dataset with split "all"
    const ds = await openDataset(dir);
    expect([ds.format, ds.splitNames(), ds.ids('all')]).toEqual(['transforms', ['all'], [obj.id]]);
  });

  it('scales intrinsics when the images are a downscaled copy of the declared w x h', async () => {
    const dir = tmpDir();
    await writePng(path.join(dir, 'a.png'), rgbaPattern(8, 8), 8, 8);
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ fl_x: 40, cx: 16, cy: 16, w: 32, h: 32, frames: [{ file_path: 'a.png', transform_matrix: viewPose(0) }] }));
    const c = (await loadObjectFolder(dir)).views[0]!.camera;
    expect([c.fx, c.fy, c.cx, c.cy]).toEqual([10, 10, 4, 4]);
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ fl_x: 40, w: 32, h: 16, frames: [{ file_path: 'a.png', transform_matrix: viewPose(0) }] }));
    await expectDatasetError(loadObjectFolder(dir), 'transforms.json', 'frames[0]', '32x16');
    writeFileSync(path.join(dir, 'transforms.json'), JSON.stringify({ fl_x: 'forty', frames: [{ file_path: 'a.png', transform_matrix: viewPose(0) }] }));
    await expectDatasetError(loadObjectFolder(dir), 'transforms.json', 'field "fl_x"');
  });

  it('a folder of object folders is a dataset; folders without transforms.json are skipped and counted', async () => {
    const root = tmpDir();
    for (const id of ['mug', 'vase']) {
      mkdirSync(path.join(root, id));
      await writePng(path.join(root, id, 'a.png'), rgbaPattern(8, 8), 8, 8);
      writeFileSync(path.join(root, id, 'transforms.json'), JSON.stringify({ camera_angle_x: ANGLE, frames: [{ file_path: 'a', transform_matrix: viewPose(1) }] }));
    }
    mkdirSync(path.join(root, 'empty'));
    const warnings: string[] = [];
    const ds = await openDataset(root, { warn: (m) => warnings.push(m) });
    expect(ds.ids('all')).toEqual(['mug', 'vase']);
    expect(ds.skipped).toEqual([{ id: 'empty', reason: 'no transforms.json' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('skipped 1 of 3');
  });
});

describe('decodeImage', () => {
  it('reads 16-bit (at 8-bit precision) and grey+alpha PNGs', async () => {
    const dir = tmpDir();
    const f16 = path.join(dir, 'a16.png');
    const raw16 = new Uint16Array([65535, 0, 0, 65535, 0, 65535, 0, 32768]);
    await sharp(raw16, { raw: { width: 2, height: 1, channels: 4 } }).toColourspace('rgb16').png().toFile(f16);
    expect((await sharp(f16).metadata()).depth).toBe('ushort');
    const a = await decodeImage(f16);
    assertClose(a.image, [1, 0, 0, 1 - 128 / 255, 1, 1 - 128 / 255], 1e-6);
    assertClose(a.alpha!, [1, 128 / 255], 1e-6);
    const fga = path.join(dir, 'ga.png');
    await sharp(Buffer.from([200, 255, 100, 0]), { raw: { width: 2, height: 1, channels: 2 } }).png().toFile(fga);
    const g = await decodeImage(fga);
    assertClose(g.image, [200 / 255, 200 / 255, 200 / 255, 1, 1, 1], 1e-6);
    assertClose(g.alpha!, [1, 0], 1e-6);
  });
});

describe('SRN layout errors', () => {
  async function srnObject(root: string, splitDir: string, id: string, views: number): Promise<string> {
    const dir = path.join(root, splitDir, id);
    mkdirSync(path.join(dir, 'rgb'), { recursive: true });
    mkdirSync(path.join(dir, 'pose'), { recursive: true });
    writeFileSync(path.join(dir, 'intrinsics.txt'), '10 4 4 0.\n0. 0. 0.\n1.\n8 8\n');
    for (let v = 0; v < views; v++) {
      writeFileSync(path.join(dir, 'pose', `${v}.txt`), viewPose(v).flat().join(' '));
      await writePng(path.join(dir, 'rgb', `${v}.png`), rgbaPattern(8, 8, v), 8, 8);
    }
    return dir;
  }

  it('names unknown categories, asks for one among several, skips folders without intrinsics.txt', async () => {
    const root = tmpDir();
    await srnObject(root, 'cars_train', 'c1', 2);
    await srnObject(root, 'chairs_train', 'h1', 2);
    mkdirSync(path.join(root, 'chairs_train', 'empty'));
    await expectDatasetError(openDataset(root), 'several categories', 'cars, chairs');
    await expectDatasetError(openDataset(root, { category: 'planes' }), 'unknown category "planes"', 'cars, chairs');
    const warnings: string[] = [];
    const ds = await openDataset(root, { category: 'chair', warn: (m) => warnings.push(m) });
    expect([ds.category, ds.ids('train')]).toEqual(['chairs', ['h1']]);
    expect(ds.skipped).toEqual([{ id: 'empty', reason: 'no intrinsics.txt' }]);
    expect(warnings).toHaveLength(1);
  });

  it('names the object when images and poses do not pair up, and a malformed intrinsics.txt', async () => {
    const root = tmpDir();
    const dir = await srnObject(root, 'test', 'x', 3);
    rmSync(path.join(dir, 'pose', '2.txt'));
    const ds = await openDataset(root);
    await expectDatasetError(ds.loadObject('x'), 'object x', '3 images in rgb/ but 2 pose files');
    writeFileSync(path.join(dir, 'pose', '2.txt'), viewPose(2).flat().join(' '));
    writeFileSync(path.join(dir, 'intrinsics.txt'), '10 4 4 0.\n0. 0. 0.\n1.\n');
    await expectDatasetError(ds.loadObject('x'), path.join(dir, 'intrinsics.txt'), 'line 4');
  });
});
