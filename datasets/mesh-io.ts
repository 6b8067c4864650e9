/**
 * Users' own meshes (OBJ, PLY, GLB / glTF) through three's loaders, turned into a `TriMesh`
 * in lfkit's world (z up) and normalised into the object sphere (radius 1.2, centred on the
 * bounding-box centre), ready for the synthetic renderer.
 *
 * Colours: per-vertex colours when the file has them (PLY, glTF `COLOR_0`), else the
 * material's base colour (glTF `baseColorFactor`, OBJ `Kd` from the `.mtl` next to it), else
 * a light grey. Textures are not sampled (documented limitation): glTF textures are dropped
 * before parsing, since three would decode them through the DOM.
 * Up axis: `up: 'y'` (default: glTF, ShapeNetCore and most OBJ exports) rotates y-up into
 * z-up; `up: 'z'` keeps the file's axes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BufferGeometry, Float32BufferAttribute, Matrix4, Mesh, type Material, type Object3D } from 'three';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { MTLLoader } from 'three/examples/jsm/loaders/MTLLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { MeshBuilder, normalizeMesh, OBJECT_RADIUS, type Rgb, type TriMesh } from './geometry.ts';

export const MESH_EXTENSIONS = ['.obj', '.ply', '.glb', '.gltf'] as const;
export type UpAxis = 'y' | 'z';

const DEFAULT_COLOR: Rgb = [0.72, 0.72, 0.72];

/** Thrown for a mesh file that cannot be read; the message names the file. */
export class MeshFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshFileError';
  }
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** `Kd` colours of the `.mtl` files an OBJ names with `mtllib`, by material name. */
function objMaterialColors(file: string, text: string): Map<string, Rgb> {
  const out = new Map<string, Rgb>();
  for (const m of text.matchAll(/^\s*mtllib\s+(.+?)\s*$/gm)) {
    const mtl = path.join(path.dirname(file), m[1]!);
    if (!existsSync(mtl)) continue;
    const creator = new MTLLoader().parse(readFileSync(mtl, 'utf8'), path.dirname(mtl) + '/');
    for (const [name, info] of Object.entries(creator.materialsInfo as Record<string, { kd?: number[] }>)) {
      if (info.kd && info.kd.length >= 3) out.set(name, [info.kd[0]!, info.kd[1]!, info.kd[2]!]);
    }
  }
  return out;
}

function materialColor(mat: Material | undefined, named: Map<string, Rgb>, trustMaterial: boolean): Rgb {
  if (!mat) return DEFAULT_COLOR;
  const fromMtl = named.get(mat.name);
  if (fromMtl) return fromMtl;
  // OBJLoader's own materials are white placeholders: grey reads better on a white background.
  if (!trustMaterial) return DEFAULT_COLOR;
  const c = (mat as Material & { color?: { r: number; g: number; b: number } }).color;
  // three stores material colours linear; convert back to sRGB for MeshBuilder.
  if (c) return [c.r, c.g, c.b].map((x) => (x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055)) as Rgb;
  return DEFAULT_COLOR;
}

/** Adds every mesh under `root` (world transforms applied) to the builder. */
function addObject(b: MeshBuilder, root: Object3D, named: Map<string, Rgb>, fromObj: boolean): void {
  root.updateMatrixWorld(true);
  root.traverse((o) => {
    const mesh = o as Mesh;
    if (!(mesh as { isMesh?: boolean }).isMesh || !mesh.geometry) return;
    let g = (mesh.geometry as BufferGeometry).clone();
    g.applyMatrix4(mesh.matrixWorld);
    const mats = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
    if (g.getAttribute('color') && (mats.some((m) => (m as Material & { vertexColors?: boolean }).vertexColors) || fromObj)) {
      b.add(g, 'vertex');
      return;
    }
    if (mats.length > 1 && g.groups.length > 0) {
      // multi-material: colour each vertex by its group (non-indexed so vertices are not shared)
      if (g.index) g = g.toNonIndexed();
      const n = g.getAttribute('position').count;
      const col = new Float32Array(n * 3);
      for (const grp of g.groups) {
        const c = materialColor(mats[grp.materialIndex ?? 0], named, !fromObj);
        for (let i = grp.start; i < Math.min(n, grp.start + grp.count); i++) col.set(c, i * 3);
      }
      g.setAttribute('color', new Float32BufferAttribute(col, 3));
      b.add(g, 'vertex');
      return;
    }
    b.add(g, materialColor(mats[0], named, !fromObj));
  });
}

type GltfJson = Record<string, unknown> & {
  materials?: Record<string, unknown>[];
  buffers?: { uri?: string; byteLength: number }[];
  extensionsRequired?: string[];
  extensionsUsed?: string[];
};

/**
 * Makes a glTF document loadable in Node: textures are dropped (three would decode images
 * through the DOM; we only use base colours).
 */
function stripTextures(json: GltfJson): GltfJson {
  const out: GltfJson = { ...json };
  delete out.images;
  delete out.textures;
  delete out.samplers;
  if (json.materials) {
    out.materials = json.materials.map((m) => {
      const pbr = { ...(m.pbrMetallicRoughness as Record<string, unknown> | undefined) };
      delete pbr.baseColorTexture;
      delete pbr.metallicRoughnessTexture;
      const mat: Record<string, unknown> = { ...m, pbrMetallicRoughness: pbr };
      for (const k of ['normalTexture', 'occlusionTexture', 'emissiveTexture', 'extensions']) delete mat[k];
      return mat;
    });
  }
  const textureExt = (e: string): boolean => /texture|materials/i.test(e);
  if (json.extensionsRequired) out.extensionsRequired = json.extensionsRequired.filter((e) => !textureExt(e));
  if (json.extensionsUsed) out.extensionsUsed = json.extensionsUsed.filter((e) => !textureExt(e));
  return out;
}

const GLB_MAGIC = 0x46546c67, CHUNK_JSON = 0x4e4f534a, CHUNK_BIN = 0x004e4942;

function pad4(b: Buffer, fill = 0): Buffer {
  return b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4), fill)]) : b;
}

/** Packs a glTF JSON and its (single) binary buffer as GLB. */
function packGlb(json: GltfJson, bin: Buffer | null): Buffer {
  const js = pad4(Buffer.from(JSON.stringify(json)), 0x20);
  const parts = [Buffer.alloc(12), Buffer.alloc(8), js];
  parts[1]!.writeUInt32LE(js.length, 0);
  parts[1]!.writeUInt32LE(CHUNK_JSON, 4);
  if (bin) {
    const b = pad4(bin);
    const h = Buffer.alloc(8);
    h.writeUInt32LE(b.length, 0);
    h.writeUInt32LE(CHUNK_BIN, 4);
    parts.push(h, b);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  parts[0]!.writeUInt32LE(GLB_MAGIC, 0);
  parts[0]!.writeUInt32LE(2, 4);
  parts[0]!.writeUInt32LE(total, 8);
  return Buffer.concat(parts);
}

/**
 * A GLB that three can parse in Node with no file or network access: textures dropped, and for
 * a `.gltf` every buffer (external file or data URI) merged into the GLB's binary chunk
 * (three would fetch them, and fetching needs DOM progress events and file: URLs).
 */
function nodeSafeGlb(file: string, buf: Buffer): Buffer {
  if (path.extname(file).toLowerCase() === '.glb') {
    if (buf.length < 20 || buf.readUInt32LE(0) !== GLB_MAGIC) throw new MeshFileError('not a GLB file (bad magic)');
    const jsonLen = buf.readUInt32LE(12);
    if (buf.readUInt32LE(16) !== CHUNK_JSON) throw new MeshFileError('GLB: first chunk is not JSON');
    const json = JSON.parse(buf.subarray(20, 20 + jsonLen).toString('utf8')) as GltfJson;
    const binChunk = buf.subarray(20 + jsonLen);
    const bin = binChunk.length >= 8 && binChunk.readUInt32LE(4) === CHUNK_BIN ? binChunk.subarray(8, 8 + binChunk.readUInt32LE(0)) : null;
    return packGlb(stripTextures(json), bin);
  }
  const json = JSON.parse(buf.toString('utf8')) as GltfJson & { bufferViews?: { buffer: number; byteOffset?: number }[] };
  const blobs = (json.buffers ?? []).map((b, i) => {
    if (!b.uri) throw new MeshFileError(`buffers[${i}] has no uri`);
    const m = /^data:[^,]*;base64,(.*)$/s.exec(b.uri);
    if (m) return Buffer.from(m[1]!, 'base64');
    const f = path.join(path.dirname(file), decodeURIComponent(b.uri));
    if (!existsSync(f)) throw new MeshFileError(`buffers[${i}]: file ${f} not found`);
    return readFileSync(f);
  });
  const offsets: number[] = [];
  let n = 0;
  const padded = blobs.map((b) => { offsets.push(n); const p = pad4(b); n += p.length; return p; });
  const out: GltfJson = { ...stripTextures(json), buffers: blobs.length ? [{ byteLength: n }] : [] };
  out.bufferViews = (json.bufferViews ?? []).map((v) => ({ ...v, buffer: 0, byteOffset: (v.byteOffset ?? 0) + offsets[v.buffer]! }));
  return packGlb(out, blobs.length ? Buffer.concat(padded) : null);
}

/** Parses a GLB / glTF file with three's GLTFLoader (Node: `parse` from an ArrayBuffer or JSON text). */
function parseGltf(file: string, buf: Buffer): Promise<Object3D> {
  const data = toArrayBuffer(nodeSafeGlb(file, buf));
  return new Promise((resolve, reject) => {
    new GLTFLoader().parse(data, path.dirname(file) + '/', (gltf) => resolve(gltf.scene), (err) => reject(err));
  });
}

/**
 * Loads a mesh file into a normalised `TriMesh` (z up, centred, farthest vertex at 1.2).
 *
 * @example const mesh = await loadMeshFile('bunny.obj', { up: 'y' });
 */
export async function loadMeshFile(file: string, opts: { up?: UpAxis } = {}): Promise<TriMesh> {
  const ext = path.extname(file).toLowerCase();
  if (!(MESH_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new MeshFileError(`${file}: unsupported mesh format '${ext || '(none)'}' (use ${MESH_EXTENSIONS.join(', ')})`);
  }
  if (!existsSync(file)) throw new MeshFileError(`${file}: no such file`);
  const b = new MeshBuilder();
  try {
    const buf = readFileSync(file);
    if (ext === '.obj') {
      const text = buf.toString('utf8');
      addObject(b, new OBJLoader().parse(text), objMaterialColors(file, text), true);
    } else if (ext === '.ply') {
      const g = new PLYLoader().parse(toArrayBuffer(buf));
      if (g.getAttribute('color')) b.add(g, 'vertex');
      else b.add(g, DEFAULT_COLOR);
    } else {
      addObject(b, await parseGltf(file, buf), new Map(), false);
    }
  } catch (err) {
    if (err instanceof MeshFileError) throw err;
    throw new MeshFileError(`${file}: cannot parse ${ext.slice(1).toUpperCase()}: ${(err as Error)?.message ?? String(err)}`);
  }
  const mesh = b.build();
  if (mesh.indices.length === 0) throw new MeshFileError(`${file}: holds no triangles`);
  if ((opts.up ?? 'y') === 'y') {
    // y-up -> z-up: rotate +90 degrees about x, (x, y, z) -> (x, -z, y)
    const rot = new Matrix4().makeRotationX(Math.PI / 2);
    const e = rot.elements;
    for (const arr of [mesh.positions, mesh.normals]) {
      for (let i = 0; i < arr.length; i += 3) {
        const x = arr[i]!, y = arr[i + 1]!, z = arr[i + 2]!;
        arr[i] = e[0]! * x + e[4]! * y + e[8]! * z;
        arr[i + 1] = e[1]! * x + e[5]! * y + e[9]! * z;
        arr[i + 2] = e[2]! * x + e[6]! * y + e[10]! * z;
      }
    }
  }
  for (let i = 0; i < mesh.positions.length; i++) {
    if (!Number.isFinite(mesh.positions[i]!)) throw new MeshFileError(`${file}: vertex ${Math.floor(i / 3)} is not finite`);
  }
  try {
    return normalizeMesh(mesh, OBJECT_RADIUS);
  } catch (err) {
    throw new MeshFileError(`${file}: ${(err as Error).message}`);
  }
}
