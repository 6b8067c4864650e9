/** `src/model`: config, the LightFieldModel, training and the weight format. Shared code (no Node imports). */
export * from './config.ts';
export * from './model.ts';
export * from './trainer.ts';
export * from './safetensors.ts';
export { patchWasmKernels } from '../nn/wasm-kernels.ts';
export { fourierFeatures, fourierFeaturesRef, fourierFeatureWidth, fourierFrequencies, fourierOmegas } from '../lightfield/fourier.ts';
export { decoderDims, RAY_DIM } from '../lightfield/decoder.ts';
export { encoderDims, patchify, VIEW_CHANNELS } from '../encoder/encoder.ts';
export * from './widen.ts';
