/**
 * The standard procedural benchmark: fixed recipes, runnable by name
 * (`lfkit synth --recipe synth-chairs-64`). Later results are reported on these, so a
 * published recipe never changes; a new setting gets a new name. The README's
 * "Procedural benchmark" table mirrors this one.
 */
import type { SynthCategory } from './shapes.ts';
import type { LookFamily } from './looks.ts';

/** Camera elevation range of every recipe, degrees above the horizon (z = 0 plane). */
export const DEFAULT_ELEVATION_DEG: [number, number] = [-10, 50];
/** learnit's horizontal field of view (radians). */
export const DEFAULT_FOV = 0.6911;
export const DEFAULT_SPP = 4;

export interface SynthRecipe {
  name: string;
  category: SynthCategory;
  train: number;
  val: number;
  test: number;
  views: number;
  size: number;
  seed: number;
  fov: number;
  spp: number;
  elevationDeg: [number, number];
  /** `GENERATOR_VERSION` of `shapes.ts` the recipe was frozen with. */
  generator: number;
  /**
   * Per-object looks (`src/synth/looks.ts`): lighting, shading, palette, proportions, and the
   * camera band, which then replaces `fov` and `elevationDeg`. Unset: the classic fixed look.
   */
  look?: LookFamily;
}

function recipe(category: SynthCategory, size: number): SynthRecipe {
  return Object.freeze({
    name: `synth-${category}-${size}`, category, train: 400, val: 10, test: 50, views: 50, size, seed: 0,
    fov: DEFAULT_FOV, spp: DEFAULT_SPP, elevationDeg: Object.freeze([...DEFAULT_ELEVATION_DEG]) as [number, number], generator: 1,
  });
}

/**
 * The broad chairs (`look: 'broad'`) and their held-out looks (`look: 'heldout'`, a test split
 * plus training objects used only for the per-pixel training-mean baseline of that set).
 */
const LOOK_RECIPES: SynthRecipe[] = ([
  { name: 'synth-chairs-broad-64', category: 'chairs', train: 600, val: 20, test: 50, views: 50, size: 64, seed: 0,
    fov: DEFAULT_FOV, spp: DEFAULT_SPP, elevationDeg: [-10, 70], generator: 2, look: 'broad' },
  { name: 'synth-chairs-heldout-64', category: 'chairs', train: 100, val: 0, test: 50, views: 50, size: 64, seed: 0,
    fov: DEFAULT_FOV, spp: DEFAULT_SPP, elevationDeg: [-10, 70], generator: 2, look: 'heldout' },
] as SynthRecipe[]).map((r) => Object.freeze({ ...r, elevationDeg: Object.freeze(r.elevationDeg) as [number, number] }));

/** Frozen recipes by name. */
export const RECIPES: Readonly<Record<string, SynthRecipe>> = Object.freeze(Object.fromEntries(
  [...(['chairs', 'cars', 'lamps'] as const).flatMap((c) => [64, 128].map((s) => recipe(c, s))), ...LOOK_RECIPES].map((r) => [r.name, r]),
));
