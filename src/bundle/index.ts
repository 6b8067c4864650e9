/** `src/bundle`: model bundles (`lfkit bundle`), model cards (`--card`) and `npm run demo` (Node only). */
export {
  BUNDLE_FORMAT, BUNDLE_VERSION, BUNDLE_FILES, bundleBlock, bundleCheckpoint, isBundleFolder, loadBundleModel,
  type BundleBlock, type BundleState,
} from './load.ts';
export {
  createBundle, evaluateModel, bundleWorkDir, readBundleTrainMean, writeTrainMeanPng, detectRecipe, BUNDLE_MAX_BYTES,
  type BundleOptions, type BundleResult,
} from './bundle.ts';
export {
  writeModelCard, rewriteModelCard, readModelCard, modelCardMarkdown, cardMargins, checkCard, CARD_FORMAT, type CardOptions, type CardMargins, type CardCheck, type ModelCard,
} from './card.ts';
export { portableCommand, portableInit, portablePath } from './portable.ts';
export {
  runDemo, assertDemoModel, demoTable, labelledGrid, spreadSupport, ensureRecipeTestObjects, missingModelMessage, DEMO_MODEL_DIR, DEMO_RECIPE, type DemoOptions, type DemoResult,
} from './demo.ts';
