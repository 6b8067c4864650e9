/** Data-parallel training and split-ray rendering over worker threads, plus the analytic FLOP counter (docs/performance.md). */
export { parallelEngine, parallelModelEngines, type ParallelEngineOptions, type ParallelStepTiming, type ParallelTrainEngine } from './engine.ts';
export { PackedAdam } from './packed-adam.ts';
export { openParallelSynthesizer, parallelSynthesizer, usefulThreads, type ParallelSynthOptions } from './synth.ts';
export { ReplicaPool, ReplicaWorker } from './pool.ts';
export { sliceBatch, splitCounts, weightedMean } from './split.ts';
export { decoderMacsPerRay, decoderPrepareMacs, encoderMacs, flopsPerRay, flopsPerTrainStep, flopsPerView, peakFlops } from './flops.ts';
export { processCpuSeconds, threadCpuSeconds } from './thread-cpu.ts';
