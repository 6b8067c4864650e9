/**
 * Tokenizer and transformer encoder (method.md section 4): support views -> latent tokens Z.
 *
 * Shapes: B objects, S support views, H = W image side, p patch, P = (H/p)(W/p) patches per
 * view, T = S P + R tokens, D encoder width, h heads of width D/h, d decoder width.
 *
 * Token value order (documented choice): a patch token holds its 9 p^2 values in the order
 * `[py, px, channel]` (row within the patch, then column, then channel), channels
 * `[r, g, b, d_hat_x, d_hat_y, d_hat_z, m_x, m_y, m_z]`; value index `(py * p + px) * 9 + c`.
 * Patches are ordered row-major over the view (patch row, then patch column), so patch index
 * `P_i = (y / p) * (W / p) + x / p` indexes the positional embedding, shared by all views.
 *
 * Fast path on wasm: every dense layer is a 2D custom-gradient matMul; attention runs per
 * (object, head) as 2D matMuls on unstacked slices, never batched matMul or einsum.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense, dropout, gelu, layerNorm } from '../nn/layers.ts';
import { matmul } from '../nn/matmul.ts';
import type { ParamSpecs, ParamStore } from '../nn/params.ts';
import type { Rng } from '../util/rng.ts';
import { expectShape } from '../nn/shape.ts';

/** The model settings the encoder reads (`ModelConfig` of src/core/model/config.ts satisfies it). */
export interface EncoderConfig {
  imageSize: number;
  patch: number;
  encoderWidth: number;
  encoderHeads: number;
  encoderBlocks: number;
  latentTokens: number;
  decoderWidth: number;
  dropout: number;
  /** Form of the MLP's GELU (`ModelConfig.gelu`). */
  gelu: 'erf' | 'tanh';
}

/** Channels per pixel of a support view: rgb (3) + Plücker (6). */
export const VIEW_CHANNELS = 9;

export function encoderDims(c: EncoderConfig) {
  const p = c.patch;
  const side = c.imageSize / p;
  return { p, P: side * side, tokenDim: VIEW_CHANNELS * p * p, D: c.encoderWidth, heads: c.encoderHeads, dh: c.encoderWidth / c.encoderHeads, R: c.latentTokens, d: c.decoderWidth };
}

/** Declares the encoder's parameters (names: docs/checkpoint-format.md). */
export function declareEncoder(specs: ParamSpecs, c: EncoderConfig): void {
  const { P, tokenDim, D, R, d } = encoderDims(c);
  specs.linear('encoder.embed', tokenDim, D);
  specs.add('encoder.pos', [P, D], { kind: 'normal', std: 1 });
  specs.add('encoder.latents', [R, D], { kind: 'normal', std: 1 });
  for (let i = 0; i < c.encoderBlocks; i++) {
    const b = `encoder.blocks.${i}`;
    specs.layerNorm(`${b}.ln1`, D);
    specs.linear(`${b}.attn.qkv`, D, 3 * D);
    specs.linear(`${b}.attn.out`, D, D);
    specs.layerNorm(`${b}.ln2`, D);
    specs.linear(`${b}.mlp.fc1`, D, 4 * D);
    specs.linear(`${b}.mlp.fc2`, 4 * D, D);
  }
  specs.layerNorm('encoder.ln', D);
  specs.linear('encoder.out', D, d);
}

/**
 * Patch tokens of support views: rgb `[B, S, H, W, 3]`, plucker `[B, S, H, W, 6]` ->
 * `[B * S * P, 9 p^2]` (value order in the module header). Reshape/transpose only.
 */
export function patchify(rgb: tf.Tensor, plucker: tf.Tensor, p: number): tf.Tensor2D {
  const [B, S, H, W] = rgb.shape as number[] as [number, number, number, number];
  return tf.tidy(() => {
    const x = tf.concat([rgb, plucker], 4); // [B, S, H, W, 9]
    const y = tf.reshape(x, [B * S * (H / p), p, W / p, p * VIEW_CHANNELS]);
    const z = tf.transpose(y, [0, 2, 1, 3]); // [B S H/p, W/p, p(rows), p*9]
    return tf.reshape(z, [B * S * (H / p) * (W / p), p * p * VIEW_CHANNELS]) as tf.Tensor2D;
  });
}

/** Multi-head self-attention of `x [B*T, D]` (already normalised) -> `[B*T, D]` (before the out projection). */
function selfAttention(x: tf.Tensor2D, qkvP: { w: tf.Tensor; b: tf.Tensor }, B: number, T: number, heads: number, dh: number): tf.Tensor2D {
  const D = heads * dh;
  const qkv = tf.reshape(dense(x, qkvP), [B, T, 3, heads, dh]);
  // [3, B, heads, T, dh] -> 3 B heads slices of [T, dh] (column layout [q | k | v], head-major).
  const parts = tf.unstack(tf.reshape(tf.transpose(qkv, [2, 0, 3, 1, 4]), [3 * B * heads, T, dh])) as tf.Tensor2D[];
  const n = B * heads;
  const scale = 1 / Math.sqrt(dh);
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i++) {
    const q = parts[i]!;
    const k = parts[n + i]!;
    const v = parts[2 * n + i]!;
    const scores = tf.mul(matmul(q, tf.transpose(k)), scale) as tf.Tensor2D; // [T, T]
    outs.push(matmul(tf.softmax(scores) as tf.Tensor2D, v)); // [T, dh]
  }
  // [B, heads, T, dh] -> [B, T, heads, dh] -> [B*T, D]
  return tf.reshape(tf.transpose(tf.reshape(tf.stack(outs), [B, heads, T, dh]), [0, 2, 1, 3]), [B * T, D]) as tf.Tensor2D;
}

/**
 * The encoder: support rgb `[B, S, H, W, 3]` + plucker `[B, S, H, W, 6]` -> Z `[B, R, d]`.
 * `rngs` non-null (one generator per object) turns on dropout (training); each object's masks
 * come from its own generator in a fixed order.
 */
export function encodeViews(P: ParamStore, c: EncoderConfig, rgb: tf.Tensor, plucker: tf.Tensor, rngs: Rng[] | null): tf.Tensor3D {
  const { p, P: nP, D, heads, dh, R } = encoderDims(c);
  const side = c.imageSize;
  const { B, S } = expectShape(rgb, ['B', 'S', side, side, 3], 'encoder: supportRgb');
  expectShape(plucker, [B, S, side, side, 6], 'encoder: supportPlucker');
  return tf.tidy(() => {
    const T = S * nP + R;
    const tokens = dense(patchify(rgb, plucker, p), P.linear('encoder.embed')); // [B S P, D]
    const withPos = tf.reshape(tf.add(tf.reshape(tokens, [B * S, nP, D]), P.get('encoder.pos')), [B, S * nP, D]);
    const latents = tf.broadcastTo(tf.reshape(P.get('encoder.latents'), [1, R, D]), [B, R, D]);
    let x = tf.reshape(tf.concat([withPos, latents], 1), [B * T, D]) as tf.Tensor2D;
    if (rngs && rngs.length !== B) throw new Error(`encoder: ${rngs.length} dropout generators for ${B} objects`);
    const rate = rngs ? c.dropout : 0;
    for (let i = 0; i < c.encoderBlocks; i++) {
      const pre = `encoder.blocks.${i}`;
      // x += Dropout(MHA(LN(x)))
      const h1 = layerNorm(x, P.get(`${pre}.ln1.weight`), P.get(`${pre}.ln1.bias`)) as tf.Tensor2D;
      const a = dense(selfAttention(h1, P.linear(`${pre}.attn.qkv`), B, T, heads, dh), P.linear(`${pre}.attn.out`));
      x = tf.add(x, dropout(a, rate, rngs)) as tf.Tensor2D;
      // x += Dropout(MLP(LN(x))), MLP = Linear(D, 4D) -> GELU (exact erf form, or tanh for older checkpoints) -> Linear(4D, D)
      const h2 = layerNorm(x, P.get(`${pre}.ln2.weight`), P.get(`${pre}.ln2.bias`));
      const mlp = dense(gelu(dense(h2, P.linear(`${pre}.mlp.fc1`)), c.gelu), P.linear(`${pre}.mlp.fc2`));
      x = tf.add(x, dropout(mlp, rate, rngs)) as tf.Tensor2D;
    }
    // Keep the last R outputs (the latent tokens), then LayerNorm + Linear(D -> d).
    const last = tf.slice(tf.reshape(x, [B, T, D]), [0, S * nP, 0], [B, R, D]);
    const z = dense(layerNorm(last, P.get('encoder.ln.weight'), P.get('encoder.ln.bias')), P.linear('encoder.out'));
    return z as tf.Tensor3D;
  });
}
