/**
 * `lfkit synth` (issue 3): determinism across worker counts, the learnit loader and
 * `inspectDataset` accept the output, no foreground on any image border, the renderer agrees
 * with `src/rays` on an analytic sphere, and user meshes (OBJ, PLY) round-trip into a valid
 * dataset. Everything is tiny (16..32 px, a few views).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { SphereGeometry } from 'three';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectDataset } from '../src/node/tasks/inspect.ts';
import { openDataset } from '../src/node/io/open-dataset.ts';
import { cameraAt, cameraFromLearnit, orbitPose, pixelRays } from '../src/core/rays/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { MeshBuilder, maxRadius, trs } from '../datasets/geometry.ts';
import { encodePng } from '../datasets/png.ts';
import { buildRenderMesh, renderView } from '../datasets/render.ts';
import { SYNTH_CATEGORIES, synthMesh } from '../datasets/shapes.ts';
import {
  DEFAULT_RENDER, proceduralJobs, synthesizeMeshes, synthesizeProcedural, type ProceduralOptions,
} from '../src/node/tasks/synth.ts';
import { objectSeed } from '../datasets/job.ts';
import { loadMeshFile } from '../datasets/mesh-io.ts';
import { RECIPES } from '../datasets/recipes.ts';

const tmpRoots: string[] = [];
function tmp(tag: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `lfkit-synth-${tag}-`));
  tmpRoots.push(d);
  return d;
}
afterAll(() => { for (const d of tmpRoots) rmSync(d, { recursive: true, force: true }); });

/** Every file under a folder, as relative path -> bytes. */
function readTree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

const tiny = (category: ProceduralOptions['category'], out: string, workers: number): ProceduralOptions => ({
  ...DEFAULT_RENDER, category, out, workers, quiet: true, train: 2, val: 1, test: 1, seed: 3, size: 16, views: 3,
});

describe('procedural objects', () => {
  it('fit in the radius-1.2 sphere, touch it, and vary from object to object', () => {
    for (const cat of SYNTH_CATEGORIES) {
      const sizes = new Set<number>();
      for (let i = 0; i < 10; i++) {
        const m = synthMesh(cat, new Rng(100 + i));
        const r = maxRadius(m);
        expect(r, `${cat} ${i}`).toBeLessThanOrEqual(1.2);
        expect(r, `${cat} ${i}`).toBeGreaterThan(1.19);
        expect(m.indices.length % 3).toBe(0);
        expect(Math.max(...m.indices)).toBeLessThan(m.positions.length / 3);
        for (const c of m.colors) expect(c >= 0 && c <= 1).toBe(true);
        sizes.add(m.positions.length);
      }
      // different styles build different part lists: vertex counts differ
      expect(sizes.size, cat).toBeGreaterThanOrEqual(5);
    }
  });

  it('depend only on (category, seed, split, index): the test set does not move with --train', () => {
    const a = proceduralJobs(tiny('chairs', '/x', 0));
    const b = proceduralJobs({ ...tiny('chairs', '/x', 0), train: 7 });
    expect(b.splits.test).toEqual(a.splits.test);
    expect(a.splits.train).toEqual(['synth-chairs-s3-train-00000', 'synth-chairs-s3-train-00001']);
    expect(objectSeed(a.jobs.find((j) => j.id.includes('test'))!.source)).toBe(objectSeed(b.jobs.find((j) => j.id.includes('test'))!.source));
    // a different seed or category gives different objects
    const c = proceduralJobs({ ...tiny('chairs', '/x', 0), seed: 4 });
    expect(objectSeed(c.jobs[0]!.source)).not.toBe(objectSeed(a.jobs[0]!.source));
    expect(() => proceduralJobs({ ...tiny('chairs', '/x', 0), spp: 3 })).toThrow(/--spp/);
    expect(() => proceduralJobs({ ...tiny('tables' as 'chairs', '/x', 0) })).toThrow(/--category/);
  });

  it('recipes are the published table', () => {
    expect(Object.keys(RECIPES).sort()).toEqual(
      ['synth-cars-128', 'synth-cars-64', 'synth-chairs-128', 'synth-chairs-64', 'synth-chairs-broad-64', 'synth-chairs-heldout-64', 'synth-lamps-128', 'synth-lamps-64']);
    const r = RECIPES['synth-lamps-64']!;
    expect([r.train, r.val, r.test, r.views, r.size, r.seed, r.fov, r.spp]).toEqual([400, 10, 50, 50, 64, 0, 0.6911, 4]);
    expect(r.elevationDeg).toEqual([-10, 50]);
    expect(Object.isFrozen(r)).toBe(true);
  });
});

describe('lfkit synth output', () => {
  it('is byte-identical across runs and worker counts, and loads with the learnit loader', async () => {
    const a = tmp('det-a'), b = tmp('det-b');
    const sa = await synthesizeProcedural(tiny('lamps', a, 0));
    await synthesizeProcedural(tiny('lamps', b, 2));
    const ta = readTree(a), tb = readTree(b);
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    expect(ta.size).toBe(1 + 4 * (1 + 3)); // splits file + 4 objects x (transforms.json + 3 PNGs)
    for (const [k, v] of ta) expect(v.equals(tb.get(k)!), k).toBe(true);

    // the format: splits file with the singular, folder plural, transforms.json as learnit writes it
    const splits = JSON.parse(readFileSync(path.join(a, 'lamp_splits.json'), 'utf8'));
    expect(splits).toEqual(sa.splits);
    expect(Object.keys(splits)).toEqual(['train', 'val', 'test']);
    const id = splits.test[0] as string;
    const tf = JSON.parse(readFileSync(path.join(a, 'lamps', id, 'transforms.json'), 'utf8'));
    expect(tf.camera_angle_x).toBe(0.6911);
    expect(tf.frames.map((f: { file_path: string }) => f.file_path)).toEqual(['./r_000', './r_001', './r_002']);
    for (const f of tf.frames) {
      const m = f.transform_matrix as number[][];
      const eye = [m[0]![3]!, m[1]![3]!, m[2]![3]!];
      expect(Math.hypot(eye[0]!, eye[1]!, eye[2]!)).toBeCloseTo(4, 9);
      const elev = (Math.asin(eye[2]! / 4) * 180) / Math.PI;
      expect(elev).toBeGreaterThanOrEqual(-10);
      expect(elev).toBeLessThanOrEqual(50);
    }
    const meta = await sharp(path.join(a, 'lamps', id, 'r_000.png')).metadata();
    expect([meta.width, meta.height, meta.channels, meta.depth]).toEqual([16, 16, 4, 'uchar']);

    const report = await inspectDataset(a, { category: 'lamps' });
    expect(report.ok).toBe(true);
    const ds = await openDataset(a, { category: 'lamps' });
    expect(ds.ids('train')).toEqual(sa.splits.train);
    const obj = await ds.loadObject(id);
    expect(obj.views.length).toBe(3);
    const cam = cameraFromLearnit(0.6911, tf.frames[1].transform_matrix, 16, 16);
    expect(obj.views[1]!.camera.fx).toBeCloseTo(cam.fx, 9);
    // some object pixels and some background in every view
    for (const v of obj.views) {
      const a0 = v.alpha!;
      expect(a0.some((x) => x > 0.99)).toBe(true);
      expect(a0.some((x) => x === 0)).toBe(true);
    }
  });

  it('warns when --fov is too narrow to keep the object sphere in frame', async () => {
    const warnings: string[] = [];
    const opts = { ...tiny('cars', tmp('fov'), 0), train: 1, val: 0, test: 0, size: 8, views: 1, warn: (m: string) => warnings.push(m) };
    await synthesizeProcedural({ ...opts, fov: 0.6911 });
    expect(warnings).toEqual([]);
    await synthesizeProcedural({ ...opts, fov: 0.5 });
    expect(warnings.join()).toMatch(/--fov 0.5 is below 0.609/);
  });

  it('never puts foreground on the image border (every category, 12 views each)', async () => {
    const root = tmp('border');
    for (const category of SYNTH_CATEGORIES) {
      await synthesizeProcedural({ ...DEFAULT_RENDER, category, out: root, workers: 0, quiet: true, train: 2, val: 0, test: 1, seed: 0, size: 24, views: 12 });
      const ds = await openDataset(root, { category });
      for (const split of ['train', 'test']) {
        for (const id of ds.ids(split)) {
          const obj = await ds.loadObject(id);
          for (const v of obj.views) {
            const W = obj.width, H = obj.height, a = v.alpha!;
            let fg = 0;
            for (let i = 0; i < W; i++) fg += a[i]! + a[(H - 1) * W + i]! + a[i * W]! + a[i * W + W - 1]!;
            expect(fg, `${id} ${v.name}`).toBe(0);
          }
        }
      }
    }
  });
});

describe('renderer geometry agrees with src/rays', () => {
  it('a sphere of known centre and radius covers exactly the pixels whose rays hit it', () => {
    const centre: [number, number, number] = [0.2, -0.1, 0.15], r = 0.8;
    const b = new MeshBuilder().add(new SphereGeometry(r, 128, 96), [0.8, 0.2, 0.2], trs(centre));
    const mesh = buildRenderMesh(b.build());
    const W = 32;
    let inside = 0, outside = 0, edge = 0, partial = 0;
    for (const [az, el] of [[0.3, 0.4], [2.2, -0.15], [4.0, 0.8]] as const) {
      const cam = cameraAt(orbitPose(az, el, 4), W, W, 0.6911);
      const rgba = renderView(mesh, cam, { spp: 4 });
      const { origins, directions } = pixelRays(cam);
      // a pixel's rays stay within ~0.71 px of its centre ray: at the sphere (distance <= 4.2)
      // that is 0.71 * 4.2 / fx world units; the tessellation shrinks the sphere by < 0.001
      const margin = (0.72 * 4.2) / cam.fx + 0.002;
      for (let p = 0; p < W * W; p++) {
        const o = [origins[p * 3]!, origins[p * 3 + 1]!, origins[p * 3 + 2]!];
        const d = [directions[p * 3]!, directions[p * 3 + 1]!, directions[p * 3 + 2]!];
        const oc = [centre[0] - o[0]!, centre[1] - o[1]!, centre[2] - o[2]!];
        const t = oc[0]! * d[0]! + oc[1]! * d[1]! + oc[2]! * d[2]!;
        const dist = Math.hypot(oc[0]! - t * d[0]!, oc[1]! - t * d[1]!, oc[2]! - t * d[2]!);
        const alpha = rgba[p * 4 + 3]!;
        if (dist < r - margin) { expect(alpha, `pixel ${p}`).toBe(255); inside++; }
        else if (dist > r + margin) { expect(alpha, `pixel ${p}`).toBe(0); outside++; }
        else { edge++; if (alpha > 0 && alpha < 255) partial++; }
      }
    }
    expect(inside).toBeGreaterThan(600);
    expect(outside).toBeGreaterThan(600);
    expect(edge).toBeLessThan(0.15 * (inside + outside));
    expect(partial).toBeGreaterThan(0.3 * edge); // antialiased silhouette
  });

  it('shades straight colour with white, transparent background and encodes PNGs sharp decodes', async () => {
    const b = new MeshBuilder().add(new SphereGeometry(1, 32, 16), [0.2, 0.4, 0.9]);
    const cam = cameraAt(orbitPose(0.5, 0.3, 4), 20);
    const rgba = renderView(buildRenderMesh(b.build()), cam);
    expect([...rgba.subarray(0, 4)]).toEqual([255, 255, 255, 0]);
    const c = (20 * 10 + 10) * 4;
    expect(rgba[c + 3]).toBe(255);
    expect(rgba[c + 2]!).toBeGreaterThan(rgba[c]!); // blue sphere
    const { data, info } = await sharp(encodePng(rgba, 20, 20, 4)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([20, 20, 4]);
    expect(Buffer.from(data).equals(Buffer.from(rgba))).toBe(true);
  });
});

describe('user meshes', () => {
  const cubeObj = (s: number, dx: number): string => {
    const v: string[] = [];
    for (const x of [0, 1]) for (const y of [0, 1]) for (const z of [0, 1]) v.push(`v ${x * s + dx} ${y * s * 2} ${z * s}`);
    // 1-based: index = 1 + 4x + 2y + z
    const f = ['1 3 4 2', '5 6 8 7', '1 2 6 5', '3 7 8 4', '1 5 7 3', '2 4 8 6'].map((q) => `f ${q}`);
    return `# tiny box\n${v.join('\n')}\n${f.join('\n')}\n`;
  };
  const tetraPly = [
    'ply', 'format ascii 1.0', 'element vertex 4', 'property float x', 'property float y', 'property float z',
    'property uchar red', 'property uchar green', 'property uchar blue', 'element face 4', 'property list uchar int vertex_indices', 'end_header',
    '0 0 0 255 0 0', '3 0 0 0 255 0', '0 3 0 0 0 255', '0 0 3 255 255 0', '3 0 2 1', '3 0 1 3', '3 0 3 2', '3 1 2 3', '',
  ].join('\n');

  it('a single OBJ round-trips into a valid dataset, normalised into the object sphere', async () => {
    const dir = tmp('mesh');
    const file = path.join(dir, 'my box.obj');
    writeFileSync(file, cubeObj(10, 100)); // far from the origin and large: must be centred and scaled
    const out = path.join(dir, 'ds');
    const s = await synthesizeMeshes({ ...DEFAULT_RENDER, size: 24, views: 4, out, workers: 0, quiet: true, category: 'bricks', mesh: file, up: 'y', seed: 0 });
    expect(s.splits).toEqual({ train: [], val: [], test: ['my_box'] });
    expect(readdirSync(out).sort()).toEqual(['brick_splits.json', 'bricks']);
    expect((await inspectDataset(out, { category: 'bricks' })).ok).toBe(true);
    const obj = await (await openDataset(out, { category: 'bricks' })).loadObject('my_box');
    for (const v of obj.views) {
      const a = v.alpha!;
      const cover = a.reduce((x, y) => x + y, 0) / a.length;
      expect(cover).toBeGreaterThan(0.05); // the box is in frame, at object size
      expect(cover).toBeLessThan(0.8);
      const W = obj.width;
      let border = 0;
      for (let i = 0; i < W; i++) border += a[i]! + a[(W - 1) * W + i]! + a[i * W]! + a[i * W + W - 1]!;
      expect(border).toBe(0);
      // grey default colour on the box pixels (composited colour equals the stored colour where alpha = 1)
      const k = a.findIndex((x) => x === 1);
      expect(k).toBeGreaterThanOrEqual(0);
      const [r0, g0, b0] = [v.image[k * 3]!, v.image[k * 3 + 1]!, v.image[k * 3 + 2]!];
      expect(Math.abs(r0 - g0) + Math.abs(g0 - b0)).toBeLessThan(0.02);
    }
  });

  it('a folder of meshes (OBJ + PLY with vertex colours) becomes one split dataset, on 2 workers', async () => {
    const dir = tmp('meshdir');
    const src = path.join(dir, 'meshes');
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const sub = path.join(src, `model${name}`, 'models');
      // ShapeNetCore layout: <id>/models/model_normalized.obj
      mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, 'model_normalized.obj'), cubeObj(1 + i, 0));
    }
    mkdirSync(path.join(src, 'modeld'), { recursive: true });
    writeFileSync(path.join(src, 'modeld', 'tetra.ply'), tetraPly);
    const out = path.join(dir, 'ds');
    const s = await synthesizeMeshes({
      ...DEFAULT_RENDER, size: 16, views: 2, out, workers: 2, quiet: true, category: 'things', meshDir: src, up: 'z', seed: 1,
      counts: { train: 2, val: 1, test: 1 },
    });
    expect([...s.splits.train, ...s.splits.val, ...s.splits.test].sort()).toEqual(['modela', 'modelb', 'modelc', 'modeld']);
    expect(s.splits.train.length).toBe(2);
    expect((await inspectDataset(out, { category: 'things' })).ok).toBe(true);
    const ds = await openDataset(out, { category: 'things' });
    const tetra = await ds.loadObject('modeld');
    // PLY vertex colours are used: some pixel is clearly not grey
    const img = tetra.views[0]!.image;
    let colourful = 0;
    for (let p = 0; p < img.length; p += 3) colourful = Math.max(colourful, Math.max(img[p]!, img[p + 1]!, img[p + 2]!) - Math.min(img[p]!, img[p + 1]!, img[p + 2]!));
    expect(colourful).toBeGreaterThan(0.3);
    // the split is a deterministic function of the seed
    const again = await synthesizeMeshes({
      ...DEFAULT_RENDER, size: 16, views: 2, out: path.join(dir, 'ds2'), workers: 0, quiet: true, category: 'things', meshDir: src, up: 'z', seed: 1,
      counts: { train: 2, val: 1, test: 1 },
    });
    expect(again.splits).toEqual(s.splits);
    expect(readFileSync(path.join(dir, 'ds2', 'things', 'modeld', 'r_001.png')).equals(readFileSync(path.join(out, 'things', 'modeld', 'r_001.png')))).toBe(true);
  });

  it('a GLB (three GLTFLoader.parse) keeps its base colour and its y-up orientation', async () => {
    // hand-written GLB: a red tetrahedron, 3 units tall along +y
    const pos = new Float32Array([0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1]);
    const idx = new Uint16Array([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
    const bin = Buffer.concat([Buffer.from(pos.buffer), Buffer.from(idx.buffer)]);
    const gltf = {
      asset: { version: '2.0' }, scene: 0, scenes: [{ nodes: [0] }], nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 }, indices: 1, material: 0 }] }],
      materials: [{ pbrMetallicRoughness: { baseColorFactor: [0.9, 0.1, 0.1, 1] } }],
      buffers: [{ byteLength: bin.length }],
      bufferViews: [{ buffer: 0, byteOffset: 0, byteLength: 48 }, { buffer: 0, byteOffset: 48, byteLength: 24 }],
      accessors: [
        { bufferView: 0, componentType: 5126, count: 4, type: 'VEC3', min: [0, 0, 0], max: [1, 3, 1] },
        { bufferView: 1, componentType: 5123, count: 12, type: 'SCALAR' },
      ],
    };
    let js = Buffer.from(JSON.stringify(gltf));
    while (js.length % 4) js = Buffer.concat([js, Buffer.from(' ')]);
    const u32 = (...xs: number[]) => { const b = Buffer.alloc(4 * xs.length); xs.forEach((x, i) => b.writeUInt32LE(x, 4 * i)); return b; };
    const glb = Buffer.concat([u32(0x46546c67, 2, 12 + 8 + js.length + 8 + bin.length), u32(js.length, 0x4e4f534a), js, u32(bin.length, 0x004e4942), bin]);
    const dir = tmp('glb');
    const file = path.join(dir, 'spike.glb');
    writeFileSync(file, glb);
    const mesh = await loadMeshFile(file, { up: 'y' });
    expect(maxRadius(mesh)).toBeCloseTo(1.2, 4);
    // linear 0.9 / 0.1 -> sRGB 0.955 / 0.349
    expect(mesh.colors[0]).toBeCloseTo(0.955, 2);
    expect(mesh.colors[1]).toBeCloseTo(0.349, 2);
    // y-up: the long +y edge became +z
    const zs = [], ys = [];
    for (let i = 0; i < mesh.positions.length; i += 3) { ys.push(mesh.positions[i + 1]!); zs.push(mesh.positions[i + 2]!); }
    expect(Math.max(...zs) - Math.min(...zs)).toBeGreaterThan(2 * (Math.max(...ys) - Math.min(...ys)));
    const out = path.join(dir, 'ds');
    await synthesizeMeshes({ ...DEFAULT_RENDER, size: 16, views: 2, out, workers: 0, quiet: true, category: 'spikes', mesh: file, up: 'y', seed: 0, split: 'train' });
    expect((await inspectDataset(out, { category: 'spikes' })).ok).toBe(true);
  });

  it('textured GLB and .gltf with an external .bin load in Node (textures dropped, base colour kept)', async () => {
    const png = encodePng(new Uint8Array([255, 0, 0, 255]), 1, 1, 4);
    const pos = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const uv = new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]);
    const idx = new Uint16Array([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
    const bin = Buffer.concat([Buffer.from(pos.buffer), Buffer.from(uv.buffer), Buffer.from(idx.buffer), png]);
    const gltf = {
      asset: { version: '2.0' }, scene: 0, scenes: [{ nodes: [0] }], nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0, TEXCOORD_0: 2 }, indices: 1, material: 0 }] }],
      materials: [{ pbrMetallicRoughness: { baseColorFactor: [0.2, 0.6, 0.2, 1], baseColorTexture: { index: 0 } } }],
      textures: [{ source: 0 }], images: [{ bufferView: 3, mimeType: 'image/png' }],
      buffers: [{ byteLength: bin.length, uri: 'tex.bin' }],
      bufferViews: [
        { buffer: 0, byteOffset: 0, byteLength: 48 }, { buffer: 0, byteOffset: 80, byteLength: 24 },
        { buffer: 0, byteOffset: 48, byteLength: 32 }, { buffer: 0, byteOffset: 104, byteLength: png.length },
      ],
      accessors: [
        { bufferView: 0, componentType: 5126, count: 4, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 1] },
        { bufferView: 1, componentType: 5123, count: 12, type: 'SCALAR' },
        { bufferView: 2, componentType: 5126, count: 4, type: 'VEC2' },
      ],
    };
    const dir = tmp('gltf');
    writeFileSync(path.join(dir, 'tex.gltf'), JSON.stringify(gltf));
    writeFileSync(path.join(dir, 'tex.bin'), bin);
    let js = Buffer.from(JSON.stringify({ ...gltf, buffers: [{ byteLength: bin.length }] }));
    while (js.length % 4) js = Buffer.concat([js, Buffer.from(' ')]);
    let bn = bin;
    while (bn.length % 4) bn = Buffer.concat([bn, Buffer.alloc(1)]);
    const u32 = (...xs: number[]) => { const b = Buffer.alloc(4 * xs.length); xs.forEach((x, i) => b.writeUInt32LE(x, 4 * i)); return b; };
    writeFileSync(path.join(dir, 'tex.glb'), Buffer.concat([u32(0x46546c67, 2, 28 + js.length + bn.length), u32(js.length, 0x4e4f534a), js, u32(bn.length, 0x004e4942), bn]));
    for (const f of ['tex.glb', 'tex.gltf']) {
      const mesh = await loadMeshFile(path.join(dir, f));
      expect(mesh.indices.length, f).toBe(12);
      expect(mesh.colors[1], f).toBeCloseTo(0.798, 2); // linear 0.6 -> sRGB
    }
  });

  it('--mesh-dir skips a broken mesh with a warning and leaves it out of the splits', async () => {
    const dir = tmp('skip');
    const src = path.join(dir, 'meshes');
    mkdirSync(src);
    writeFileSync(path.join(src, 'good1.obj'), cubeObj(1, 0));
    writeFileSync(path.join(src, 'good2.obj'), cubeObj(2, 1));
    writeFileSync(path.join(src, 'bad.ply'), 'ply\nformat ascii 1.0\nelement vertex 1\nend_header\nnonsense\n');
    const warnings: string[] = [];
    const out = path.join(dir, 'ds');
    const s = await synthesizeMeshes({
      ...DEFAULT_RENDER, size: 16, views: 1, out, workers: 0, quiet: true, category: 'cubes', meshDir: src, up: 'y', seed: 0,
      counts: { train: 2, val: 0, test: 1 }, warn: (m) => warnings.push(m),
    });
    expect(s.failed.map((f) => f.id)).toEqual(['bad']);
    expect([...s.splits.train, ...s.splits.test].sort()).toEqual(['good1', 'good2']);
    expect(s.objects).toBe(2);
    expect(warnings.join('\n')).toMatch(/skipped 1 of 3 meshes.*bad/);
    expect((await inspectDataset(out, { category: 'cubes' })).ok).toBe(true);
  });

  it('names the file when a mesh cannot be read', async () => {
    const dir = tmp('bad');
    const file = path.join(dir, 'broken.ply');
    writeFileSync(file, 'this is not a ply file');
    await expect(synthesizeMeshes({ ...DEFAULT_RENDER, size: 16, views: 1, out: path.join(dir, 'o'), workers: 0, quiet: true, category: 'x', mesh: file, up: 'y', seed: 0 }))
      .rejects.toThrow(/broken\.ply/);
    const empty = path.join(dir, 'empty.obj');
    writeFileSync(empty, '# nothing\n');
    await expect(synthesizeMeshes({ ...DEFAULT_RENDER, size: 16, views: 1, out: path.join(dir, 'o2'), workers: 0, quiet: true, category: 'x', mesh: empty, up: 'y', seed: 0 }))
      .rejects.toThrow(/empty\.obj.*no triangles/);
  });
});
