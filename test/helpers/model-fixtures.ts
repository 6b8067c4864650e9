/** Tiny model configs and seeded batches for the model tests (fast on any backend). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { nativeBlasStatus, patchWasmMatMulNative, unpatchWasmMatMulNative } from '../../src/node/native/blas.ts';
import { resolveConfig, type LfkitConfig, type Batch, patchWasmKernels } from '../../src/core/model/index.ts';
import { Rng } from '../../src/core/util/rng.ts';

/** image 16, p 4 (P = 16), D 16, 2 heads, 2 blocks, R 8, d 16, dF 24 (n = 2, F = 24), 2 decoder heads. */
export function tinyConfig(overrides: Record<string, string | number | boolean | number[]> = {}): Readonly<LfkitConfig> {
  return resolveConfig('cpu', {
    'model.imageSize': 16, 'model.patch': 4, 'model.encoderWidth': 16, 'model.encoderHeads': 2,
    'model.encoderBlocks': 2, 'model.latentTokens': 8, 'model.decoderWidth': 16, 'model.fourierWidth': 24,
    'train.batch': 2, 'train.rays': 32, 'train.warmupSteps': 0, 'train.lr': 3e-3, 'train.schedule': 'constant',
    ...overrides,
  });
}

/** Config overrides for real training runs on a tiny learnit dataset (16 px, p 8, one block, R 4, d 16). */
export const TINY_RUN = {
  'model.imageSize': 16, 'model.patch': 8, 'model.encoderWidth': 16, 'model.encoderHeads': 2, 'model.encoderBlocks': 1,
  'model.latentTokens': 4, 'model.decoderWidth': 16, 'model.fourierWidth': 24, 'model.decoderHeads': 2,
  'train.batch': 2, 'train.rays': 16, 'train.warmupSteps': 2, 'train.support': '1,2',
};

/** A seeded random batch with plausible value ranges (colours in [0, 1], unit directions). */
export function randomBatch(c: LfkitConfig, seed: number, S = 3): Batch {
  const rng = new Rng(seed);
  const B = c.train.batch, H = c.model.imageSize, K = c.train.rays;
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  return {
    B, S, H, W: H, K,
    supportRgb: fill(B * S * H * H * 3, 0, 1),
    supportPlucker: fill(B * S * H * H * 6, -1, 1),
    queryRays: fill(B * K * 6, -1, 1),
    queryRgb: fill(B * K * 3, 0, 1),
  };
}

/**
 * Activates a backend for a test: `cpu`, `wasm` (tfjs's kernels with lfkit's patches) or
 * `wasm-native` (the same with lfkit's native OpenBLAS matMul and fused GELU; fails naming the
 * cause when the addon is not built).
 */
export async function useBackend(name: 'cpu' | 'wasm' | 'wasm-native'): Promise<void> {
  await tf.setBackend(name === 'cpu' ? 'cpu' : 'wasm');
  await tf.ready();
  if (name === 'cpu') return;
  patchWasmKernels();
  if (name === 'wasm') unpatchWasmMatMulNative();
  else if (!patchWasmMatMulNative()) throw new Error(`native kernels unavailable: ${nativeBlasStatus().detail}`);
}
