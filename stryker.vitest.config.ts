/**
 * Vitest configuration for mutation testing (`npm run mutate`): only the in-process tests that
 * exercise the core folders Stryker mutates, so each mutant runs seconds of tests rather than
 * the whole suite (CLI, viewer-page and training-run tests spawn processes that do not load the
 * mutated sources).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the viewer's modules import the package's browser entry by name
  resolve: { alias: { lfkit: fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) } },
  test: {
    include: [
      'test/oracle/**/*.test.ts', 'test/golden/**/*.test.ts',
      'test/{rays,nn,encoder,lightfield,model,model-config,metrics,episodes,widen,checkpoint,backend,assert-close,rng}.test.ts',
      'test/{viewer-geometry,viewer-progressive,locality,tto,edge-weight,eval-protocol,train-data,camera-validation,nn-units,config-validation,safetensors-format,widen-layout}.test.ts',
    ],
    setupFiles: ['test/helpers/quiet-tfjs.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    // One worker reused across mutants: importing tfjs and its wasm binary per run costs seconds.
    isolate: false,
  },
});
