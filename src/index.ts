/**
 * lfkit: few-shot novel view synthesis with locality-aware generalizable light fields.
 * The package entry re-exports the library API; see README.md "Using it as a library".
 */
export * from './rays/index.ts';
export * from './datasets/index.ts';
export * from './synth/index.ts';
export { Rng, type RngState } from './util/rng.ts';
export * from './model/index.ts';
export * from './render/index.ts';
export * from './eval/index.ts';
export * from './train/index.ts';
export * from './viewer-server/index.ts';
export * from './analysis/index.ts';
export * from './sweep/index.ts';
export * from './bundle/index.ts';
export { writePng, writeAnimation, encodePng } from './node/images.ts';
export * from './node/parallel/index.ts';
export { plotTrainingCurves, trainingCurvesSpec, vegaLiteToPng, vegaLiteToSvg, type MetricsRecord } from './node/plot.ts';
