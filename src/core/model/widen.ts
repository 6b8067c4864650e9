/**
 * Function-preserving widening of the light-field decoder (`lfkit train --init CKPT --set
 * model.decoderWidth=W`): a trained model of decoder width d becomes one of width W > d that
 * computes exactly the same colours, so a wider decoder can start from a trained one instead
 * of from scratch (issue 9: the missing legs were traced to decoder width and training time).
 *
 * Old feature i (head h = floor(i / dh), offset j) moves to h * dh' + j, so every attention
 * head keeps its old features in the first dh of its dh' slots. Each new unit gets fresh
 * incoming weights (PyTorch's U(+-1/sqrt(in)), seeded) and zero outgoing weights, so it changes
 * nothing until training moves those weights (their gradients are not zero: the new units'
 * activations are). In detail, for weights `[in, out]`:
 *   - `encoder.out`, `decoder.query`, `decoder.bands.l.fourier` (inputs unchanged): old columns
 *     kept, new columns fresh;
 *   - `decoder.attn.k`, `.v`, `.out`, `decoder.bands.l.modulation`, `.mix`, `decoder.mlp.l`:
 *     old x old kept, new rows x old columns 0, new columns fresh;
 *   - `decoder.attn.q`: old x old multiplied by sqrt(dh'/dh) (the score scale 1/sqrt(dh) becomes
 *     1/sqrt(dh')), everything else 0, so the new key features add nothing to the scores;
 *   - `decoder.bands.l.out`, `decoder.out`: new rows 0.
 * Adam moments follow their weights (new entries 0; the scaled block's m / s and v / s^2);
 * the update count is kept. The variants with the IPC modulation (no-sta, ipc) normalise the
 * columns of Z^T V, which no zero padding preserves: widening them is refused.
 *
 * More latent tokens (`--set model.latentTokens=R'`, R' a multiple of R; issue 9: the paper has
 * 256, the `cpu` preset 64): `encoder.latents [R, D]` grows to `[R', D]`, row j >= R a copy of
 * row j mod R plus N(0, noise^2) (so that the copies can drift apart; noise 0.02, against
 * entries of about unit size); their Adam moments are copied with them. Nothing else has R in
 * its shape. This is function-preserving only in the decoder: its softmax over c identical
 * tokens gives each 1/c of the weight one token had, so c copies of Z compute the same colours.
 * In the encoder the latent tokens attend to each other and the patches attend to them, so c
 * copies weigh c times as much there: the widened model starts close to, not at, the old one
 * (measure it on val before training: `lfkit eval`).
 */
import { Rng } from '../util/rng.ts';
import type { ModelConfig } from './config.ts';

export interface Tensor32 { shape: number[]; data: Float32Array }

/** Why a widening cannot be done, naming the config field. */
export class WidenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WidenError';
  }
}

type Rule = 'cols' | 'grow' | 'query' | 'rows';

/** The widening rule of a parameter name (module header), or null for an unchanged one. */
function ruleOf(name: string): Rule | null {
  const base = name.replace(/\.(weight|bias)$/, '');
  if (base === 'encoder.out' || base === 'decoder.query' || /^decoder\.bands\.\d+\.fourier$/.test(base)) return 'cols';
  if (base === 'decoder.attn.q') return 'query';
  if (/^decoder\.attn\.(k|v|out)$/.test(base) || /^decoder\.bands\.\d+\.(modulation|mix)$/.test(base) || /^decoder\.mlp\.\d+$/.test(base)) return 'grow';
  if (/^decoder\.bands\.\d+\.out$/.test(base) || base === 'decoder.out') return 'rows';
  if (name.startsWith('decoder.')) throw new WidenError(`cannot widen parameter '${name}'`);
  return null;
}

/** Checks that `from` can be widened to `to` (only model.decoderWidth and model.latentTokens grow); returns both widths and token counts. */
export function checkWidening(from: ModelConfig, to: ModelConfig): { d: number; w: number; r: number; rNew: number } {
  for (const k of Object.keys(from) as (keyof ModelConfig)[]) {
    // The GELU form may change too: the weights are the same, and a tanh-trained encoder runs
    // almost unchanged with the exact form (latent tokens move by about 3e-3).
    if (k === 'decoderWidth' || k === 'latentTokens' || k === 'gelu') continue;
    if (JSON.stringify(from[k]) !== JSON.stringify(to[k])) {
      throw new WidenError(`model.${k}: ${JSON.stringify(from[k])} in the checkpoint vs ${JSON.stringify(to[k])}; only model.decoderWidth, model.latentTokens and model.gelu can change when starting from a checkpoint`);
    }
  }
  const d = from.decoderWidth;
  const w = to.decoderWidth;
  const r = from.latentTokens;
  const rNew = to.latentTokens;
  if (w < d) throw new WidenError(`model.decoderWidth: ${w} is narrower than the checkpoint's ${d}; a decoder can only be widened`);
  if (rNew < r || rNew % r !== 0) throw new WidenError(`model.latentTokens: ${rNew} is not a multiple of the checkpoint's ${r}; latent tokens can only be multiplied (each copied R'/R times)`);
  if (from.variant !== 'full' && from.variant !== 'no-mfm' && (w !== d || rNew !== r)) {
    const field = w !== d ? 'decoderWidth' : 'latentTokens';
    throw new WidenError(`model.${field}: variant '${from.variant}' cannot be widened (its IPC modulation normalises columns of Z^T V); only full and no-mfm can`);
  }
  if (w % from.decoderHeads !== 0) throw new WidenError(`model.decoderWidth: ${w} is not a multiple of model.decoderHeads (${from.decoderHeads})`);
  return { d, w, r, rNew };
}

/** Where each of the d old features goes in the width-w layout (head-major, module header). */
export function widenIndex(d: number, w: number, heads: number): Int32Array {
  const dh = d / heads;
  const dhNew = w / heads;
  const out = new Int32Array(d);
  for (let i = 0; i < d; i++) out[i] = Math.floor(i / dh) * dhNew + (i % dh);
  return out;
}

interface Plan {
  d: number;
  w: number;
  index: Int32Array;
  /** true at the w-layout positions that hold an old feature. */
  isOld: Uint8Array;
  /** sqrt(dh' / dh): the query projection's factor. */
  scale: number;
  /** latent tokens before and after. */
  r: number;
  rNew: number;
}

function planOf(from: ModelConfig, to: ModelConfig): Plan {
  const { d, w, r, rNew } = checkWidening(from, to);
  const index = widenIndex(d, w, from.decoderHeads);
  const isOld = new Uint8Array(w);
  for (const j of index) isOld[j] = 1;
  return { d, w, index, isOld, scale: Math.sqrt(w / d), r, rNew };
}

/**
 * One tensor in the wider layout. `fresh` draws a new entry (null: 0); `oldScale` multiplies
 * the old values of the query projection (its factor s, or the moments' 1/s and 1/s^2).
 */
function widenTensor(name: string, t: Tensor32, plan: Plan, rule: Rule, fresh: (() => number) | null, oldScale: number): Tensor32 {
  const { d, w, index, isOld } = plan;
  const draw = () => (fresh ? fresh() : 0);
  if (name.endsWith('.bias')) {
    if (rule === 'rows') return { shape: [...t.shape], data: Float32Array.from(t.data) };
    const out = new Float32Array(w);
    for (let j = 0; j < w; j++) if (!isOld[j]) out[j] = rule === 'query' ? 0 : draw();
    for (let i = 0; i < d; i++) out[index[i]!] = t.data[i]! * (rule === 'query' ? oldScale : 1);
    return { shape: [w], data: out };
  }
  const [rows, cols] = t.shape as [number, number];
  const newRows = rule === 'cols' ? rows : w;
  const newCols = rule === 'rows' ? cols : w;
  const out = new Float32Array(newRows * newCols);
  const rowOf = (r: number) => (rule === 'cols' ? r : index[r]!);
  const colOf = (c: number) => (rule === 'rows' ? c : index[c]!);
  // fresh columns (every row) for 'cols' and 'grow'; 'query' and 'rows' leave zeros
  if (rule === 'cols' || rule === 'grow') {
    for (let r = 0; r < newRows; r++) for (let c = 0; c < newCols; c++) if (!isOld[c]) out[r * newCols + c] = draw();
  }
  for (let r = 0; r < rows; r++) {
    const nr = rowOf(r);
    for (let c = 0; c < cols; c++) out[nr * newCols + colOf(c)] = t.data[r * cols + c]! * (rule === 'query' ? oldScale : 1);
  }
  return { shape: [newRows, newCols], data: out };
}

/** Standard deviation of the noise added to copied latent tokens (module header). */
export const TOKEN_COPY_NOISE = 0.02;

/** `[R, D]` -> `[R', D]`: row j a copy of row j mod R, plus noise from `noise()` for j >= R. */
function growTokens(t: Tensor32, rNew: number, noise: () => number): Tensor32 {
  const [r, D] = t.shape as [number, number];
  const out = new Float32Array(rNew * D);
  for (let j = 0; j < rNew; j++) {
    const src = (j % r) * D;
    for (let c = 0; c < D; c++) out[j * D + c] = t.data[src + c]! + (j >= r ? noise() : 0);
  }
  return { shape: [rNew, D], data: out };
}

/**
 * Widens a model's weights from `from` to `to` (module header): a wider decoder and / or more
 * latent tokens. Parameters neither touches are returned unchanged (same arrays). Pure apart
 * from the seeded draws; `tokenNoise` is the copies' noise (0: exact copies).
 */
export function widenWeights(from: ModelConfig, to: ModelConfig, weights: Map<string, Tensor32>, seed: number, tokenNoise = TOKEN_COPY_NOISE): Map<string, Tensor32> {
  const plan = planOf(from, to);
  const { r, rNew } = plan;
  if (plan.w === plan.d && r === rNew) return new Map(weights);
  const rng = new Rng(seed);
  const tokenRng = new Rng(seed ^ 0x5bd1e995);
  const out = new Map<string, Tensor32>();
  // names sorted so that the draws do not depend on the map's order
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name)!;
    if (name === 'encoder.latents') {
      out.set(name, rNew === r ? t : growTokens(t, rNew, () => tokenRng.normal(0, tokenNoise)));
      continue;
    }
    const rule = plan.w === plan.d ? null : ruleOf(name);
    if (rule === null) {
      out.set(name, t);
      continue;
    }
    // a bias draws with its weight's bound: 1/sqrt(in) of that layer
    const weightShape = weights.get(name.replace(/\.bias$/, '.weight'))?.shape;
    const bound = 1 / Math.sqrt(rule === 'cols' ? weightShape![0]! : plan.w);
    const fresh = () => (rng.next() * 2 - 1) * bound;
    out.set(name, widenTensor(name, t, plan, rule, fresh, plan.scale));
  }
  return out;
}

/**
 * Widens Adam state (`adam.m.<param>`, `adam.v.<param>`, `adam.t`) to match `widenWeights`:
 * new entries 0; the query block's m / s and v / s^2 (its gradients scale by 1/s); copied
 * latent tokens copy their moments.
 */
export function widenOptimizerState(from: ModelConfig, to: ModelConfig, state: Map<string, Float32Array>, shapes: Map<string, number[]>): Map<string, Float32Array> {
  const plan = planOf(from, to);
  const { r, rNew } = plan;
  if (plan.w === plan.d && r === rNew) return new Map(state);
  const out = new Map<string, Float32Array>();
  for (const [key, data] of state) {
    const m = /^adam\.([mv])\.(.+)$/.exec(key);
    if (!m) {
      out.set(key, data);
      continue;
    }
    const name = m[2]!;
    if (name === 'encoder.latents') {
      const shape = shapes.get(name) ?? [r, data.length / r];
      out.set(key, rNew === r ? data : growTokens({ shape, data }, rNew, () => 0).data);
      continue;
    }
    const rule = plan.w === plan.d ? null : ruleOf(name);
    const shape = shapes.get(name);
    if (rule === null || !shape) {
      out.set(key, data);
      continue;
    }
    const s = m[1] === 'm' ? 1 / plan.scale : 1 / (plan.scale * plan.scale);
    out.set(key, widenTensor(name, { shape, data }, plan, rule, null, rule === 'query' ? s : 1).data);
  }
  return out;
}
