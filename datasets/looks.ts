/**
 * Looks of the broad procedural recipes: per object, a lighting rig, a shading, a palette, the
 * chair's proportions and styles, the camera band (field of view, radius, elevation) and a small
 * jitter of the object's scale and centre. A model trained on one fixed look learns that look
 * rather than chairs; these draws spread it.
 *
 * Two families, never mixed:
 * - `broad` (training, validation and in-domain test): white or lightly tinted lights, none
 *   from below the horizon; hues anywhere except the held-out band; four, pedestal, panel,
 *   sled and cantilever legs; a quarter of the objects keep the classic look of
 *   `synth-chairs-64` (its lights, proportions, cameras and palette, with violets turned blue).
 * - `heldout` (a test of looks training never sees): one saturated coloured light from below
 *   the horizon with little ambient, colours only in the held-out hue band (violet to
 *   magenta), and X-frame (folding-chair) legs.
 */
import type { Rng } from '../src/core/util/rng.ts';
import { hsv, type Rgb } from './geometry.ts';
import { DEFAULT_LIGHTING, type DirLight, type Lighting } from './render.ts';
import { CLASSIC_CHAIR, type ChairStyle, type ColorFn } from './shapes.ts';
import { DEFAULT_FOV } from './recipes.ts';

export const LOOK_FAMILIES = ['broad', 'heldout'] as const;
export type LookFamily = (typeof LOOK_FAMILIES)[number];

/** Hues (HSV, [0, 1)) reserved for the held-out family: violet to magenta. */
export const HELDOUT_HUES: [number, number] = [0.72, 0.9];

/** Camera band of the broad recipes (also recorded by training in run configs). */
export const BROAD_CAMERAS = Object.freeze({
  /** Horizontal field of view `camera_angle_x` (radians), drawn per object. */
  cameraAngleX: [0.62, 0.8] as [number, number],
  /** Camera distance from the origin, drawn per view. */
  radius: [3.6, 4.6] as [number, number],
  /** Elevation above the z = 0 plane (degrees), drawn per view. */
  elevationDeg: [-10, 70] as [number, number],
});

/** Everything an object's look fixes, besides its random shape draws. */
export interface Look {
  family: LookFamily;
  /** True for the classic look (a quarter of the broad objects). */
  classic: boolean;
  lighting: Lighting;
  /** Blinn-Phong specular weight (0 = matte) and exponent. */
  specular: number;
  shininess: number;
  chair: ChairStyle;
  cameraAngleX: number;
  radius: [number, number];
  elevationDeg: [number, number];
  /** Scale applied to the normalised mesh, and its centre offset. */
  scale: number;
  offset: [number, number, number];
}

function unitFromAngles(azimuth: number, elevation: number): [number, number, number] {
  return [Math.cos(elevation) * Math.cos(azimuth), Math.cos(elevation) * Math.sin(azimuth), Math.sin(elevation)];
}

const DEG = Math.PI / 180;

/** A hue outside the held-out band, uniform over the rest of the circle. */
function trainHue(rng: Rng): number {
  const [lo, hi] = HELDOUT_HUES;
  const h = rng.uniform(0, 1 - (hi - lo));
  return h < lo ? h : h + (hi - lo);
}

/** A colour of the broad family: any saturation and value, hue outside the held-out band. */
const broadColor: ColorFn = (rng) => {
  const kind = rng.next();
  if (kind < 0.15) { const v = rng.uniform(0.05, 0.9); return [v, v, v]; } // greys and blacks
  return hsv(trainHue(rng), rng.uniform(0.15, 1), rng.uniform(0.15, 0.95));
};

/** `c` with its hue moved out of the held-out band (by -0.18: violets become blues). */
function outOfBand(c: Rgb): Rgb {
  const [r, g, b] = c;
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d <= 0) return c;
  let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  h = (h / 6 + 1) % 1;
  if (h < HELDOUT_HUES[0] || h > HELDOUT_HUES[1]) return c;
  return hsv(h - 0.18, d / max, max);
}

/** The classic chair with every colour kept out of the held-out band. */
const CLASSIC_IN_BAND_FREE: Readonly<ChairStyle> = Object.freeze({
  ...CLASSIC_CHAIR,
  seatColor: (r: Rng) => outOfBand(CLASSIC_CHAIR.seatColor(r)),
  backColor: (r: Rng) => outOfBand(CLASSIC_CHAIR.backColor(r)),
  legColor: (r: Rng) => outOfBand(CLASSIC_CHAIR.legColor(r)),
  panelColor: (r: Rng) => outOfBand(CLASSIC_CHAIR.panelColor(r)),
});

/** A colour of the held-out family: saturated, hue in the held-out band. */
const heldoutColor: ColorFn = (rng) => hsv(rng.uniform(...HELDOUT_HUES), rng.uniform(0.45, 1), rng.uniform(0.3, 0.95));

/** A broad chair style: wider proportions, more leg styles, palettes per part or per object. */
function broadChair(rng: Rng, color: ColorFn, legs: ChairStyle['legs']): ChairStyle {
  // palette: one colour for the whole chair, two tones (seat+back vs legs), or per part
  const mode = rng.next();
  const one = color(rng);
  const fixed: ColorFn = () => one;
  const perPart = mode >= 0.65;
  return {
    seatW: [0.32, 0.75], seatD: [0.3, 0.65], seatT: [0.02, 0.13], seatH: [0.3, 0.6],
    legs,
    back: [['solid', 0.32], ['slats', 0.2], ['rails', 0.15], ['frame', 0.18], ['none', 0.15]],
    armsP: 0.35, legT: [0.016, 0.075], backH: [0.2, 0.75], backT: [0.02, 0.1], tilt: [-0.05, 0.4],
    seatColor: perPart ? color : fixed,
    backSameP: mode < 0.3 ? 1 : perPart ? 0.4 : 1,
    backColor: color,
    legSameP: mode < 0.3 ? 1 : perPart ? 0.25 : 0,
    legColor: color,
    panelColor: color,
  };
}

/** A lighting rig of the broad family: 1-4 white or lightly tinted lights from above the horizon. */
function broadLighting(rng: Rng): Lighting {
  const n = 1 + rng.int(4);
  const lights: DirLight[] = [];
  for (let i = 0; i < n; i++) {
    const el = i === 0 ? rng.uniform(15, 80) : rng.uniform(-10, 80);
    const tint = hsv(rng.next(), rng.uniform(0, 0.3), 1);
    lights.push({
      dir: unitFromAngles(rng.uniform(0, 2 * Math.PI), el * DEG),
      intensity: i === 0 ? rng.uniform(0.5, 1.1) : rng.uniform(0.1, 0.6),
      color: tint,
    });
  }
  return { ambient: rng.uniform(0.1, 0.5), ambientColor: hsv(rng.next(), rng.uniform(0, 0.2), 1), lights };
}

/** The held-out rig: one saturated coloured light from below the horizon, little ambient. */
function heldoutLighting(rng: Rng): Lighting {
  return {
    ambient: rng.uniform(0.15, 0.3),
    ambientColor: [1, 1, 1],
    lights: [{
      dir: unitFromAngles(rng.uniform(0, 2 * Math.PI), rng.uniform(-60, -25) * DEG),
      intensity: rng.uniform(1, 1.5),
      color: hsv(rng.next(), rng.uniform(0.4, 0.7), 1),
    }],
  };
}

/**
 * Draws the look of one object. `family` `broad`: a quarter classic, the rest broad;
 * `heldout`: the held-out family (module header).
 */
export function drawLook(rng: Rng, family: LookFamily): Look {
  if (family === 'broad' && rng.next() < 0.25) {
    return {
      family, classic: true, lighting: DEFAULT_LIGHTING, specular: 0, shininess: 1, chair: CLASSIC_IN_BAND_FREE,
      cameraAngleX: DEFAULT_FOV, radius: [4, 4], elevationDeg: [-10, 50], scale: 1, offset: [0, 0, 0],
    };
  }
  const heldout = family === 'heldout';
  const lighting = heldout ? heldoutLighting(rng) : broadLighting(rng);
  const glossy = rng.next() < 0.4;
  const specular = glossy ? rng.uniform(0.1, 0.5) : 0;
  const shininess = rng.uniform(8, 64);
  const legs: ChairStyle['legs'] = heldout
    ? [['xframe', 1]]
    : [['four', 0.45], ['pedestal', 0.2], ['panels', 0.1], ['sled', 0.1], ['cantilever', 0.15]];
  const chair = broadChair(rng, heldout ? heldoutColor : broadColor, legs);
  const cameraAngleX = rng.uniform(...BROAD_CAMERAS.cameraAngleX);
  const scale = rng.uniform(0.82, 1);
  const j = 0.08;
  const offset: [number, number, number] = [rng.uniform(-j, j), rng.uniform(-j, j), rng.uniform(-j, j)];
  return {
    family, classic: false, lighting, specular, shininess, chair, cameraAngleX,
    radius: [...BROAD_CAMERAS.radius], elevationDeg: [...BROAD_CAMERAS.elevationDeg], scale, offset,
  };
}

export type { Rgb };
