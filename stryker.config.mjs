// Mutation testing of the core folders (`npm run mutate`; docs/testing.md).
// LFKIT_MUTATE=rays,nn,... limits the run to some folders; each run writes
// out/mutation/<folders>.json, which scripts/mutation-summary.mjs tabulates (several at once).
const FOLDERS = {
  rays: ['src/core/rays/**/*.ts'],
  nn: ['src/core/nn/**/*.ts', '!src/core/nn/webgpu-kernels.ts'],
  encoder: ['src/core/encoder/**/*.ts'],
  lightfield: ['src/core/lightfield/**/*.ts'],
  model: ['src/core/model/**/*.ts'],
  metrics: ['src/core/metrics/metrics.ts'],
  episodes: ['src/core/data/episodes.ts'],
};
const chosen = (process.env.LFKIT_MUTATE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const f of chosen) {
  if (!(f in FOLDERS)) throw new Error(`LFKIT_MUTATE: unknown folder '${f}' (one of ${Object.keys(FOLDERS).join(', ')})`);
}
const names = chosen.length ? chosen : Object.keys(FOLDERS);
const tag = chosen.length ? chosen.join('-') : 'core';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts', related: true },
  checkers: [],
  tsconfigFile: 'tsconfig.stryker.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // a mutant that makes the tests run this much longer than unmutated counts as detected (a hang)
  timeoutMS: 3000,
  timeoutFactor: 1.5,
  mutate: [...names.flatMap((n) => FOLDERS[n]), '!src/**/index.ts'],
  // Error-message wording is not mutated: the tests check that bad input fails with a message
  // naming the field (by pattern), not every word of it.
  mutator: { excludedMutations: ['StringLiteral'] },
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `out/mutation/${tag}.html` },
  jsonReporter: { fileName: `out/mutation/${tag}.json` },
  tempDirName: 'tmp/stryker',
  cleanTempDir: 'always',
  dryRunTimeoutMinutes: 30,
};
