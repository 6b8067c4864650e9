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
import { cameraAt, orbitPose, toRowMajor } from '../rays/index.ts';
import { Rng } from '../util/rng.ts';
import { writeFileAtomic, writeJsonAtomic } from '../node/fs.ts';
import type { TriMesh } from './geometry.ts';
import { loadMeshFile, type UpAxis } from './mesh-io.ts';
import { encodePng } from './png.ts';
import { buildRenderMesh, renderView } from './render.ts';
import { GENERATOR_VERSION, synthMesh, type SynthCategory } from './shapes.ts';

/** Camera distance from the origin (docs/datasets.md: cameras on a sphere of radius 4). */
export const CAMERA_RADIUS = 4;

export type ObjectSource =
  | { kind: 'procedural'; category: SynthCategory; seed: number; split: string; index: number }
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
    ? `lfkit-synth|v${GENERATOR_VERSION}|${src.category}|seed ${src.seed}|${src.split}|${src.index}`
    : `lfkit-synth-mesh|seed ${src.seed}|${src.key}`;
  return hashString(key);
}

/** Camera poses of an object's views: uniform azimuth, uniform elevation in the range. */
export function drawViewPoses(rng: Rng, views: number, elevationDeg: [number, number]): { azimuth: number; elevation: number }[] {
  const out = [];
  for (let i = 0; i < views; i++) {
    const azimuth = rng.uniform(0, 2 * Math.PI);
    const elevation = (rng.uniform(elevationDeg[0], elevationDeg[1]) * Math.PI) / 180;
    out.push({ azimuth, elevation });
  }
  return out;
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
  const mesh = await jobMesh(job.source, shapeRng);
  const rm = buildRenderMesh(mesh);
  const poses = drawViewPoses(camRng, job.views, job.elevationDeg);
  const frames = [];
  for (let i = 0; i < poses.length; i++) {
    const { azimuth, elevation } = poses[i]!;
    const c2w = orbitPose(azimuth, elevation, CAMERA_RADIUS);
    const cam = cameraAt(c2w, job.size, job.size, job.fov);
    const rgba = renderView(rm, cam, { spp: job.spp });
    const name = `r_${String(i).padStart(3, '0')}`;
    writeFileAtomic(path.join(job.dir, `${name}.png`), encodePng(rgba, job.size, job.size, 4));
    frames.push({ file_path: `./${name}`, transform_matrix: toRowMajor(c2w) });
  }
  writeJsonAtomic(path.join(job.dir, 'transforms.json'), { camera_angle_x: job.fov, frames });
  return { id: job.id, triangles: mesh.indices.length / 3, seconds: (performance.now() - t0) / 1000 };
}
