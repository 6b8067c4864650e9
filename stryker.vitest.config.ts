/**
 * Vitest configuration for mutation testing (`npm run mutate`): only the unit tests of the core
 * folders Stryker mutates, so each mutant runs seconds of tests rather than the whole suite
 * (CLI, viewer and training-run tests spawn processes that do not load the mutated sources).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/oracle/**/*.test.ts', 'test/golden/**/*.test.ts',
      'test/{rays,nn,encoder,lightfield,model,model-config,metrics,episodes,widen,checkpoint,backend,assert-close,rng}.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    // One worker reused across mutants: importing tfjs and its wasm binary per run costs seconds.
    isolate: false,
  },
});
