/**
 * Users' own meshes (OBJ, PLY, GLB / glTF) through three's loaders, turned into a `TriMesh`
 * in lfkit's world (z up) and normalised into the object sphere (radius 1.2, centred on the
 * bounding-box centre), ready for the synthetic renderer.
 *
 * Colours: per-vertex colours when the file has them (PLY, glTF `COLOR_0`), else the
 * material's base colour (glTF `baseColorFactor`, OBJ `Kd` from the `.mtl` next to it), else
 * a light grey. Textures are not sampled (documented limitation).
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

/** Parses a GLB / glTF buffer with three's GLTFLoader (Node: `parse` from an ArrayBuffer). */
function parseGltf(file: string, data: ArrayBuffer): Promise<Object3D> {
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
      addObject(b, await parseGltf(file, toArrayBuffer(buf)), new Map(), false);
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
