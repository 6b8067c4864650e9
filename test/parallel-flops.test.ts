import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/core/model/index.ts';
import { decoderMacsPerRay, decoderPrepareMacs, encoderMacs, flopsPerRay, flopsPerTrainStep, flopsPerView, peakFlops } from '../src/node/parallel/flops.ts';

// image 16, patch 8 (P = 4 patches of 9 * 64 = 576 values), D 4, 1 block, R 2, d 4, F 24 (n = 2), 2 heads, L 2
const c = resolveConfig('cpu', {
  'model.imageSize': 16, 'model.patch': 8, 'model.encoderWidth': 4, 'model.encoderHeads': 2, 'model.encoderBlocks': 1,
  'model.latentTokens': 2, 'model.decoderWidth': 4, 'model.fourierWidth': 24, 'model.decoderHeads': 2,
}).model;

describe('analytic FLOP counts', () => {
  it('encoder of one object with S = 1, counted by hand', () => {
    // T = 4 + 2 = 6 tokens. embed [4, 576] x [576, 4] = 9216; qkv [6,4]x[4,12] = 288; out [6,4]x[4,4] = 96;
    // fc1 [6,4]x[4,16] = 384; fc2 [6,16]x[16,4] = 384; attention per head (dh 2): scores [6,2]x[2,6] = 72,
    // values [6,6]x[6,2] = 72, 2 heads = 288; final [2,4]x[4,4] = 32.
    expect(encoderMacs(c, 1)).toBe(9216 + 288 + 96 + 384 + 384 + 288 + 32);
  });

  it('decoder per ray and its per-object folds, counted by hand', () => {
    // query [24]x[24,4] = 96; scores [4]x[4, 2*2] = 16; per band P [4] x [4, 4] = 16, 2 bands = 32;
    // Fourier branches 2 x 96 = 192; one mix [4]x[4,4] = 16; two output heads [4]x[4,3] = 24.
    expect(decoderMacsPerRay(c)).toBe(96 + 16 + 32 + 192 + 16 + 24);
    expect(flopsPerRay(c)).toBe(2 * 376);
    // once: per band Wo_h W_out (2 heads x [2,4]x[4,4] = 64) + bo W_out 16 -> 2 x 80;
    // per object: K, V 2 x [2,4]x[4,4] = 64; Wq_h K_h^T 2 x [4,2]x[2,2] = 32; V_h (Wo W) 2 bands x 2 heads x [2,2]x[2,4] = 64.
    expect(decoderPrepareMacs(c, 1)).toBe(160 + 160);
    expect(decoderPrepareMacs(c, 3)).toBe(160 + 3 * 160);
  });

  it('a training step is 3x the forward products; a view adds the pixels', () => {
    const forward = 2 * encoderMacs(c, 1) + decoderPrepareMacs(c, 2) + 2 * 3 * 376;
    expect(flopsPerTrainStep(c, { B: 2, S: 1, K: 3 })).toBe(6 * forward);
    expect(flopsPerTrainStep(c, { B: 2, S: 1, K: 3 })).toBe(144672);
    expect(flopsPerView(c, 1, 10)).toBe(2 * (10688 + 320 + 10 * 376));
    expect(peakFlops(2, 2000)).toBe(128e9);
  });

  it('the cpu preset: about 31 GFLOP per step and 225 kFLOP per ray', () => {
    const cpu = resolveConfig('cpu').model;
    expect(flopsPerTrainStep(cpu, { B: 8, S: 3, K: 512 }) / 1e9).toBeCloseTo(30.71, 1);
    expect(flopsPerRay(cpu)).toBe(224768);
  });
});
