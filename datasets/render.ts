/**
 * CPU renderer for the synthetic benchmark: three-mesh-bvh ray casting of a `TriMesh` through
 * `src/rays` cameras, Lambertian shading under fixed world-space lights, white background,
 * alpha = coverage.
 *
 * - Rays follow method.md section 1 exactly (pixel (u, v) covers [u, u+1) x [v, v+1); camera
 *   direction `((x - cx)/fx, -(y - cy)/fy, -1)` rotated by the camera-to-world matrix), so the
 *   images agree with `pixelRays` / `pluckerImage` (test/synth.test.ts checks a sphere).
 * - Antialiasing: `spp = k*k` stratified samples per pixel on a rotated grid (k x k strata,
 *   one sample in each, placed so that no two share a row or a column: for k = 2 this is the
 *   classic RGSS pattern). Fixed offsets, no random jitter: renders are deterministic, and thin
 *   parts (lamp stems) get clean edges instead of per-pixel noise.
 * - A pixel's alpha is the fraction of its samples that hit the object; its colour is the mean
 *   shaded colour of the samples that hit ("straight", not premultiplied), white when none
 *   did. Loaders composite `rgb * a + (1 - a)` on white.
 * - Shading: albedo (sRGB part colour, linearised) times `ambient + sum_l I_l max(0, n . l_l)`
 *   (per channel with coloured lights), plus an optional Blinn-Phong highlight,
 *   with the normal interpolated from vertex normals and turned towards the camera (surfaces
 *   are two-sided: lamp shades are open), then encoded back to sRGB 8-bit.
 */
import { DoubleSide, Ray, Vector3 } from 'three';
import { MeshBVH, SAH } from 'three-mesh-bvh';
import type { Camera } from '../src/core/rays/index.ts';
import { toBufferGeometry, type TriMesh } from './geometry.ts';

/** A directional light: unit vector towards the light, its intensity and (linear) colour, white if unset. */
export interface DirLight {
  dir: [number, number, number];
  intensity: number;
  color?: [number, number, number];
}

export interface Lighting {
  ambient: number;
  /** Colour of the ambient term (white if unset). */
  ambientColor?: [number, number, number];
  lights: DirLight[];
}

function unit(v: [number, number, number]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * The fixed world-space lights of every synthetic render (z up): a key light high on one side,
 * a weaker fill from the opposite side and a low back light, plus ambient. Part of the frozen
 * recipes: do not change (a new lighting needs a new recipe name).
 */
export const DEFAULT_LIGHTING: Readonly<Lighting> = Object.freeze({
  ambient: 0.28,
  lights: [
    { dir: unit([0.45, -0.55, 0.75]), intensity: 0.8 },
    { dir: unit([-0.7, 0.35, 0.35]), intensity: 0.4 },
    { dir: unit([0.1, 0.8, -0.3]), intensity: 0.25 },
  ],
});

/** A mesh prepared for ray casting: its BVH plus the per-vertex arrays used for shading. */
export interface RenderMesh {
  bvh: MeshBVH;
  positions: Float32Array;
  normals: Float32Array;
  /** `[V, 3]` linear albedo. */
  albedo: Float32Array;
  /** Radius of a sphere around the origin holding every vertex. */
  radius: number;
  /** Axis-aligned bounds `[minx, miny, minz, maxx, maxy, maxz]`, slightly padded: rays missing them skip the BVH call. */
  box: Float64Array;
}

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** 8-bit sRGB code of every linear value in [0, 1] (table lookup of 4096 steps). */
const LIN_TO_SRGB8 = (() => {
  const n = 4096;
  const t = new Uint8Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const c = i / n;
    const s = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
    t[i] = Math.round(Math.min(1, Math.max(0, s)) * 255);
  }
  return t;
})();

function linearToSrgb8(c: number): number {
  const i = Math.round(Math.min(1, Math.max(0, c)) * 4096);
  return LIN_TO_SRGB8[i]!;
}

/** Builds the BVH (SAH split) and shading arrays of a mesh. */
export function buildRenderMesh(m: TriMesh): RenderMesh {
  const geom = toBufferGeometry(m);
  const bvh = new MeshBVH(geom, { strategy: SAH, targetLeafSize: 8 });
  const albedo = new Float32Array(m.colors.length);
  for (let i = 0; i < albedo.length; i++) albedo[i] = srgbToLinear(m.colors[i]!);
  let r2 = 0;
  const p = m.positions;
  const box = Float64Array.from([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]);
  for (let i = 0; i < p.length; i += 3) {
    r2 = Math.max(r2, p[i]! ** 2 + p[i + 1]! ** 2 + p[i + 2]! ** 2);
    for (let k = 0; k < 3; k++) {
      box[k] = Math.min(box[k]!, p[i + k]!);
      box[k + 3] = Math.max(box[k + 3]!, p[i + k]!);
    }
  }
  for (let k = 0; k < 3; k++) { box[k] -= 1e-4; box[k + 3] += 1e-4; }
  return { bvh, positions: m.positions, normals: m.normals, albedo, radius: Math.sqrt(r2) * (1 + 1e-5) + 1e-6, box };
}

export interface RenderOptions {
  /** Samples per pixel, a perfect square >= 1 (default 4 = 2x2 strata). */
  spp?: number;
  lighting?: Lighting;
  /**
   * Blinn-Phong highlight `specular * I_l color_l max(0, n . h)^shininess` added per light
   * (h the half vector of the light and the view direction); 0 (default) is matte.
   */
  specular?: number;
  shininess?: number;
}

/**
 * Renders one view: RGBA 8-bit `[H, W, 4]` row-major, straight (unpremultiplied) colour,
 * alpha = coverage, background (255, 255, 255, 0).
 *
 * @example const rgba = renderView(buildRenderMesh(mesh), cameraAt(orbitPose(0, 0.3, 4), 64));
 */
export function renderView(mesh: RenderMesh, cam: Camera, opts: RenderOptions = {}): Uint8Array {
  const spp = opts.spp ?? 4;
  const k = Math.round(Math.sqrt(spp));
  if (!(k >= 1 && k * k === spp)) throw new Error(`spp must be a perfect square >= 1 (1, 4, 9, 16...), got ${spp}`);
  // rotated-grid offsets within the pixel: sample (sx, sy) at ((sx + (k - sy - 0.5)/k)/k, (sy + (sx + 0.5)/k)/k)
  const offX = new Float64Array(spp), offY = new Float64Array(spp);
  for (let sy = 0; sy < k; sy++) for (let sx = 0; sx < k; sx++) {
    offX[sy * k + sx] = (sx + (k - sy - 0.5) / k) / k;
    offY[sy * k + sx] = (sy + (sx + 0.5) / k) / k;
  }
  const light = opts.lighting ?? DEFAULT_LIGHTING;
  const L = light.lights.length;
  const ldir = new Float64Array(L * 3), lint = new Float64Array(L), lcol = new Float64Array(L * 3);
  light.lights.forEach((l, i) => { ldir.set(l.dir, i * 3); lint[i] = l.intensity; lcol.set(l.color ?? [1, 1, 1], i * 3); });
  const amb = light.ambient;
  const [ambR, ambG, ambB] = light.ambientColor ?? [1, 1, 1];
  // White lights and no highlight: one shade for all channels (the frozen recipes' path).
  const plain = !light.ambientColor && light.lights.every((l) => !l.color) && !(opts.specular ?? 0);
  const ks = opts.specular ?? 0, shin = opts.shininess ?? 32;

  const { width: W, height: H } = cam;
  const out = new Uint8Array(W * H * 4);
  const m = cam.c2w;
  const ox = m[12]!, oy = m[13]!, oz = m[14]!;
  const ifx = 1 / cam.fx, ify = 1 / cam.fy;
  const R2 = mesh.radius * mesh.radius;
  const oo = ox * ox + oy * oy + oz * oz;
  const ray = new Ray(new Vector3(ox, oy, oz), new Vector3());
  const { bvh, positions: P, normals: N, albedo: A } = mesh;
  const [bx0, by0, bz0, bx1, by1, bz1] = mesh.box as unknown as [number, number, number, number, number, number];

  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      let hits = 0, sr = 0, sg = 0, sb = 0;
      for (let si = 0; si < spp; si++) {
        {
          const x = u + offX[si]!;
          const y = v + offY[si]!;
          const cx = (x - cam.cx) * ifx, cy = -(y - cam.cy) * ify;
          let dx = m[0]! * cx + m[4]! * cy - m[8]!;
          let dy = m[1]! * cx + m[5]! * cy - m[9]!;
          let dz = m[2]! * cx + m[6]! * cy - m[10]!;
          const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
          dx *= inv; dy *= inv; dz *= inv;
          // Bounding-sphere rejection: |o + t d|^2 = R^2 has no real root.
          const b = ox * dx + oy * dy + oz * dz;
          if (b * b - (oo - R2) < 0) continue;
          // Bounding-box rejection (slab test); cheaper than a BVH call for the many rays that miss.
          {
            const ix = 1 / dx, iy = 1 / dy, iz = 1 / dz;
            let t0 = (bx0 - ox) * ix, t1 = (bx1 - ox) * ix;
            if (t0 > t1) { const t = t0; t0 = t1; t1 = t; }
            let u0 = (by0 - oy) * iy, u1 = (by1 - oy) * iy;
            if (u0 > u1) { const t = u0; u0 = u1; u1 = t; }
            if (u0 > t0) t0 = u0;
            if (u1 < t1) t1 = u1;
            let w0 = (bz0 - oz) * iz, w1 = (bz1 - oz) * iz;
            if (w0 > w1) { const t = w0; w0 = w1; w1 = t; }
            if (w0 > t0) t0 = w0;
            if (w1 < t1) t1 = w1;
            if (!(t0 <= t1) || t1 < 0) continue;
          }
          ray.direction.set(dx, dy, dz);
          const hit = bvh.raycastFirst(ray, DoubleSide);
          if (!hit || !hit.face) continue;
          const ia = hit.face.a, ib = hit.face.b, ic = hit.face.c;
          // Barycentric coordinates of the hit point in triangle (a, b, c).
          const px = hit.point.x, py = hit.point.y, pz = hit.point.z;
          const ax = P[ia * 3]!, ay = P[ia * 3 + 1]!, az = P[ia * 3 + 2]!;
          const e1x = P[ib * 3]! - ax, e1y = P[ib * 3 + 1]! - ay, e1z = P[ib * 3 + 2]! - az;
          const e2x = P[ic * 3]! - ax, e2y = P[ic * 3 + 1]! - ay, e2z = P[ic * 3 + 2]! - az;
          const qx = px - ax, qy = py - ay, qz = pz - az;
          const d11 = e1x * e1x + e1y * e1y + e1z * e1z, d12 = e1x * e2x + e1y * e2y + e1z * e2z;
          const d22 = e2x * e2x + e2y * e2y + e2z * e2z;
          const q1 = qx * e1x + qy * e1y + qz * e1z, q2 = qx * e2x + qy * e2y + qz * e2z;
          const den = d11 * d22 - d12 * d12;
          let wb = 0, wc = 0;
          if (den > 0) { wb = (d22 * q1 - d12 * q2) / den; wc = (d11 * q2 - d12 * q1) / den; }
          const wa = 1 - wb - wc;
          let nx = wa * N[ia * 3]! + wb * N[ib * 3]! + wc * N[ic * 3]!;
          let ny = wa * N[ia * 3 + 1]! + wb * N[ib * 3 + 1]! + wc * N[ic * 3 + 1]!;
          let nz = wa * N[ia * 3 + 2]! + wb * N[ib * 3 + 2]! + wc * N[ic * 3 + 2]!;
          const nl = Math.sqrt(nx * nx + ny * ny + nz * nz);
          if (nl > 1e-12) { nx /= nl; ny /= nl; nz /= nl; } else {
            // degenerate normals: use the face normal
            nx = e1y * e2z - e1z * e2y; ny = e1z * e2x - e1x * e2z; nz = e1x * e2y - e1y * e2x;
            const fl = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
            nx /= fl; ny /= fl; nz /= fl;
          }
          // Two-sided: shade the side that faces the camera.
          if (nx * dx + ny * dy + nz * dz > 0) { nx = -nx; ny = -ny; nz = -nz; }
          if (plain) {
            let shade = amb;
            for (let l = 0; l < L; l++) {
              const c = nx * ldir[l * 3]! + ny * ldir[l * 3 + 1]! + nz * ldir[l * 3 + 2]!;
              if (c > 0) shade += lint[l]! * c;
            }
            sr += shade * (wa * A[ia * 3]! + wb * A[ib * 3]! + wc * A[ic * 3]!);
            sg += shade * (wa * A[ia * 3 + 1]! + wb * A[ib * 3 + 1]! + wc * A[ic * 3 + 1]!);
            sb += shade * (wa * A[ia * 3 + 2]! + wb * A[ib * 3 + 2]! + wc * A[ic * 3 + 2]!);
          } else {
            let shR = amb * ambR, shG = amb * ambG, shB = amb * ambB;
            let spR = 0, spG = 0, spB = 0;
            for (let l = 0; l < L; l++) {
              const lx = ldir[l * 3]!, ly = ldir[l * 3 + 1]!, lz = ldir[l * 3 + 2]!;
              const c = nx * lx + ny * ly + nz * lz;
              if (c <= 0) continue;
              const i = lint[l]!;
              shR += i * c * lcol[l * 3]!; shG += i * c * lcol[l * 3 + 1]!; shB += i * c * lcol[l * 3 + 2]!;
              if (ks > 0) {
                // half vector of the light and the direction back to the camera (-d)
                let hx = lx - dx, hy = ly - dy, hz = lz - dz;
                const hl = Math.sqrt(hx * hx + hy * hy + hz * hz) || 1;
                hx /= hl; hy /= hl; hz /= hl;
                const nh = nx * hx + ny * hy + nz * hz;
                if (nh > 0) {
                  const sp = ks * i * nh ** shin;
                  spR += sp * lcol[l * 3]!; spG += sp * lcol[l * 3 + 1]!; spB += sp * lcol[l * 3 + 2]!;
                }
              }
            }
            sr += shR * (wa * A[ia * 3]! + wb * A[ib * 3]! + wc * A[ic * 3]!) + spR;
            sg += shG * (wa * A[ia * 3 + 1]! + wb * A[ib * 3 + 1]! + wc * A[ic * 3 + 1]!) + spG;
            sb += shB * (wa * A[ia * 3 + 2]! + wb * A[ib * 3 + 2]! + wc * A[ic * 3 + 2]!) + spB;
          }
          hits++;
        }
      }
      const o = (v * W + u) * 4;
      if (hits === 0) {
        out[o] = 255; out[o + 1] = 255; out[o + 2] = 255; out[o + 3] = 0;
      } else {
        out[o] = linearToSrgb8(sr / hits);
        out[o + 1] = linearToSrgb8(sg / hits);
        out[o + 2] = linearToSrgb8(sb / hits);
        out[o + 3] = Math.round((255 * hits) / spp);
      }
    }
  }
  return out;
}
