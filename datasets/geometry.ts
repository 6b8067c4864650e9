/**
 * Triangle soups for the synthetic renderer: parts built with three's geometries (boxes,
 * cylinders, tori, lathes, extrusions...) are merged into one flat mesh with per-vertex
 * normals and colours, then centred and scaled into the object sphere.
 *
 * Conventions: world z up (the learnit / Blender convention, `src/rays`), units such that the
 * finished object fits in a sphere of radius `OBJECT_RADIUS` = 1.2 around the origin.
 * Colours are linear RGB in [0, 1]. Colours and normals are stored per vertex (not per
 * triangle) because three-mesh-bvh reorders the index buffer when it builds its tree.
 */
import { BufferAttribute, BufferGeometry, Float32BufferAttribute, Matrix4, Quaternion, Vector3 } from 'three';

/** Radius of the sphere every synthetic or imported object is normalised into. */
export const OBJECT_RADIUS = 1.2;

export type Rgb = [number, number, number];

/** A finished mesh: flat typed arrays, ready for `buildRenderMesh`. */
export interface TriMesh {
  /** `[V, 3]` vertex positions. */
  positions: Float32Array;
  /** `[V, 3]` unit vertex normals (smooth or flat, as each part was built). */
  normals: Float32Array;
  /** `[V, 3]` linear RGB albedo per vertex (each part's colour). */
  colors: Float32Array;
  /** `[T, 3]` vertex indices of the triangles. */
  indices: Uint32Array;
}

/** Collects parts (three geometries with a transform and a colour) into one `TriMesh`. */
export class MeshBuilder {
  private pos: number[] = [];
  private nrm: number[] = [];
  private col: number[] = [];
  private idx: number[] = [];

  /** Number of parts added so far (for tests and debugging). */
  parts = 0;

  /**
   * Adds a geometry transformed by `matrix` (applied to positions; normals use its normal
   * matrix) with one colour, or `'vertex'` to take its `color` attribute (sRGB in [0, 1]).
   * The geometry is disposed afterwards.
   */
  add(geom: BufferGeometry, color: Rgb | 'vertex', matrix?: Matrix4): this {
    if (matrix) geom.applyMatrix4(matrix);
    if (!geom.getAttribute('normal')) geom.computeVertexNormals();
    const p = geom.getAttribute('position');
    const n = geom.getAttribute('normal');
    const vc = color === 'vertex' ? geom.getAttribute('color') : null;
    if (color === 'vertex' && !vc) throw new Error('MeshBuilder.add: geometry has no color attribute');
    const base = this.pos.length / 3;
    for (let i = 0; i < p.count; i++) {
      this.pos.push(p.getX(i), p.getY(i), p.getZ(i));
      let nx = n.getX(i), ny = n.getY(i), nz = n.getZ(i);
      const len = Math.hypot(nx, ny, nz) || 1;
      nx /= len; ny /= len; nz /= len;
      this.nrm.push(nx, ny, nz);
      if (vc) this.col.push(vc.getX(i), vc.getY(i), vc.getZ(i));
      else { const c = color as Rgb; this.col.push(c[0], c[1], c[2]); }
    }
    const index = geom.getIndex();
    if (index) {
      for (let i = 0; i < index.count; i++) this.idx.push(base + index.getX(i));
    } else {
      for (let i = 0; i < p.count; i++) this.idx.push(base + i);
    }
    geom.dispose();
    this.parts++;
    return this;
  }

  /** The merged mesh, unnormalised. */
  build(): TriMesh {
    return {
      positions: Float32Array.from(this.pos),
      normals: Float32Array.from(this.nrm),
      colors: Float32Array.from(this.col),
      indices: Uint32Array.from(this.idx),
    };
  }
}

/** A 4x4 transform: translate `t`, rotate by Euler angles `r` (XYZ, radians), scale `s`. */
export function trs(t: ArrayLike<number> = [0, 0, 0], r: ArrayLike<number> = [0, 0, 0], s: number | ArrayLike<number> = 1): Matrix4 {
  const q = new Quaternion().setFromAxisAngle(new Vector3(1, 0, 0), r[0]!)
    .premultiply(new Quaternion().setFromAxisAngle(new Vector3(0, 1, 0), r[1]!))
    .premultiply(new Quaternion().setFromAxisAngle(new Vector3(0, 0, 1), r[2]!));
  const sc = typeof s === 'number' ? new Vector3(s, s, s) : new Vector3(s[0]!, s[1]!, s[2]!);
  return new Matrix4().compose(new Vector3(t[0]!, t[1]!, t[2]!), q, sc);
}

/**
 * Transform that maps three's y-axis primitives (cylinder, lathe, capsule) onto the segment
 * from `a` to `b`: the primitive's local y in [-0.5, 0.5] (height 1) goes from a to b; x and z
 * are kept. Build the primitive with height 1.
 */
export function alongSegment(a: ArrayLike<number>, b: ArrayLike<number>): Matrix4 {
  const va = new Vector3(a[0]!, a[1]!, a[2]!);
  const vb = new Vector3(b[0]!, b[1]!, b[2]!);
  const dir = vb.clone().sub(va);
  const len = dir.length();
  const q = new Quaternion().setFromUnitVectors(new Vector3(0, 1, 0), dir.clone().normalize());
  const mid = va.clone().add(vb).multiplyScalar(0.5);
  return new Matrix4().compose(mid, q, new Vector3(1, len, 1));
}

/** Axis-aligned bounds `[min, max]` of a mesh's vertices. */
export function bounds(m: TriMesh): { min: [number, number, number]; max: [number, number, number] } {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const p = m.positions;
  for (let i = 0; i < p.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = p[i + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
  return { min, max };
}

/** Largest distance of a vertex from the origin. */
export function maxRadius(m: TriMesh): number {
  let r2 = 0;
  const p = m.positions;
  for (let i = 0; i < p.length; i += 3) r2 = Math.max(r2, p[i]! ** 2 + p[i + 1]! ** 2 + p[i + 2]! ** 2);
  return Math.sqrt(r2);
}

/**
 * Centres a mesh on its bounding-box centre and scales it uniformly so that its farthest
 * vertex lies at `radius` (every triangle then lies inside the sphere, which is convex).
 * Modifies and returns the mesh. Throws on an empty or degenerate mesh.
 */
export function normalizeMesh(m: TriMesh, radius = OBJECT_RADIUS): TriMesh {
  if (m.indices.length === 0 || m.positions.length === 0) throw new Error('mesh has no triangles');
  const { min, max } = bounds(m);
  const c = [0, 1, 2].map((k) => 0.5 * (min[k]! + max[k]!));
  const p = m.positions;
  let r2 = 0;
  for (let i = 0; i < p.length; i += 3) {
    const x = p[i]! - c[0]!, y = p[i + 1]! - c[1]!, z = p[i + 2]! - c[2]!;
    r2 = Math.max(r2, x * x + y * y + z * z);
  }
  const r = Math.sqrt(r2);
  if (!(r > 0) || !Number.isFinite(r)) throw new Error('mesh is degenerate (all vertices coincide or are not finite)');
  // Float32 rounding could push a vertex a hair outside `radius`; aim 1e-6 inside.
  const s = (radius * (1 - 1e-6)) / r;
  for (let i = 0; i < p.length; i += 3) {
    p[i] = (p[i]! - c[0]!) * s;
    p[i + 1] = (p[i + 1]! - c[1]!) * s;
    p[i + 2] = (p[i + 2]! - c[2]!) * s;
  }
  return m;
}

/** A three BufferGeometry (position + index only) over a mesh's arrays, for three-mesh-bvh. */
export function toBufferGeometry(m: TriMesh): BufferGeometry {
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(m.positions, 3));
  // A copy: three-mesh-bvh reorders the index buffer in place when it builds its tree.
  g.setIndex(new BufferAttribute(m.indices.slice(), 1));
  return g;
}

/** HSV (h in [0, 1), s, v in [0, 1]) -> linear-ish RGB in [0, 1]. */
export function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const table: Rgb[] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  return table[i]!;
}
