/**
 * The locality-aware light-field decoder (method.md section 5, Eqs. 2-9) and its Table 3
 * ablations. A ray `v [6]` (Plücker) and the latent tokens `Z [R, d]` of its object give RGB.
 *
 * Shapes: B objects, N rays per object, R latent tokens, d decoder width, F Fourier width,
 * H_dec heads of width dh = d / H_dec, L bands.
 *
 * Inference-speed algebra (issue 8): everything that depends only on Z is computed once per
 * object in `prepareDecoder` and the query / output projections of the cross-attention are
 * folded into per-object matrices:
 *   scores_h = (q Wq_h + bq_h) K_h^T / sqrt(dh) = q A_h + a_h,  A_h = Wq_h K_h^T / sqrt(dh)  [d, R]
 *   W_m,l m  = sum_h P_h V_h Wo_h W_m,l + bo W_m,l              (rows of P_h sum to 1)
 * so per ray the attention costs `q [d] @ A [d, H R]` plus `P [H R] @ Vf_l [H R, d]` per band,
 * and `m` itself is never formed for the full decoder. The same folded path is used for
 * training (autodiff flows through the folds), so training and rendering compute one function.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense, type DenseParams } from '../nn/layers.ts';
import { matmul } from '../nn/matmul.ts';
import { expectShape } from '../nn/shape.ts';
import type { ParamSpecs, ParamStore } from '../nn/params.ts';
import { fourierFeaturesInto, fourierFeatureWidth, fourierFrequencies } from './fourier.ts';

/** The model settings the decoder reads (`ModelConfig` of src/core/model/config.ts satisfies it). */
export interface DecoderConfig {
  latentTokens: number;
  decoderWidth: number;
  decoderHeads: number;
  fourierWidth: number;
  sigmas: number[];
  sigmaQ: number;
  variant: 'full' | 'no-sta' | 'no-mfm' | 'ipc';
  outputBias: number;
}

/** Plücker rays: din = 6. */
export const RAY_DIM = 6;

/** Decoder widths derived from the config (style.md item 4: computed once, reported). */
export function decoderDims(c: DecoderConfig) {
  const n = fourierFrequencies(c.fourierWidth, RAY_DIM);
  return {
    d: c.decoderWidth,
    n,
    F: fourierFeatureWidth(c.fourierWidth, RAY_DIM),
    R: c.latentTokens,
    heads: c.decoderHeads,
    dh: c.decoderWidth / c.decoderHeads,
    L: c.sigmas.length,
    sta: c.variant === 'full' || c.variant === 'no-mfm',
    mfm: c.variant === 'full' || c.variant === 'no-sta',
  };
}

/** Declares the decoder's parameters (names are the checkpoint's, docs/checkpoint-format.md). */
export function declareDecoder(specs: ParamSpecs, c: DecoderConfig): void {
  const { d, F, R, L, sta, mfm } = decoderDims(c);
  specs.linear('decoder.query', F, d); // Eq. 4
  if (sta) {
    for (const p of ['q', 'k', 'v', 'out']) specs.linear(`decoder.attn.${p}`, d, d); // Eq. 5
  } else {
    // IPC weight modulation: shared factor V [R, d] (N(0, 1) like the other token tables).
    specs.add('decoder.modulation.factor', [R, d], { kind: 'normal', std: 1 });
  }
  if (mfm) {
    for (let l = 0; l < L; l++) {
      specs.linear(`decoder.bands.${l}.fourier`, F, d); // Eq. 6
      specs.linear(`decoder.bands.${l}.modulation`, d, d); // Eq. 7
      if (l > 0) specs.linear(`decoder.bands.${l}.mix`, d, d); // Eq. 8
      specs.linear(`decoder.bands.${l}.out`, d, 3, c.outputBias / L); // Eq. 9
    }
  } else {
    for (let l = 0; l < L; l++) specs.linear(`decoder.mlp.${l}`, d, d);
    specs.linear('decoder.out', d, 3, c.outputBias);
  }
}

/**
 * Per-object tensors computed from Z once (see the module header). Owns its tensors: call
 * `dispose()` when done (or create it inside a `tf.tidy`).
 */
export interface DecoderContext {
  /** B: objects. */
  readonly batch: number;
  /** Per object: query-side matrix `[d, C]` and bias `[C]` (C = H R scores with STA, else the modulation width). */
  readonly qMat: tf.Tensor2D[];
  readonly qBias: tf.Tensor1D[];
  /** STA only, per object and per output (band l, or the single m for no-mfm): `[H R, d]` and `[d]`. */
  readonly vMat: tf.Tensor2D[][];
  readonly vBias: tf.Tensor1D[][];
  dispose(): void;
}

/** Per-object folds of Z `[B, R, d]` (module header). Returned tensors are kept (not tidied). */
export function prepareDecoder(P: ParamStore, c: DecoderConfig, Z: tf.Tensor3D): DecoderContext {
  const { d, R, heads, dh, L, sta, mfm } = decoderDims(c);
  const { B } = expectShape(Z, ['B', R, d], 'decoder: Z');
  const built = tf.tidy(() => {
    const qMat: tf.Tensor2D[] = [];
    const qBias: tf.Tensor1D[] = [];
    const vMat: tf.Tensor2D[][] = [];
    const vBias: tf.Tensor1D[][] = [];
    const zs = tf.unstack(Z) as tf.Tensor2D[];
    // Weight-side pieces shared by all objects.
    const outputs: DenseParams[] = mfm
      ? Array.from({ length: L }, (_, l) => P.linear(`decoder.bands.${l}.modulation`))
      : [{ w: tf.eye(d), b: tf.zeros([d]) }]; // no-mfm: the output of this stage is m itself
    if (sta) {
      const q = P.linear('decoder.attn.q');
      const k = P.linear('decoder.attn.k');
      const v = P.linear('decoder.attn.v');
      const o = P.linear('decoder.attn.out');
      const scale = 1 / Math.sqrt(dh);
      // Wq [d, d] -> per head [d, dh]; bq -> [1, dh]; Wo [d, d] -> per head rows [dh, d].
      const wqH = tf.unstack(tf.transpose(tf.reshape(q.w, [d, heads, dh]), [1, 0, 2])) as tf.Tensor2D[];
      const bqH = tf.unstack(tf.reshape(q.b, [heads, 1, dh])) as tf.Tensor2D[];
      const woH = tf.unstack(tf.reshape(o.w, [heads, dh, d])) as tf.Tensor2D[];
      // Output projection folded with each stage's input weights: Wo_h W_out [dh, d], bo W_out + b_out [d].
      const woOut = outputs.map((op) => woH.map((w) => matmul(w, op.w as tf.Tensor2D)));
      const boOut = outputs.map((op) => tf.add(tf.reshape(matmul(tf.reshape(o.b, [1, d]) as tf.Tensor2D, op.w as tf.Tensor2D), [d]), op.b) as tf.Tensor1D);
      for (const z of zs) {
        const K = dense(z, k); // [R, d]
        const V = dense(z, v);
        const kT = tf.unstack(tf.transpose(tf.reshape(K, [R, heads, dh]), [1, 2, 0])) as tf.Tensor2D[]; // [dh, R] per head
        const vH = tf.unstack(tf.transpose(tf.reshape(V, [R, heads, dh]), [1, 0, 2])) as tf.Tensor2D[]; // [R, dh] per head
        qMat.push(tf.mul(tf.concat(wqH.map((w, h) => matmul(w, kT[h]!)), 1), scale) as tf.Tensor2D); // [d, H R]
        qBias.push(tf.reshape(tf.mul(tf.concat(bqH.map((b, h) => matmul(b, kT[h]!)), 1), scale), [heads * R]) as tf.Tensor1D);
        vMat.push(woOut.map((wo) => tf.concat(vH.map((vh, h) => matmul(vh, wo[h]!)), 0) as tf.Tensor2D)); // [H R, d]
        vBias.push(boOut);
      }
    } else {
      // IPC weight modulation: W = U^T V with U = Z, columns L2-normalised; m = W^T q, i.e. q @ W.
      const factor = P.get('decoder.modulation.factor') as tf.Tensor2D;
      for (const z of zs) {
        const W = matmul(tf.transpose(z), factor); // [d, d]
        const Wn = tf.div(W, tf.sqrt(tf.add(tf.sum(tf.square(W), 0, true), 1e-12))) as tf.Tensor2D;
        if (mfm) {
          // Fold each band's modulation weight: m W_m,l = q (Wn W_m,l).
          const parts = outputs.map((op) => matmul(Wn, op.w as tf.Tensor2D));
          qMat.push(tf.concat(parts, 1) as tf.Tensor2D); // [d, L d]
          qBias.push(tf.concat(outputs.map((op) => op.b), 0) as tf.Tensor1D);
        } else {
          qMat.push(Wn);
          qBias.push(tf.zeros([d]) as tf.Tensor1D);
        }
      }
    }
    return { qMat, qBias, vMat, vBias };
  });
  const all = [...built.qMat, ...built.qBias, ...built.vMat.flat(), ...new Set(built.vBias.flat())];
  return {
    batch: B,
    ...built,
    dispose: () => { for (const t of all) t.dispose(); },
  };
}

/** Fourier features (Eq. 2) of rays `[M, 6]` as a tensor `[M, F]`, computed in TypeScript. */
function gammaTensor(rays: Float32Array, M: number, sigma: number, n: number): tf.Tensor2D {
  const F = 2 * RAY_DIM * n;
  return tf.tensor2d(fourierFeaturesInto(rays, M, RAY_DIM, sigma, n, new Float32Array(M * F)), [M, F]);
}

/**
 * Decodes rays `[B, N, 6]` against a prepared context (B objects) -> rgb `[B, N, 3]`.
 * Pure in its tensors; intermediates are tidied. `inference: true` (no gradient needed) uses
 * fused matMul + bias + ReLU kernels; training uses the custom-gradient 2D path.
 */
export function decodeRays(P: ParamStore, c: DecoderConfig, ctx: DecoderContext, rays: tf.Tensor3D, opts: { inference?: boolean } = {}): tf.Tensor3D {
  const { d, n, R, heads, L, sta, mfm } = decoderDims(c);
  const { N } = expectShape(rays, [ctx.batch, 'N', RAY_DIM], 'decoder: rays');
  const B = ctx.batch;
  const fused = opts.inference === true;
  /** x @ W + b, optionally ReLU: fused kernel at inference, fast-gradient path in training. */
  const lin = (x: tf.Tensor, p: DenseParams, relu = false): tf.Tensor2D => {
    if (fused) return tf.fused.matMul({ a: x as tf.Tensor2D, b: p.w as tf.Tensor2D, bias: p.b, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
    const y = dense(x, p);
    return (relu ? tf.relu(y) : y) as tf.Tensor2D;
  };
  const rayValues = rays.dataSync() as Float32Array;
  return tf.tidy(() => {
    // Eq. 4: q = ReLU(W_q gamma_{sigma_q}(v) + b_q), for all rays of all objects at once.
    const q = lin(gammaTensor(rayValues, B * N, c.sigmaQ, n), P.linear('decoder.query'), true);
    const qs = B === 1 ? [q] : (tf.unstack(tf.reshape(q, [B, N, d])) as tf.Tensor2D[]);
    // Per object: the modulation stage's outputs u_s (one per band with MFM, else m).
    const stages = mfm ? L : 1;
    const perStage: tf.Tensor2D[][] = Array.from({ length: stages }, () => []);
    for (let b = 0; b < B; b++) {
      const s = lin(qs[b]!, { w: ctx.qMat[b]!, b: ctx.qBias[b]! });
      if (sta) {
        // Eq. 5: softmax over the R tokens, per head.
        const p = tf.reshape(tf.softmax(tf.reshape(s, [N, heads, R])), [N, heads * R]) as tf.Tensor2D;
        for (let st = 0; st < stages; st++) perStage[st]!.push(lin(p, { w: ctx.vMat[b]![st]!, b: ctx.vBias[b]![st]! }));
      } else if (mfm) {
        for (let st = 0; st < stages; st++) perStage[st]!.push(tf.slice(s, [0, st * d], [N, d]) as tf.Tensor2D);
      } else {
        perStage[0]!.push(s);
      }
    }
    const u = perStage.map((xs) => (xs.length === 1 ? xs[0]! : (tf.concat(xs, 0) as tf.Tensor2D))); // [B N, d] each
    let y: tf.Tensor;
    if (mfm) {
      let h: tf.Tensor | null = null;
      let acc: tf.Tensor | null = null;
      for (let l = 0; l < L; l++) {
        // Eq. 6: hF_l = ReLU(W_F,l gamma_{sigma_l}(v) + b_F,l); Eq. 7: m_l = ReLU(hF_l + W_m,l m + b_m,l).
        const hF = lin(gammaTensor(rayValues, B * N, c.sigmas[l]!, n), P.linear(`decoder.bands.${l}.fourier`), true);
        const ml = tf.relu(tf.add(hF, u[l]!));
        // Eq. 8: h_1 = m_1, h_l = ReLU(W_l (m_l + h_{l-1}) + b_l).
        h = h === null ? ml : lin(tf.add(ml, h), P.linear(`decoder.bands.${l}.mix`), true);
        // Eq. 9: y = sum_l f_out,l(h_l), no output activation.
        const yl = lin(h, P.linear(`decoder.bands.${l}.out`));
        acc = acc === null ? yl : tf.add(acc, yl);
      }
      y = acc!;
    } else {
      // no-mfm / ipc: h = ReLU(m), then L x ReLU(Linear d -> d), one output head.
      let h: tf.Tensor = tf.relu(u[0]!);
      for (let l = 0; l < L; l++) h = lin(h, P.linear(`decoder.mlp.${l}`), true);
      y = lin(h, P.linear('decoder.out'));
    }
    return tf.reshape(y, [B, N, 3]) as tf.Tensor3D;
  });
}
