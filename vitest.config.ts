import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the viewer's modules import the package's browser entry by name
  resolve: { alias: { lfkit: fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two cores: one test file per core
    maxWorkers: 2,
  },
});
