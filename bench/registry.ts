/** Every benchmark `npm run bench` knows, in the order it runs them. Add one line per module. */
import type { Benchmark } from './harness.ts';
import { dataBenchmark } from './data.bench.ts';
import { raysBenchmark } from './rays.bench.ts';
import { synthBenchmark } from './synth.bench.ts';
import { viewerBenchmark } from './viewer.bench.ts';
import { modelBenchmark } from './model.bench.ts';
import { trainBenchmark } from './train.bench.ts';
import { perfBenchmark } from './perf.bench.ts';
import { gpuBenchmark } from './gpu.bench.ts';

export const BENCHMARKS: Benchmark[] = [raysBenchmark, dataBenchmark, synthBenchmark, viewerBenchmark, modelBenchmark, trainBenchmark, perfBenchmark, gpuBenchmark];
