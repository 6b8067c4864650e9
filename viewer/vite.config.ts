/**
 * Vite build of the viewer page: `npm run build:viewer` (or automatically by `lfkit view` and the
 * tests, see `src/viewer-server/build.ts`). The page imports the shared `src/` code directly;
 * Vite bundles the TypeScript, so the browser runs the same rays/model code as Node.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
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
