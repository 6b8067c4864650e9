/** `src/eval`: metrics, baselines and the evaluation protocol of docs/model.md#episodes-and-evaluation. */
export * from './metrics.ts';
export * from './baselines.ts';
export * from './evaluate.ts';
export { evaluateRun, trainMeanImage, type EvalFile, type RunEvalOptions } from './run-eval.ts';
