/**
 * The standard procedural benchmark: fixed recipes, runnable by name
 * (`lfkit synth --recipe synth-chairs-64`). Later results are reported on these, so a
 * published recipe never changes; a new setting gets a new name. The recipes table of
 * docs/datasets.md mirrors this one.
 */
import type { SynthCategory } from './shapes.ts';

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
}

function recipe(category: SynthCategory, size: number): SynthRecipe {
  return Object.freeze({
    name: `synth-${category}-${size}`, category, train: 400, val: 10, test: 50, views: 50, size, seed: 0,
    fov: DEFAULT_FOV, spp: DEFAULT_SPP, elevationDeg: Object.freeze([...DEFAULT_ELEVATION_DEG]) as [number, number], generator: 1,
  });
}

/** Frozen recipes by name. */
export const RECIPES: Readonly<Record<string, SynthRecipe>> = Object.freeze(Object.fromEntries(
  (['chairs', 'cars', 'lamps'] as const).flatMap((c) => [64, 128].map((s) => recipe(c, s))).map((r) => [r.name, r]),
));
