/**
 * One object of a synthetic dataset, start to finish: build (or load) the mesh, draw the
 * cameras, render every view and write `<dir>/r_XXX.png` then `<dir>/transforms.json` (last,
 * so an object folder with a `transforms.json` is complete).
 *
 * Everything random comes from one `Rng` seeded by a hash of the object's key (generator
 * version, category, seed, split, index; or seed and mesh id), never from a shared stream, so
 * the bytes of an object do not depend on worker count or scheduling.
 */
import path from 'node:path';
import { cameraAt, orbitPose, toRowMajor } from '../src/core/rays/index.ts';
import { Rng } from '../src/core/util/rng.ts';
import { writeFileAtomic, writeJsonAtomic } from '../src/node/io/fs.ts';
import type { TriMesh } from './geometry.ts';
import { loadMeshFile, type UpAxis } from './mesh-io.ts';
import { encodePng } from './png.ts';
import { buildRenderMesh, renderView } from './render.ts';
import { chairMesh, GENERATOR_VERSION, synthMesh, type SynthCategory } from './shapes.ts';
import { drawLook, type Look, type LookFamily } from './looks.ts';

/** Camera distance from the origin (method.md: cameras on a sphere of radius 4). */
export const CAMERA_RADIUS = 4;

export type ObjectSource =
  | { kind: 'procedural'; category: SynthCategory; seed: number; split: string; index: number; look?: LookFamily }
  | { kind: 'mesh'; file: string; up: UpAxis; seed: number; key: string };

/** Everything a worker needs to produce one object folder (plain data: crosses threads). */
export interface ObjectJob {
  id: string;
  /** Output folder of the object, `<root>/<category>/<id>`. */
  dir: string;
  source: ObjectSource;
  size: number;
  views: number;
  /** `camera_angle_x` in radians. */
  fov: number;
  spp: number;
  /** Camera elevation range in degrees above the xy-plane, `[min, max]`. */
  elevationDeg: [number, number];
}

export interface ObjectResult {
  id: string;
  triangles: number;
  seconds: number;
}

/** FNV-1a 32-bit hash of a string (object keys -> RNG seeds). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The RNG seed of an object, from its key only. */
export function objectSeed(src: ObjectSource): number {
  const key = src.kind === 'procedural'
    ? (src.look
      ? `lfkit-synth|v${LOOK_GENERATOR_VERSION}|${src.category}|look ${src.look}|seed ${src.seed}|${src.split}|${src.index}`
      : `lfkit-synth|v${GENERATOR_VERSION}|${src.category}|seed ${src.seed}|${src.split}|${src.index}`)
    : `lfkit-synth-mesh|seed ${src.seed}|${src.key}`;
  return hashString(key);
}

/** Version of the look generators (`looks.ts`, and the chair styles they use); part of their objects' keys. */
export const LOOK_GENERATOR_VERSION = 2;

/**
 * Camera poses of an object's views: uniform azimuth, uniform elevation in the range, and a
 * radius uniform in `radius` (drawn only when the range is not a single value, so the classic
 * recipes' draws are unchanged).
 */
export function drawViewPoses(rng: Rng, views: number, elevationDeg: [number, number], radius: [number, number] = [CAMERA_RADIUS, CAMERA_RADIUS]): { azimuth: number; elevation: number; radius: number }[] {
  const out = [];
  for (let i = 0; i < views; i++) {
    const azimuth = rng.uniform(0, 2 * Math.PI);
    const elevation = (rng.uniform(elevationDeg[0], elevationDeg[1]) * Math.PI) / 180;
    const r = radius[0] === radius[1] ? radius[0] : rng.uniform(radius[0], radius[1]);
    out.push({ azimuth, elevation, radius: r });
  }
  return out;
}

/** Scales a (normalised) mesh about the origin and moves it by `offset`, in place. */
function placeMesh(mesh: TriMesh, scale: number, offset: [number, number, number]): TriMesh {
  const p = mesh.positions;
  for (let i = 0; i < p.length; i += 3) {
    p[i] = p[i]! * scale + offset[0];
    p[i + 1] = p[i + 1]! * scale + offset[1];
    p[i + 2] = p[i + 2]! * scale + offset[2];
  }
  return mesh;
}

/** Builds the mesh of a job's source. */
export async function jobMesh(src: ObjectSource, rng: Rng): Promise<TriMesh> {
  if (src.kind === 'procedural') return synthMesh(src.category, rng);
  return loadMeshFile(src.file, { up: src.up });
}

/** Runs one job: renders and writes the object folder. */
export async function runObjectJob(job: ObjectJob): Promise<ObjectResult> {
  const t0 = performance.now();
  const root = new Rng(objectSeed(job.source));
  const shapeRng = root.fork();
  const camRng = root.fork();
  const src = job.source;
  let look: Look | null = null;
  let mesh: TriMesh;
  if (src.kind === 'procedural' && src.look) {
    look = drawLook(root.fork(), src.look);
    if (src.category !== 'chairs') throw new Error(`looks are defined for chairs only, not ${src.category}`);
    mesh = placeMesh(chairMesh(shapeRng, look.chair), look.scale, look.offset);
  } else {
    mesh = await jobMesh(src, shapeRng);
  }
  const rm = buildRenderMesh(mesh);
  const fov = look ? look.cameraAngleX : job.fov;
  const poses = look ? drawViewPoses(camRng, job.views, look.elevationDeg, look.radius) : drawViewPoses(camRng, job.views, job.elevationDeg);
  const shading = look ? { lighting: look.lighting, specular: look.specular, shininess: look.shininess } : {};
  const frames = [];
  for (let i = 0; i < poses.length; i++) {
    const { azimuth, elevation, radius } = poses[i]!;
    const c2w = orbitPose(azimuth, elevation, radius);
    const cam = cameraAt(c2w, job.size, job.size, fov);
    const rgba = renderView(rm, cam, { spp: job.spp, ...shading });
    const name = `r_${String(i).padStart(3, '0')}`;
    writeFileAtomic(path.join(job.dir, `${name}.png`), encodePng(rgba, job.size, job.size, 4));
    frames.push({ file_path: `./${name}`, transform_matrix: toRowMajor(c2w) });
  }
  writeJsonAtomic(path.join(job.dir, 'transforms.json'), { camera_angle_x: fov, frames });
  return { id: job.id, triangles: mesh.indices.length / 3, seconds: (performance.now() - t0) / 1000 };
}
