/** `src/eval`: metrics, baselines and the evaluation protocol of method.md section 3. */
export * from './metrics.ts';
export * from './baselines.ts';
export * from './evaluate.ts';
export { evaluateRun, trainMeanImage, type EvalFile, type RunEvalOptions } from './run-eval.ts';
