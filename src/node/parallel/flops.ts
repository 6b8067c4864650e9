/**
 * Analytic FLOP counts of lfkit's model, a pure function of the config (no tensors, no Node
 * imports), for the benchmark's "share of peak" figures (issue 8).
 *
 * What is counted: the matrix products (2 FLOPs per multiply-add) of the code paths as written:
 * the encoder (method.md section 4: patch embedding, per block qkv, attention scores and
 * weighted values per head, out projection, MLP, the final projection to d) and the decoder as
 * `src/lightfield/decoder.ts` computes it, with the cross-attention folded into per-object
 * matrices (`prepareDecoder`) and the per-ray work on them. Element-wise work (LayerNorm, GELU,
 * softmax, ReLU, Fourier features, Adam) is not counted: it is small against the products and
 * not what a CPU's peak measures. A training step counts forward + backward as 3x the forward
 * products (the backward pass needs a product for the input gradient and one for the weight
 * gradient of every forward product).
 *
 * Shapes (style.md item 3): S support views, P patches per view, T = S P + R tokens, D encoder
 * width, R latent tokens, d decoder width, F Fourier width, H_dec heads, L bands, K rays.
 */
import type { ModelConfig } from '../../core/model/config.ts';

const RAY_DIM = 6;

/** Multiply-adds of the encoder's forward pass for one object with S support views. */
export function encoderMacs(c: ModelConfig, S: number): number {
  const P = (c.imageSize / c.patch) ** 2;
  const tokenDim = 9 * c.patch * c.patch;
  const D = c.encoderWidth;
  const T = S * P + c.latentTokens;
  const embed = S * P * tokenDim * D;
  // qkv 3TD^2 + out TD^2 + MLP 8TD^2 + attention (scores and weighted values) 2T^2 D
  const block = 12 * T * D * D + 2 * T * T * D;
  return embed + c.encoderBlocks * block + c.latentTokens * D * c.decoderWidth;
}

function decoderWidths(c: ModelConfig) {
  const n = Math.floor(c.fourierWidth / (2 * RAY_DIM));
  return {
    d: c.decoderWidth, F: 2 * RAY_DIM * n, R: c.latentTokens, L: c.sigmas.length,
    sta: c.variant === 'full' || c.variant === 'no-mfm', mfm: c.variant === 'full' || c.variant === 'no-sta',
  };
}

/**
 * Multiply-adds of `prepareDecoder` for B objects: the weight-only folds (once per call) plus,
 * per object, K and V, the folded query matrix `[d, H R]` and the value matrices `[H R, d]`.
 */
export function decoderPrepareMacs(c: ModelConfig, B = 1): number {
  const { d, R, L, sta, mfm } = decoderWidths(c);
  const stages = mfm ? L : 1;
  if (sta) {
    const once = stages * (d * d * d + d * d); // Wo_h W_out per head (sum over heads: d^3) and bo W_out
    const perObject = 2 * R * d * d + d * d * R + stages * R * d * d; // K, V; Wq_h K_h^T; V_h (Wo_h W_out)
    return once + B * perObject;
  }
  // IPC: W = Z^T V [d, d] per object, folded with each band's modulation weight
  return B * (R * d * d + (mfm ? L * d * d * d : 0));
}

/** Multiply-adds per ray of the decoder given a prepared context (the render path). */
export function decoderMacsPerRay(c: ModelConfig): number {
  const { d, F, R, L, sta, mfm } = decoderWidths(c);
  const heads = c.decoderHeads;
  const stages = mfm ? L : 1;
  let m = F * d; // query: gamma_q(v) @ W_q
  if (sta) m += d * heads * R + stages * heads * R * d; // scores q A, then P @ Vf per stage
  else m += d * (mfm ? L * d : d); // q @ W (folded)
  if (mfm) m += L * F * d + (L - 1) * d * d + L * d * 3; // Fourier branches, mixes, output heads
  else m += L * d * d + d * 3;
  return m;
}

/** FLOPs to decode one ray given Z (2 per multiply-add). */
export function flopsPerRay(c: ModelConfig): number {
  return 2 * decoderMacsPerRay(c);
}

/** FLOPs of one novel view of `pixels` rays of one object: encoder + prepare + decoder. */
export function flopsPerView(c: ModelConfig, S: number, pixels: number): number {
  return 2 * (encoderMacs(c, S) + decoderPrepareMacs(c, 1) + pixels * decoderMacsPerRay(c));
}

/** FLOPs of one training step: B objects, S support views, K query rays each; forward + backward = 3x forward. */
export function flopsPerTrainStep(c: ModelConfig, shape: { B: number; S: number; K: number }): number {
  const forward = shape.B * encoderMacs(c, shape.S) + decoderPrepareMacs(c, shape.B) + shape.B * shape.K * decoderMacsPerRay(c);
  return 3 * 2 * forward;
}

/** This machine's fp32 peak: cores x 32 FLOP/cycle (two 8-wide FMA units) x clock. */
export function peakFlops(cores: number, clockMHz: number): number {
  return cores * 32 * clockMHz * 1e6;
}
