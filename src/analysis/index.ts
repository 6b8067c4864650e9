/**
 * `src/analysis`: the paper's analyses on a trained model (docs/model.md#analyses): locality maps
 * (Figure 5) and test-time optimisation (Figure 7, applied to views).
 */
export * from './locality.ts';
export * from './tto.ts';
export { encodeSupport, supportArrays, type SupportArrays } from './support.ts';
// Node only (dataset, PNG and JSON files); the modules above are shared code.
export { localityRun, type LocalityRunOptions, type LocalityRunResult, type LocalityObjectResult } from './locality-run.ts';
