/**
 * `lfkit`: few-shot novel view synthesis with locality-aware generalizable light fields, the
 * browser-safe core. Everything here runs in a browser or in Node alike: it imports tfjs-core and
 * gl-matrix and nothing from Node (an import test checks it). File IO, run folders, training and
 * the CLI are in `lfkit/node`. See README.md "Using it as a library".
 */
export * from './rays/index.ts';
export { Rng, type RngState } from './util/rng.ts';
export * from './model/index.ts';
export { cameraRays, cameraRaysAtPixels, encodeSupport, modelSynthesizer, supportArrays, type SupportArrays } from './model/support.ts';
export * from './render/index.ts';
export * from './metrics/metrics.ts';
export * from './metrics/baselines.ts';
export * from './data/types.ts';
export * from './data/episodes.ts';
export * from './analysis/evaluate.ts';
export * from './analysis/locality.ts';
export * from './analysis/tto.ts';
export * from './model/viewer-protocol.ts';
export * from './model/view-geometry.ts';
