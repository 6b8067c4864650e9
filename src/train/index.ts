/**
 * `src/train`: the training loop, the data pipeline, run folders, and the run-level API behind
 * `lfkit eval` / `lfkit render` (Node only). The `Batch` type is the model's (`src/model`).
 */
export { train, runCheckpoint, validate, valSupportCount, type LoopConfig, type TrainOptions, type TrainResult } from './train.ts';
export { ObjectCache, planStep, buildBatch, batchForStep, cachedView, type CachedObject, type StepPlan, type BatchOptions } from './data.ts';
export { saveCheckpointDir, findCheckpointDir, readLoopState, type TrainEngine, type EngineFactory, type LoopState } from './engine.ts';
export {
  modelSynthesizer, modelEngines, saveModelCheckpoint, loadModelCheckpoint, readCheckpointConfig, CheckpointError, CHECKPOINT_FILES,
} from './model-engine.ts';
export { loadRun, type LoadedRun } from './run.ts';
export { renderRun, type RenderRunOptions, type RenderRunResult, type RenderedView } from './render-run.ts';
export {
  readRunInfo, createRunFolder, isRunFolder, runPaths, readMetrics, appendMetrics, truncateMetricsAfter, RunError, RUN_FILES, RUN_FORMAT,
  type RunInfo, type RunData,
} from './run-folder.ts';
export { useBackend } from './backend.ts';
