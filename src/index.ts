/**
 * lfkit: few-shot novel view synthesis with locality-aware generalizable light fields.
 * The package entry re-exports the library API; see README.md "Library API".
 */
export * from './rays/index.ts';
export * from './datasets/index.ts';
export * from './synth/index.ts';
export { Rng, type RngState } from './util/rng.ts';
export * from './model/index.ts';
