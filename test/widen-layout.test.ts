/**
 * Widening a checkpoint (`src/core/model/widen.ts`) on hand-made tensors: where every old value
 * lands in the wider layout for each rule (columns, grown blocks, the query block, rows), what
 * the new entries hold, copied latent tokens, the optimiser moments, and each refusal.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ModelConfig } from '../src/core/model/config.ts';
import { checkWidening, widenIndex, widenOptimizerState, widenWeights, type Tensor32 } from '../src/core/model/widen.ts';

const cfg = (o: Record<string, string | number> = {}): ModelConfig => resolveConfig('cpu', { 'model.decoderWidth': 4, 'model.decoderHeads': 2, 'model.latentTokens': 2, ...o }).model;
const seq = (n: number, start = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => start + i);
const T = (shape: number[], start = 1): Tensor32 => ({ shape, data: seq(shape.reduce((a, b) => a * b, 1), start) });

describe('widening layout', () => {
  const from = cfg(), to = cfg({ 'model.decoderWidth': 8 });
  const idx = [0, 1, 4, 5]; // widenIndex(4, 8, 2): head-major, each head's 2 features first of 4
  const isOld = (j: number) => idx.includes(j);

  it('maps features head by head', () => {
    expect(Array.from(widenIndex(4, 8, 2))).toEqual(idx);
    expect(Array.from(widenIndex(6, 12, 3))).toEqual([0, 1, 4, 5, 8, 9]);
    expect(Array.from(widenIndex(4, 4, 2))).toEqual([0, 1, 2, 3]);
  });

  it('each rule places the old values and fills the new entries as documented', () => {
    const w = new Map<string, Tensor32>([
      ['decoder.query.weight', T([3, 4])], ['decoder.query.bias', T([4], 100)],
      ['decoder.attn.q.weight', T([4, 4])], ['decoder.attn.q.bias', T([4], 200)],
      ['decoder.attn.k.weight', T([4, 4])], ['decoder.attn.k.bias', T([4], 300)],
      ['decoder.bands.0.out.weight', T([4, 3])], ['decoder.bands.0.out.bias', T([3], 400)],
      ['encoder.out.weight', T([5, 4])],
      ['encoder.blocks.0.ln1.weight', T([6])],
    ]);
    const out = widenWeights(from, to, w, 7);
    expect(out.get('encoder.blocks.0.ln1.weight')).toBe(w.get('encoder.blocks.0.ln1.weight')); // untouched: the same object
    const s = Math.sqrt(2);

    // 'cols' (decoder.query, encoder.out): rows kept, old columns moved, new columns drawn within 1/sqrt(in)
    const q = out.get('decoder.query.weight')!;
    expect(q.shape).toEqual([3, 8]);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 8; c++) {
        const v = q.data[r * 8 + c]!;
        if (isOld(c)) expect(v).toBe(w.get('decoder.query.weight')!.data[r * 4 + idx.indexOf(c)]);
        else { expect(v).not.toBe(0); expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(3)); }
      }
    }
    const qb = out.get('decoder.query.bias')!;
    expect(idx.map((j) => qb.data[j])).toEqual([100, 101, 102, 103]);
    for (let j = 0; j < 8; j++) if (!isOld(j)) expect(Math.abs(qb.data[j]!)).toBeLessThanOrEqual(1 / Math.sqrt(3));
    expect(out.get('encoder.out.weight')!.shape).toEqual([5, 8]);

    // 'query' (decoder.attn.q): old block scaled by sqrt(w / d), every new entry 0
    const aq = out.get('decoder.attn.q.weight')!;
    expect(aq.shape).toEqual([8, 8]);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const want = isOld(r) && isOld(c) ? w.get('decoder.attn.q.weight')!.data[idx.indexOf(r) * 4 + idx.indexOf(c)]! * s : 0;
        expect(aq.data[r * 8 + c]).toBeCloseTo(want, 5);
      }
    }
    const aqb = out.get('decoder.attn.q.bias')!;
    for (let j = 0; j < 8; j++) expect(aqb.data[j]).toBeCloseTo(isOld(j) ? (200 + idx.indexOf(j)) * s : 0, 4);

    // 'grow' (decoder.attn.k): old block moved; new columns drawn (every row); new rows of old columns 0
    const k = out.get('decoder.attn.k.weight')!;
    expect(k.shape).toEqual([8, 8]);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const v = k.data[r * 8 + c]!;
        if (isOld(r) && isOld(c)) expect(v).toBe(w.get('decoder.attn.k.weight')!.data[idx.indexOf(r) * 4 + idx.indexOf(c)]);
        else if (isOld(c)) expect(v).toBe(0);
        else { expect(v).not.toBe(0); expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(8)); }
      }
    }

    // 'rows' (decoder.bands.l.out): old rows moved, new rows 0, bias unchanged
    const o = out.get('decoder.bands.0.out.weight')!;
    expect(o.shape).toEqual([8, 3]);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 3; c++) expect(o.data[r * 3 + c]).toBe(isOld(r) ? w.get('decoder.bands.0.out.weight')!.data[idx.indexOf(r) * 3 + c] : 0);
    }
    expect(Array.from(out.get('decoder.bands.0.out.bias')!.data)).toEqual([400, 401, 402]);

    // the draws are seeded and do not depend on the map's order
    const again = widenWeights(from, to, new Map([...w].reverse()), 7);
    for (const [n, t] of out) expect(Array.from(again.get(n)!.data)).toEqual(Array.from(t.data));
  });

  it('copies latent tokens (row j from row j mod R) with or without noise', () => {
    const lat = new Map([['encoder.latents', T([2, 3])]]);
    const exact = widenWeights(cfg(), cfg({ 'model.latentTokens': 6 }), lat, 1, 0).get('encoder.latents')!;
    expect(exact.shape).toEqual([6, 3]);
    expect(Array.from(exact.data)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    const noisy = widenWeights(cfg(), cfg({ 'model.latentTokens': 4 }), lat, 1).get('encoder.latents')!;
    expect(Array.from(noisy.data.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 6; i < 12; i++) {
      expect(noisy.data[i]).not.toBe(lat.get('encoder.latents')!.data[i - 6]);
      expect(Math.abs(noisy.data[i]! - lat.get('encoder.latents')!.data[i - 6]!)).toBeLessThan(0.2);
    }
    // nothing to widen: the same tensors
    const same = widenWeights(cfg(), cfg(), lat, 1);
    expect(same.get('encoder.latents')).toBe(lat.get('encoder.latents'));
  });

  it('widens the optimiser moments: query m / s and v / s^2, new entries 0, token moments copied exactly', () => {
    const from2 = cfg({ 'model.latentTokens': 2 }), to2 = cfg({ 'model.decoderWidth': 8, 'model.latentTokens': 4 });
    const state = new Map<string, Float32Array>([
      ['adam.t', new Float32Array([12])],
      ['adam.m.decoder.attn.q.bias', seq(4)], ['adam.v.decoder.attn.q.bias', seq(4)],
      ['adam.m.decoder.attn.k.bias', seq(4)],
      ['adam.m.encoder.latents', seq(6)],
      ['adam.m.decoder.attn.v.bias', seq(2)],
    ]);
    const shapes = new Map<string, number[]>([['decoder.attn.q.bias', [4]], ['decoder.attn.k.bias', [4]], ['encoder.latents', [2, 3]]]);
    const out = widenOptimizerState(from2, to2, state, shapes);
    expect(Array.from(out.get('adam.t')!)).toEqual([12]);
    const m = out.get('adam.m.decoder.attn.q.bias')!, v = out.get('adam.v.decoder.attn.q.bias')!;
    for (let j = 0; j < 8; j++) {
      expect(m[j]).toBeCloseTo(isOld(j) ? (1 + idx.indexOf(j)) / Math.sqrt(2) : 0, 5);
      expect(v[j]).toBeCloseTo(isOld(j) ? (1 + idx.indexOf(j)) / 2 : 0, 5);
    }
    expect(Array.from(out.get('adam.m.decoder.attn.k.bias')!)).toEqual([1, 2, 0, 0, 3, 4, 0, 0]);
    expect(Array.from(out.get('adam.m.encoder.latents')!)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(out.get('adam.m.decoder.attn.v.bias')).toBe(state.get('adam.m.decoder.attn.v.bias')); // no shape known: unchanged
    // tokens only, shape unknown: inferred as [R, data / R]
    const tok = widenOptimizerState(from2, cfg({ 'model.latentTokens': 4 }), new Map([['adam.v.encoder.latents', seq(6)]]), new Map());
    expect(Array.from(tok.get('adam.v.encoder.latents')!)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(widenOptimizerState(from2, from2, state, shapes).get('adam.m.encoder.latents')).toBe(state.get('adam.m.encoder.latents'));
  });

  it('refuses what cannot be widened, naming the field', () => {
    expect(() => widenWeights(from, to, new Map([['decoder.foo.weight', T([4, 4])]]), 1)).toThrow("cannot widen parameter 'decoder.foo.weight'");
    expect(() => checkWidening(cfg({ 'model.decoderWidth': 8 }), cfg())).toThrow('model.decoderWidth: 4 is narrower than the checkpoint\'s 8');
    expect(() => checkWidening(cfg({ 'model.latentTokens': 4 }), cfg({ 'model.latentTokens': 2 }))).toThrow('model.latentTokens: 2 is not a multiple');
    expect(() => checkWidening(cfg(), cfg({ 'model.latentTokens': 3 }))).toThrow('model.latentTokens: 3 is not a multiple of the checkpoint\'s 2');
    expect(() => checkWidening(cfg({ 'model.variant': 'ipc' }), cfg({ 'model.variant': 'ipc', 'model.decoderWidth': 8 }))).toThrow("model.decoderWidth: variant 'ipc' cannot be widened");
    expect(() => checkWidening(cfg({ 'model.variant': 'no-sta' }), cfg({ 'model.variant': 'no-sta', 'model.latentTokens': 4 }))).toThrow("model.latentTokens: variant 'no-sta' cannot be widened");
    expect(checkWidening(cfg({ 'model.variant': 'ipc' }), cfg({ 'model.variant': 'ipc' }))).toEqual({ d: 4, w: 4, r: 2, rNew: 2 });
    expect(checkWidening(cfg({ 'model.variant': 'no-mfm' }), cfg({ 'model.variant': 'no-mfm', 'model.decoderWidth': 8 }))).toEqual({ d: 4, w: 8, r: 2, rNew: 2 });
    expect(() => checkWidening(cfg(), cfg({ 'model.decoderWidth': 6, 'model.decoderHeads': 3 }))).toThrow('model.decoderHeads: 2 in the checkpoint vs 3');
    expect(() => checkWidening(cfg({ 'model.decoderHeads': 4 }), { ...cfg({ 'model.decoderHeads': 4 }), decoderWidth: 6 })).toThrow('model.decoderWidth: 6 is not a multiple of model.decoderHeads (4)');
    expect(checkWidening(cfg({ 'model.gelu': 'tanh' }), cfg({ 'model.gelu': 'erf' }))).toEqual({ d: 4, w: 4, r: 2, rNew: 2 });
  });
});
