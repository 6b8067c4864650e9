/**
 * `lfkit/node`: the Node layer over the browser-safe core (re-exported here too, so one import
 * serves a Node program): dataset folders on disk, run folders, checkpoints and bundles
 * (`openRun`), the training loop, the thread-parallel engine, the tasks behind the CLI (eval,
 * render, sweep, bundle, card, demo, locality, inspect, synth), the viewer server, and the
 * procedural dataset generator of `datasets/`.
 *
 * @example
 *   const ds = await openDataset('data/shapenet', { category: 'chairs', size: 64 });
 *   const obj = await ds.loadObject(ds.ids('train')[0]);
 *   obj.views[0].image;   // Float32Array [64, 64, 3]
 */
export * from '../core/index.ts';
// io: files, dataset folders, images, progress, plots
export { writeFileAtomic, writeJsonAtomic } from './io/fs.ts';
export { detectFormat, openDataset, loadObjectFolder, type OpenOptions } from './io/open-dataset.ts';
export { decodeImage, type DecodedImage } from './io/image.ts';
export { learnitCategories, type LearnitCategory } from './io/learnit.ts';
export { parseSrnPose, parseSrnIntrinsics } from './io/srn.ts';
export { writePng, writeAnimation, encodePng } from './io/images.ts';
export { Progress, type ProgressOptions } from './io/progress.ts';
export { plotTrainingCurves, trainingCurvesSpec, vegaLiteToPng, vegaLiteToSvg, type MetricsRecord } from './io/plot.ts';
export { initBackend, BackendError, BACKEND_NAMES, type BackendName } from './backend.ts';
// runs: run folders, checkpoints, bundles, one openRun for all three
export { openRun, loadRun, requireRunInfo, type LoadedRun } from './runs/run.ts';
export {
  readRunInfo, createRunFolder, isRunFolder, runPaths, readMetrics, appendMetrics, truncateMetricsAfter, runCheckpoint, findCheckpointDir, readLoopState,
  RunError, RUN_FILES, RUN_FORMAT, type RunInfo, type RunData, type LoopState,
} from './runs/run-folder.ts';
export {
  saveModelCheckpoint, loadModelCheckpoint, loadInitCheckpoint, readCheckpointConfig, saveCheckpoint, loadCheckpoint, CheckpointError, CHECKPOINT_FILES,
} from './runs/checkpoint.ts';
export {
  BUNDLE_FORMAT, BUNDLE_VERSION, BUNDLE_FILES, bundleBlock, bundleCheckpoint, isBundleFolder, loadBundleModel,
  type BundleBlock, type BundleState,
} from './runs/bundle.ts';
// training
export { train, validate, valSupportCount, DEFAULT_VAL_OBJECTS, type LoopConfig, type TrainOptions, type TrainResult } from './training/train.ts';
export { ObjectCache, planStep, buildBatch, batchForStep, cachedView, type CachedObject, type StepPlan, type BatchOptions } from './training/data.ts';
export { saveCheckpointDir, type TrainEngine, type EngineFactory } from './training/engine.ts';
export { modelEngines } from './training/model-engine.ts';
export * from './parallel/index.ts';
export { withThreads } from './parallel/synth.ts';
// tasks
export { evaluateRun, trainMeanImage, type EvalFile, type RunEvalOptions } from './tasks/eval.ts';
export { renderRun, type RenderRunOptions, type RenderRunResult, type RenderedView } from './tasks/render.ts';
export {
  sweepRuns, sweepLabels, sweepMarkdown, sweepCsv, sweepPlotSpec, writeSweep, METHOD_NAMES, SWEEP_FORMAT, TRAIN_MEAN_SERIES,
  type SweepEntry, type SweepSettings, type SweepOptions, type SweepPoint, type SweepRunInfo, type SweepResult,
} from './tasks/sweep.ts';
export { trainSweep, sweepRunDir, isRunFinished, type TrainSweepOptions, type TrainSweepRun } from './tasks/train-sweep.ts';
export {
  createBundle, evaluateModel, bundleWorkDir, readBundleTrainMean, writeTrainMeanPng, detectRecipe, BUNDLE_MAX_BYTES,
  type BundleOptions, type BundleResult,
} from './tasks/bundle.ts';
export {
  writeModelCard, readModelCard, modelCardMarkdown, cardMargins, checkCard, CARD_FORMAT, type CardOptions, type CardMargins, type CardCheck, type ModelCard,
} from './tasks/card.ts';
export {
  runDemo, assertDemoModel, demoTable, labelledGrid, spreadSupport, ensureRecipeTestObjects, missingModelMessage, DEMO_MODEL_DIR, DEMO_RECIPE, type DemoOptions, type DemoResult,
} from './tasks/demo.ts';
export { localityRun, type LocalityRunOptions, type LocalityRunResult, type LocalityObjectResult } from './tasks/locality.ts';
export { inspectDataset, formatInspectReport, type InspectOptions } from './tasks/inspect.ts';
export {
  synthesizeProcedural, synthesizeMeshes, proceduralJobs, meshJobs, proceduralId, splitsFileName, SynthError,
  DEFAULT_RENDER, type SynthSummary, type ProceduralOptions, type MeshDatasetOptions,
} from './tasks/synth.ts';
export * from '../../datasets/index.ts';
export * from './viewer-server/index.ts';
