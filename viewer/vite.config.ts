/**
 * Vite build of the viewer page: `npm run build:viewer` (or automatically by `lfkit view` and the
 * tests, see `src/node/viewer-server/build.ts`). The page imports only the package's browser entry
 * `lfkit`, aliased here to its source `src/core/index.ts`; Vite bundles the TypeScript, so the
 * browser runs the same rays/model code as Node.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: { lfkit: path.join(here, '../src/core/index.ts') } },
  logLevel: 'warn',
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    // the timing report names tfjs's large worker chunk on every build; it is not actionable here
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: 'es' },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
});
