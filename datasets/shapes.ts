/**
 * Procedural ShapeNet-like objects: chairs, cars and lamps assembled from three primitives
 * (boxes, cylinders, cones, spheres, tori, lathes, extruded profiles), with per-object
 * proportions and styles and per-part colours, all drawn from one seeded `Rng`.
 *
 * World z up; chairs face -y (back at +y), cars drive along +x. Parts are built in rough
 * metres and the finished mesh is normalised into the sphere of radius 1.2 (`normalizeMesh`).
 * Every random draw goes through the `Rng` passed in, in a fixed order, so one seed gives one
 * object. Changing the draws changes the frozen recipes: bump the generator version
 * (`GENERATOR_VERSION`) and give recipes new names instead.
 */
import {
  BoxGeometry, CylinderGeometry, ExtrudeGeometry, LatheGeometry, Matrix4, Shape, SphereGeometry,
  TorusGeometry, Vector2,
} from 'three';
import type { Rng } from '../src/core/util/rng.ts';
import { alongSegment, hsv, MeshBuilder, normalizeMesh, OBJECT_RADIUS, trs, type Rgb, type TriMesh } from './geometry.ts';

/** Version of the procedural generators; recorded with recipes. */
export const GENERATOR_VERSION = 1;

export const SYNTH_CATEGORIES = ['chairs', 'cars', 'lamps'] as const;
export type SynthCategory = (typeof SYNTH_CATEGORIES)[number];

type V3 = [number, number, number];
const HALF_PI = Math.PI / 2;

// ---------------------------------------------------------------------------------------------
// Part helpers (each adds one three geometry to the builder)

function box(b: MeshBuilder, c: Rgb, size: V3, at: V3, frame?: Matrix4, rot: V3 = [0, 0, 0]): void {
  const m = trs(at, rot);
  b.add(new BoxGeometry(size[0], size[1], size[2]), c, frame ? frame.clone().multiply(m) : m);
}

/** Cylinder (or truncated cone: radius ra at a, rb at b) from point a to point b. */
function rod(b: MeshBuilder, c: Rgb, a: V3, e: V3, ra: number, rb = ra, seg = 12, open = false, frame?: Matrix4): void {
  const m = alongSegment(a, e);
  // CylinderGeometry: radiusTop at +y (-> e), radiusBottom at -y (-> a).
  b.add(new CylinderGeometry(rb, ra, 1, seg, 1, open), c, frame ? frame.clone().multiply(m) : m);
}

function ball(b: MeshBuilder, c: Rgb, at: V3, r: number, seg = 12): void {
  b.add(new SphereGeometry(r, seg, Math.max(6, seg >> 1)), c, trs(at));
}

/** Surface of revolution about the z axis through `at`; profile points are (radius, height). */
function lathe(b: MeshBuilder, c: Rgb, profile: [number, number][], at: V3, seg = 24, frame?: Matrix4): void {
  const g = new LatheGeometry(profile.map(([r, h]) => new Vector2(Math.max(0, r), h)), seg);
  const m = trs(at, [HALF_PI, 0, 0]); // lathe axis y -> world z
  b.add(g, c, frame ? frame.clone().multiply(m) : m);
}

/**
 * A 2D profile in the (x, z) plane extruded along y, centred on y = 0, with rounded edges.
 * `width` is the total extent in y (bevel included).
 */
function extrudeXZ(b: MeshBuilder, c: Rgb, shape: Shape, width: number, bevel: number): void {
  const depth = Math.max(0.01, width - 2 * bevel);
  const g = new ExtrudeGeometry(shape, {
    depth, bevelEnabled: bevel > 0, bevelThickness: bevel, bevelSize: bevel, bevelSegments: 2, curveSegments: 8,
  });
  // shape x -> world x, shape y -> world z, extrusion +z -> world -y; then centre in y.
  b.add(g, c, trs([0, depth / 2, 0], [HALF_PI, 0, 0]));
}

// ---------------------------------------------------------------------------------------------
// Colours

function jitter(rng: Rng, c: Rgb, amount = 0.06): Rgb {
  return c.map((x) => Math.min(1, Math.max(0, x + rng.uniform(-amount, amount)))) as Rgb;
}

function vivid(rng: Rng): Rgb { return hsv(rng.next(), rng.uniform(0.45, 0.85), rng.uniform(0.45, 0.9)); }
function pastel(rng: Rng): Rgb { return hsv(rng.next(), rng.uniform(0.12, 0.35), rng.uniform(0.78, 0.95)); }
function wood(rng: Rng): Rgb { return hsv(rng.uniform(0.05, 0.1), rng.uniform(0.45, 0.75), rng.uniform(0.3, 0.75)); }
function grey(rng: Rng, lo = 0.08, hi = 0.85): Rgb { const v = rng.uniform(lo, hi); return jitter(rng, [v, v, v], 0.02); }
function brass(rng: Rng): Rgb { return hsv(rng.uniform(0.1, 0.14), rng.uniform(0.45, 0.65), rng.uniform(0.6, 0.85)); }

/** Draws one colour. */
export type ColorFn = (rng: Rng) => Rgb;

function pickColor(rng: Rng, kinds: ((r: Rng) => Rgb)[]): Rgb {
  return rng.pick(kinds)(rng);
}

/** Draws one index with the given weights. */
export function weighted<T>(rng: Rng, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [it, w] of items) { if ((x -= w) < 0) return it; }
  return items[items.length - 1]![0];
}

// ---------------------------------------------------------------------------------------------
// Chairs

export type ChairLegs = 'four' | 'pedestal' | 'panels' | 'sled' | 'cantilever' | 'xframe';
export type ChairBack = 'solid' | 'slats' | 'rails' | 'frame' | 'none';

/**
 * The ranges and choices a chair is drawn from. `CLASSIC_CHAIR` is the frozen generator of the
 * `synth-chairs-*` recipes (its draws, in their order, must never change); the broad recipes
 * pass wider ranges, other colours and more leg styles (`src/synth/looks.ts`).
 */
export interface ChairStyle {
  /** Seat width, depth, thickness and height (rough metres, before normalisation). */
  seatW: [number, number];
  seatD: [number, number];
  seatT: [number, number];
  seatH: [number, number];
  legs: [ChairLegs, number][];
  back: [ChairBack, number][];
  armsP: number;
  /** Leg thickness. */
  legT: [number, number];
  /** Back height, thickness and backward tilt (radians). */
  backH: [number, number];
  backT: [number, number];
  tilt: [number, number];
  seatColor: ColorFn;
  /** Probability that the back (legs) reuse the seat colour; otherwise drawn by `backColor` (`legColor`). */
  backSameP: number;
  backColor: ColorFn;
  legSameP: number;
  legColor: ColorFn;
  panelColor: ColorFn;
}

export const CLASSIC_CHAIR: Readonly<ChairStyle> = Object.freeze({
  seatW: [0.4, 0.62], seatD: [0.38, 0.56], seatT: [0.03, 0.09], seatH: [0.36, 0.52],
  legs: [['four', 0.55], ['pedestal', 0.22], ['panels', 0.13], ['sled', 0.1]],
  back: [['solid', 0.38], ['slats', 0.22], ['rails', 0.15], ['frame', 0.17], ['none', 0.08]],
  armsP: 0.32, legT: [0.022, 0.05], backH: [0.3, 0.6], backT: [0.025, 0.07], tilt: [0, 0.28],
  seatColor: (r: Rng) => pickColor(r, [vivid, pastel, wood, grey]),
  backSameP: 0.7,
  backColor: (r: Rng) => pickColor(r, [vivid, pastel, wood, grey]),
  legSameP: 0.4,
  legColor: (r: Rng) => pickColor(r, [wood, (q) => grey(q, 0.05, 0.3), (q) => grey(q, 0.55, 0.85)]),
  panelColor: (r: Rng) => pickColor(r, [vivid, pastel, grey]),
} as ChairStyle);

/**
 * A chair: seat, legs (four / pedestal / side panels / sled, and with a broad style cantilever
 * or X-frame), back (solid, slats, rails, frame or none), optional arms.
 */
export function chairMesh(rng: Rng, style: Readonly<ChairStyle> = CLASSIC_CHAIR): TriMesh {
  const b = new MeshBuilder();
  const W = rng.uniform(...style.seatW), D = rng.uniform(...style.seatD), T = rng.uniform(...style.seatT);
  const H = rng.uniform(...style.seatH);
  const legs = weighted(rng, style.legs);
  const back = weighted(rng, style.back);
  const arms = back !== 'none' && rng.next() < style.armsP;
  const seatC = style.seatColor(rng);
  const backC = rng.next() < style.backSameP ? seatC : style.backColor(rng);
  const legC = rng.next() < style.legSameP ? seatC : style.legColor(rng);
  const roundLegs = rng.next() < 0.5;

  // Seat: a slab, sometimes round (stools, cafe chairs) or with a cushion on top.
  const roundSeat = rng.next() < 0.15;
  if (roundSeat) rod(b, seatC, [0, 0, H - T], [0, 0, H], Math.min(W, D) / 2, Math.min(W, D) / 2, 24);
  else box(b, seatC, [W, D, T], [0, 0, H - T / 2]);
  if (!roundSeat && rng.next() < 0.25) {
    const ct = rng.uniform(0.03, 0.06);
    box(b, jitter(rng, seatC, 0.12), [W * 0.92, D * 0.9, ct], [0, -D * 0.02, H + ct / 2]);
  }

  // Legs
  const lt = rng.uniform(...style.legT);
  const under = H - T;
  if (legs === 'four') {
    const inset = rng.uniform(0.005, 0.05) + lt / 2;
    const splay = rng.next() < 0.35 ? rng.uniform(0.02, 0.08) : 0;
    const rx = (roundSeat ? Math.min(W, D) / 2 * 0.7 : W / 2 - inset), ry = (roundSeat ? Math.min(W, D) / 2 * 0.7 : D / 2 - inset);
    const feet: V3[] = [];
    for (const sx of [-1, 1]) for (const sy of [-1, 1]) {
      const top: V3 = [sx * rx, sy * ry, under];
      const foot: V3 = [sx * (rx + splay), sy * (ry + splay), 0];
      feet.push(foot);
      if (roundLegs) rod(b, legC, foot, top, lt / 2, lt / 2 * rng.uniform(1, 1.4), 10);
      else b.add(new BoxGeometry(lt, 1, lt), legC, alongSegment(foot, top));
    }
    if (rng.next() < 0.4) {
      // stretchers between the legs
      const zs = rng.uniform(0.08, 0.2) * under / 0.45;
      const f = zs / under;
      const at = (p: V3): V3 => [p[0] * (1 - f) + (p[0] > 0 ? rx : -rx) * f, p[1] * (1 - f) + (p[1] > 0 ? ry : -ry) * f, zs];
      const [a, bb, c, d] = feet.map(at) as [V3, V3, V3, V3]; // (-,-), (-,+), (+,-), (+,+)
      rod(b, legC, a, bb, lt * 0.3); rod(b, legC, c, d, lt * 0.3);
      if (rng.next() < 0.5) { rod(b, legC, a, c, lt * 0.3); rod(b, legC, bb, d, lt * 0.3); }
    }
  } else if (legs === 'pedestal') {
    const baseZ = rng.uniform(0.05, 0.09);
    rod(b, legC, [0, 0, baseZ], [0, 0, under], rng.uniform(0.02, 0.04), undefined, 14);
    if (rng.next() < 0.65) {
      // office-chair star base, with or without casters
      const n = rng.next() < 0.8 ? 5 : 4;
      const len = rng.uniform(0.24, 0.32);
      const phase = rng.next() * Math.PI * 2;
      const casters = rng.next() < 0.7;
      for (let i = 0; i < n; i++) {
        const a = phase + (i * 2 * Math.PI) / n;
        const end: V3 = [len * Math.cos(a), len * Math.sin(a), baseZ - 0.01];
        rod(b, legC, [0, 0, baseZ], end, 0.022, 0.016, 8);
        if (casters) ball(b, grey(rng, 0.05, 0.2), [end[0], end[1], 0.025], 0.025, 8);
      }
    } else {
      // tulip / disc base
      const r = rng.uniform(0.18, 0.28);
      lathe(b, legC, [[0, 0], [r, 0], [r * 0.9, baseZ * 0.6], [0.04, baseZ * 1.6], [0, baseZ * 1.6]], [0, 0, 0], 24);
    }
  } else if (legs === 'panels') {
    const pt = rng.uniform(0.025, 0.06);
    const pd = D * rng.uniform(0.75, 1);
    for (const sx of [-1, 1]) box(b, legC, [pt, pd, under], [sx * (W / 2 - pt / 2), 0, under / 2]);
    if (rng.next() < 0.5) box(b, legC, [W - 2 * pt, pt, under * 0.3], [0, pd / 2 - pt, under * 0.7]);
  } else if (legs === 'cantilever') {
    // cantilever (S-frame): on each side a tube from the seat's front edge down to the floor,
    // back along the floor, with no rear legs
    const r = lt * 0.45;
    const reach = D * rng.uniform(0.55, 0.9);
    for (const sx of [-1, 1]) {
      const x = sx * (W / 2 - r * 2);
      rod(b, legC, [x, -D / 2 + r, under], [x, -D / 2 - 0.02, r], r, r, 8);
      rod(b, legC, [x, -D / 2 - 0.02, r], [x, -D / 2 + reach, r], r, r, 8);
    }
    rod(b, legC, [-(W / 2 - r * 2), -D / 2 + reach, r], [W / 2 - r * 2, -D / 2 + reach, r], r, r, 8);
  } else if (legs === 'xframe') {
    // X-frame (folding chair): two crossed boards on each side, front foot to back top and back
    // foot to front top, joined by a bar
    const bw = lt * rng.uniform(1, 1.6);
    for (const sx of [-1, 1]) {
      const x = sx * (W / 2 - bw / 2);
      b.add(new BoxGeometry(bw, 1, lt * 0.6), legC, alongSegment([x, -D / 2, 0], [x, D / 2 - bw, under]));
      b.add(new BoxGeometry(bw, 1, lt * 0.6), legC, alongSegment([x, D / 2, 0], [x, -D / 2 + bw, under]));
    }
    rod(b, legC, [-(W / 2), 0, under / 2], [W / 2, 0, under / 2], lt * 0.3);
  } else {
    // sled: two floor runners and two uprights per side
    const r = lt * 0.5;
    for (const sx of [-1, 1]) {
      const x = sx * (W / 2 - 0.03);
      rod(b, legC, [x, -D / 2, r], [x, D / 2, r], r, r, 8);
      rod(b, legC, [x, -D / 2 + 0.03, r], [x, -D / 2 + 0.06, under], r, r, 8);
      rod(b, legC, [x, D / 2 - 0.03, r], [x, D / 2 - 0.06, under], r, r, 8);
    }
  }

  // Back, built in a frame at the seat's rear edge tilted backwards by `tilt`.
  if (back !== 'none') {
    const bh = rng.uniform(...style.backH), bt = rng.uniform(...style.backT);
    const bw = (roundSeat ? Math.min(W, D) * 0.8 : W) * rng.uniform(0.82, 1);
    const tilt = rng.uniform(...style.tilt);
    const yb = (roundSeat ? Math.min(W, D) / 2 * 0.85 : D / 2) - bt / 2;
    const frame = trs([0, yb, H], [-tilt, 0, 0]);
    const pw = rng.uniform(0.025, 0.045);
    const gap = rng.uniform(0, 0.08); // the back starts a little above the seat
    if (back === 'solid') {
      box(b, backC, [bw, bt, bh], [0, 0, gap + bh / 2], frame);
      if (gap > 0.01) for (const sx of [-1, 1]) box(b, legC, [pw, bt * 0.8, gap + 0.05], [sx * bw * 0.35, 0, gap / 2], frame);
      if (rng.next() < 0.3) {
        // rounded top
        const m = frame.clone().multiply(trs([0, 0, gap + bh], [0, 0, HALF_PI])); // cylinder axis y -> x
        b.add(new CylinderGeometry(bt / 2, bt / 2, bw, 12), backC, m);
      }
    } else {
      // two posts and a top rail, filled with slats, rails or a panel
      for (const sx of [-1, 1]) box(b, backC, [pw, bt, bh + gap], [sx * (bw / 2 - pw / 2), 0, (bh + gap) / 2], frame);
      const rh = rng.uniform(0.04, 0.1);
      box(b, backC, [bw, bt, rh], [0, 0, gap + bh - rh / 2], frame);
      const inner = bw - 2 * pw;
      if (back === 'slats') {
        const n = 2 + rng.int(5);
        const sw = Math.min(inner / (n + 1), rng.uniform(0.015, 0.05));
        for (let i = 0; i < n; i++) {
          const x = -inner / 2 + ((i + 1) * inner) / (n + 1);
          box(b, backC, [sw, bt * 0.6, bh - rh], [x, 0, gap + (bh - rh) / 2], frame);
        }
        box(b, backC, [bw, bt, 0.03], [0, 0, gap + 0.015], frame);
      } else if (back === 'rails') {
        const n = 1 + rng.int(3);
        for (let i = 0; i < n; i++) {
          const z = gap + ((i + 1) * (bh - rh)) / (n + 1);
          box(b, backC, [inner, bt * 0.7, rng.uniform(0.02, 0.05)], [0, 0, z], frame);
        }
      } else {
        const panelC = rng.next() < 0.5 ? seatC : style.panelColor(rng);
        box(b, panelC, [inner, bt * 0.5, (bh - rh) * rng.uniform(0.5, 0.9)], [0, 0, gap + (bh - rh) * 0.5], frame);
      }
    }
  }

  // Arms: a rest on a front support on each side
  if (arms) {
    const ah = rng.uniform(0.17, 0.27), aw = rng.uniform(0.04, 0.08), at = rng.uniform(0.025, 0.045);
    const al = D * rng.uniform(0.65, 0.95);
    const armC = rng.next() < 0.5 ? legC : seatC;
    const halfW = roundSeat ? Math.min(W, D) / 2 : W / 2;
    for (const sx of [-1, 1]) {
      const x = sx * (halfW - aw / 2 + rng.uniform(0, 0.03));
      box(b, armC, [aw, al, at], [x, D / 2 - al / 2, H + ah]);
      const py = legs === 'pedestal' ? 0 : D / 2 - al + 0.03;
      box(b, armC, [aw * 0.6, 0.03, ah], [x, py, H + ah / 2]);
    }
  }
  return normalizeMesh(b.build(), OBJECT_RADIUS);
}

// ---------------------------------------------------------------------------------------------
// Cars

/** A car: extruded body with wheel arches, glass cabin with roof, four wheels with hubs, lights. */
export function carMesh(rng: Rng): TriMesh {
  const b = new MeshBuilder();
  const kind = weighted(rng, [['sedan', 0.32], ['hatch', 0.2], ['suv', 0.2], ['pickup', 0.12], ['sports', 0.16]] as const);
  const L = rng.uniform(3.7, 4.9) * (kind === 'pickup' ? 1.1 : 1);
  const Wd = rng.uniform(1.65, 1.95);
  const r = rng.uniform(0.3, 0.38) * (kind === 'suv' || kind === 'pickup' ? 1.12 : 1);
  const clearance = kind === 'sports' ? rng.uniform(0.1, 0.15) : kind === 'suv' || kind === 'pickup' ? rng.uniform(0.25, 0.35) : rng.uniform(0.14, 0.22);
  const bodyH = (kind === 'sports' ? rng.uniform(0.42, 0.52) : kind === 'suv' ? rng.uniform(0.62, 0.8) : rng.uniform(0.5, 0.66));
  const hb = clearance + bodyH;
  const bodyC = weighted(rng, [[vivid, 0.55], [(q: Rng) => grey(q, 0.05, 0.95), 0.45]] as const)(rng);
  const glassC = hsv(rng.uniform(0.55, 0.65), rng.uniform(0.15, 0.4), rng.uniform(0.12, 0.28));
  const trimC = grey(rng, 0.05, 0.2);

  // Body: side profile with notches for the wheel arches, extruded across the width.
  const wb = L * rng.uniform(0.56, 0.64); // wheelbase
  const wxF = wb / 2 + L * rng.uniform(-0.02, 0.02), wxR = -wb / 2 + L * rng.uniform(-0.02, 0.02);
  const bevel = 0.06; // the body's rounded edges grow its outline by this much
  const ra = r + 0.05 + bevel;
  const fa = rng.uniform(0.1, 0.35), rearA = rng.uniform(0.05, 0.25);
  const s = new Shape();
  const arch = (xw: number): void => {
    const dz = clearance - r;
    const dx = Math.sqrt(Math.max(1e-6, ra * ra - dz * dz));
    s.lineTo(xw - dx, clearance);
    s.absarc(xw, r, ra, Math.atan2(dz, -dx), Math.atan2(dz, dx), true);
  };
  s.moveTo(-L / 2, clearance + 0.08);
  s.lineTo(-L / 2 + 0.08, clearance);
  arch(wxR);
  arch(wxF);
  s.lineTo(L / 2 - 0.08, clearance);
  s.lineTo(L / 2, clearance + 0.08);
  s.lineTo(L / 2, hb - 0.15);
  s.lineTo(L / 2 - fa, hb);
  s.lineTo(-L / 2 + rearA, hb);
  s.lineTo(-L / 2, hb - 0.12);
  s.closePath();
  extrudeXZ(b, bodyC, s, Wd, bevel);

  // Cabin ("greenhouse"): glass trapezoid with a body-coloured roof slab.
  let xf: number, xr: number, hc: number, wsl: number, rsl: number;
  if (kind === 'sedan') { xf = L / 2 - L * rng.uniform(0.25, 0.32); xr = -L / 2 + L * rng.uniform(0.18, 0.25); hc = rng.uniform(0.38, 0.48); wsl = rng.uniform(0.35, 0.6); rsl = rng.uniform(0.3, 0.5); }
  else if (kind === 'hatch') { xf = L / 2 - L * rng.uniform(0.24, 0.3); xr = -L / 2 + L * rng.uniform(0.03, 0.07); hc = rng.uniform(0.4, 0.5); wsl = rng.uniform(0.35, 0.55); rsl = rng.uniform(0.15, 0.35); }
  else if (kind === 'suv') { xf = L / 2 - L * rng.uniform(0.18, 0.24); xr = -L / 2 + L * rng.uniform(0.02, 0.05); hc = rng.uniform(0.45, 0.6); wsl = rng.uniform(0.25, 0.45); rsl = rng.uniform(0.03, 0.12); }
  else if (kind === 'pickup') { xf = L / 2 - L * rng.uniform(0.24, 0.3); xr = xf - L * rng.uniform(0.24, 0.32); hc = rng.uniform(0.45, 0.55); wsl = rng.uniform(0.25, 0.4); rsl = 0.03; }
  else { xf = L / 2 - L * rng.uniform(0.32, 0.4); xr = -L / 2 + L * rng.uniform(0.12, 0.2); hc = rng.uniform(0.28, 0.36); wsl = rng.uniform(0.5, 0.75); rsl = rng.uniform(0.5, 0.8); }
  const topF = xf - wsl, topR = xr + rsl;
  const cab = new Shape();
  cab.moveTo(xr, hb - 0.02);
  cab.lineTo(xf, hb - 0.02);
  cab.lineTo(topF, hb + hc);
  cab.lineTo(topR, hb + hc);
  cab.closePath();
  const cw = Wd * rng.uniform(0.8, 0.88);
  extrudeXZ(b, glassC, cab, cw, 0.04);
  // The cabin's bevel (0.04) lifts its top to hb + hc + 0.04: the roof slab straddles that
  // plane (no coplanar faces, which would flicker between the two parts).
  const roofT = 0.06;
  box(b, bodyC, [Math.max(0.2, topF - topR + 0.1), cw + 0.02, roofT], [(topF + topR) / 2, 0, hb + hc + 0.04 + roofT / 2 - 0.025]);
  // B-pillar for the longer cabins
  if (topF - topR > 1.2) box(b, bodyC, [0.08, cw + 0.01, hc], [(topF + topR) / 2 + rng.uniform(-0.1, 0.1), 0, hb + hc / 2]);

  if (kind === 'pickup') {
    // open bed: side walls and a tailgate on the body behind the cabin
    const bt = 0.06, bhh = rng.uniform(0.18, 0.3);
    const x0 = -L / 2 + 0.02, x1 = xr - 0.05;
    for (const sy of [-1, 1]) box(b, bodyC, [x1 - x0, bt, bhh], [(x0 + x1) / 2, sy * (Wd / 2 - bt / 2), hb + bhh / 2]);
    box(b, bodyC, [bt, Wd, bhh], [x0 + bt / 2, 0, hb + bhh / 2]);
  }
  if (kind === 'sports' && rng.next() < 0.5) {
    // rear spoiler
    const xs = -L / 2 + 0.15;
    box(b, trimC, [0.25, Wd * 0.9, 0.04], [xs, 0, hb + 0.16]);
    for (const sy of [-1, 1]) box(b, trimC, [0.06, 0.04, 0.16], [xs, sy * Wd * 0.3, hb + 0.08]);
  }

  // Wheels: tyre, hub, axis along y.
  const tw = rng.uniform(0.2, 0.28);
  const hubC = rng.next() < 0.6 ? grey(rng, 0.6, 0.85) : grey(rng, 0.1, 0.3);
  const yW = Wd / 2 - tw / 2 + 0.02;
  for (const xw of [wxF, wxR]) for (const sy of [-1, 1]) {
    rod(b, hsv(0, 0, 0.06), [xw, sy * (yW - tw / 2), r], [xw, sy * (yW + tw / 2), r], r, r, 20);
    rod(b, hubC, [xw, sy * (yW + tw / 2 - 0.01), r], [xw, sy * (yW + tw / 2 + 0.012), r], r * 0.6, r * 0.6, 16);
  }

  // Lights and bumpers
  const lz = hb - 0.22, lw = Wd * rng.uniform(0.14, 0.22);
  const headC = hsv(0.14, rng.uniform(0.05, 0.25), 0.95), tailC = hsv(0, rng.uniform(0.7, 0.9), rng.uniform(0.6, 0.85));
  for (const sy of [-1, 1]) {
    // the body's front and rear faces sit at +-(L/2 + bevel); lights stand 1.5 cm proud
    box(b, headC, [0.05, lw, 0.08], [L / 2 + bevel - 0.01, sy * Wd * 0.32, lz]);
    box(b, tailC, [0.05, lw, 0.08], [-L / 2 - bevel + 0.01, sy * Wd * 0.32, hb - 0.2]);
  }
  if (rng.next() < 0.6) {
    box(b, trimC, [0.14, Wd * 0.96, 0.1], [L / 2 + bevel, 0, clearance + 0.1]);
    box(b, trimC, [0.14, Wd * 0.96, 0.1], [-L / 2 - bevel, 0, clearance + 0.1]);
  }
  return normalizeMesh(b.build(), OBJECT_RADIUS);
}

// ---------------------------------------------------------------------------------------------
// Lamps

type ShadeKind = 'cone' | 'drum' | 'dome' | 'globe' | 'bell';

/** A shade hanging from `top` (its top centre) along the unit direction `down`, size ~`s`. */
function shade(b: MeshBuilder, rng: Rng, kind: ShadeKind, c: Rgb, top: V3, down: V3, s: number, bulbC: Rgb): void {
  const h = s * rng.uniform(0.7, 1.2);
  const bottom: V3 = [top[0] + down[0] * h, top[1] + down[1] * h, top[2] + down[2] * h];
  const frame = alongSegment(bottom, top); // local y: -0.5 at the bottom, +0.5 at the top
  if (kind === 'cone' || kind === 'drum') {
    const rb = s * rng.uniform(0.8, 1.1);
    const rt = kind === 'drum' ? rb * rng.uniform(0.85, 1) : rb * rng.uniform(0.35, 0.65);
    rod(b, c, bottom, top, rb, rt, 28, true);
  } else if (kind === 'globe') {
    const gr = s * rng.uniform(0.6, 0.85);
    const cen: V3 = [top[0] + down[0] * gr, top[1] + down[1] * gr, top[2] + down[2] * gr];
    ball(b, c, cen, gr, 20);
    return;
  } else {
    // dome / bell: lathe profile from the rim (bottom) to the top, in a frame along `down`
    const rb = s * rng.uniform(0.85, 1.15);
    const n = 8;
    const prof: [number, number][] = [];
    for (let i = 0; i <= n; i++) {
      const t = i / n; // 0 rim .. 1 top
      const rad = kind === 'dome' ? rb * Math.cos(t * HALF_PI) : rb * (1 - t) ** 1.8 * 0.9 + rb * 0.1 * (1 - t);
      prof.push([Math.max(rad, kind === 'dome' ? 0 : 0.015), t]);
    }
    // lathe is built with height in [0, 1]: scale it to h, then put it on the segment frame
    const g = new LatheGeometry(prof.map(([x, y]) => new Vector2(x, y - 0.5)), 28);
    b.add(g, c, frame.clone());
  }
  // a bulb inside, seen from below
  const bc: V3 = [top[0] + down[0] * h * 0.6, top[1] + down[1] * h * 0.6, top[2] + down[2] * h * 0.6];
  ball(b, bulbC, bc, s * 0.18, 10);
}

/** A lamp: table, desk (articulated arm), floor (pole or tripod) or hanging (pendant / chandelier). */
export function lampMesh(rng: Rng): TriMesh {
  const b = new MeshBuilder();
  const kind = weighted(rng, [['table', 0.34], ['desk', 0.24], ['floor', 0.24], ['hanging', 0.18]] as const);
  const metalC = pickColor(rng, [brass, (q) => grey(q, 0.05, 0.25), (q) => grey(q, 0.6, 0.9), vivid, wood]);
  const shadeC = pickColor(rng, [pastel, pastel, vivid, (q) => grey(q, 0.8, 0.97), brass]);
  const bulbC = hsv(0.13, 0.25, 1);
  const shadeKind = (): ShadeKind => weighted(rng, [['cone', 0.3], ['drum', 0.25], ['dome', 0.2], ['bell', 0.12], ['globe', 0.13]] as const);
  const base = (r: number, h: number): void => {
    const k = weighted(rng, [['disc', 0.5], ['square', 0.2], ['dome', 0.3]] as const);
    if (k === 'disc') rod(b, metalC, [0, 0, 0], [0, 0, h], r, r, 28);
    else if (k === 'square') box(b, metalC, [r * 1.7, r * 1.7, h], [0, 0, h / 2]);
    else lathe(b, metalC, [[0, 0], [r, 0], [r * 0.95, h * 0.6], [r * 0.6, h * 1.6], [r * 0.12, h * 2.4], [0, h * 2.4]], [0, 0, 0], 28);
  };
  const stemR = rng.uniform(0.012, 0.028) * (kind === 'floor' ? 1.3 : 1); // thinner rods alias into dotted lines at 64 px

  if (kind === 'table') {
    const br = rng.uniform(0.08, 0.16), bh = rng.uniform(0.02, 0.05);
    base(br, bh);
    const hs = rng.uniform(0.25, 0.5);
    if (rng.next() < 0.35) {
      // vase-like body instead of a thin stem
      const vr = rng.uniform(0.05, 0.12);
      lathe(b, pickColor(rng, [pastel, vivid, (q) => grey(q, 0.1, 0.9)]), [[0, 0], [vr * 0.6, 0], [vr, hs * 0.35], [vr * 0.8, hs * 0.7], [stemR * 1.5, hs], [0, hs]], [0, 0, bh], 24);
    } else rod(b, metalC, [0, 0, bh], [0, 0, hs + bh], stemR, stemR, 10);
    const s = rng.uniform(0.12, 0.2);
    shade(b, rng, shadeKind(), shadeC, [0, 0, hs + bh + s * 0.6], [0, 0, -1], s, bulbC);
  } else if (kind === 'desk') {
    const br = rng.uniform(0.07, 0.12), bh = rng.uniform(0.02, 0.04);
    base(br, bh);
    const az = rng.next() * Math.PI * 2;
    const dir = (el: number): V3 => [Math.cos(az) * Math.cos(el), Math.sin(az) * Math.cos(el), Math.sin(el)];
    const l1 = rng.uniform(0.28, 0.42), l2 = rng.uniform(0.24, 0.38);
    const e1 = rng.uniform(0.9, 1.35), e2 = rng.uniform(-0.5, 0.35);
    const p0: V3 = [0, 0, bh];
    const d1 = dir(e1);
    const p1: V3 = [p0[0] + d1[0] * l1, p0[1] + d1[1] * l1, p0[2] + d1[2] * l1];
    const d2 = dir(e2);
    const p2: V3 = [p1[0] + d2[0] * l2, p1[1] + d2[1] * l2, p1[2] + d2[2] * l2];
    const twin = rng.next() < 0.5;
    const off = 0.018;
    const perp: V3 = [-Math.sin(az) * off, Math.cos(az) * off, 0];
    for (const [a, e] of [[p0, p1], [p1, p2]] as [V3, V3][]) {
      if (twin) for (const sg of [-1, 1]) rod(b, metalC, [a[0] + sg * perp[0], a[1] + sg * perp[1], a[2]], [e[0] + sg * perp[0], e[1] + sg * perp[1], e[2]], stemR * 0.7, stemR * 0.7, 8);
      else rod(b, metalC, a, e, stemR, stemR, 10);
    }
    ball(b, metalC, p0, stemR * 2.2, 10);
    ball(b, metalC, p1, stemR * 2.2, 10);
    // shade at the end, pointing down and forward
    const tiltEl = -rng.uniform(0.6, 1.4);
    const sd = dir(tiltEl);
    const s = rng.uniform(0.07, 0.12);
    shade(b, rng, weighted(rng, [['cone', 0.5], ['dome', 0.35], ['bell', 0.15]] as const), shadeC, p2, sd, s, bulbC);
  } else if (kind === 'floor') {
    const hs = rng.uniform(1.2, 1.65);
    const s = rng.uniform(0.17, 0.28);
    if (rng.next() < 0.4) {
      // tripod legs meeting under the shade
      const hj = hs * rng.uniform(0.55, 0.8), spread = rng.uniform(0.25, 0.42);
      const ph = rng.next() * Math.PI * 2;
      for (let i = 0; i < 3; i++) {
        const a = ph + (i * 2 * Math.PI) / 3;
        rod(b, metalC, [spread * Math.cos(a), spread * Math.sin(a), 0], [0, 0, hj], stemR * 1.2, stemR, 8);
      }
      rod(b, metalC, [0, 0, hj], [0, 0, hs], stemR, stemR, 10);
    } else {
      base(rng.uniform(0.13, 0.22), rng.uniform(0.02, 0.05));
      rod(b, metalC, [0, 0, 0.02], [0, 0, hs], stemR, stemR, 10);
    }
    if (rng.next() < 0.25) {
      // torchiere: a bowl opening upwards
      const rr = s * rng.uniform(1, 1.4);
      lathe(b, shadeC, [[0.01, 0], [rr * 0.4, s * 0.1], [rr * 0.85, s * 0.35], [rr, s * 0.5]], [0, 0, hs], 28);
    } else {
      shade(b, rng, shadeKind(), shadeC, [0, 0, hs + s * 0.5], [0, 0, -1], s, bulbC);
    }
  } else {
    // hanging: ceiling canopy, cord, then one shade or a chandelier ring of small shades
    const top = rng.uniform(1.0, 1.4);
    rod(b, metalC, [0, 0, top - 0.03], [0, 0, top], rng.uniform(0.05, 0.09), undefined, 20);
    const cord = rng.uniform(0.3, 0.7);
    rod(b, metalC, [0, 0, top - cord], [0, 0, top], stemR * 0.6, stemR * 0.6, 8);
    if (rng.next() < 0.4) {
      const n = 3 + rng.int(4);
      const ar = rng.uniform(0.25, 0.42);
      const zc = top - cord;
      ball(b, metalC, [0, 0, zc], stemR * 3, 10);
      b.add(new TorusGeometry(ar, stemR * 0.8, 8, 48), metalC, trs([0, 0, zc - 0.05]));
      const ph = rng.next() * Math.PI * 2;
      const sk = weighted(rng, [['cone', 0.4], ['drum', 0.3], ['globe', 0.3]] as const);
      const s = rng.uniform(0.06, 0.1);
      for (let i = 0; i < n; i++) {
        const a = ph + (i * 2 * Math.PI) / n;
        const p: V3 = [ar * Math.cos(a), ar * Math.sin(a), zc - 0.05];
        rod(b, metalC, [0, 0, zc], p, stemR * 0.7, stemR * 0.7, 8);
        rod(b, metalC, p, [p[0], p[1], p[2] + s * 0.8], stemR, stemR, 8);
        shade(b, rng, sk, shadeC, [p[0], p[1], p[2] + s * 1.6], [0, 0, -1], s, bulbC);
      }
    } else {
      const s = rng.uniform(0.14, 0.26);
      shade(b, rng, shadeKind(), shadeC, [0, 0, top - cord], [0, 0, -1], s, bulbC);
    }
  }
  return normalizeMesh(b.build(), OBJECT_RADIUS);
}

/** The generator of a category. */
export function synthMesh(category: SynthCategory, rng: Rng): TriMesh {
  if (category === 'chairs') return chairMesh(rng);
  if (category === 'cars') return carMesh(rng);
  return lampMesh(rng);
}
