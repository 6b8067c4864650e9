import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightFieldModel, Trainer, decodeSafetensors, encodeSafetensors } from '../src/core/model/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/node/runs/checkpoint.ts';
import { randomBatch, tinyConfig, useBackend } from './helpers/model-fixtures.ts';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lfkit-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors', () => {
  it('round-trips tensors and metadata with an 8-aligned header', () => {
    const bytes = encodeSafetensors({ b: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 1e-30]) }, a: { dtype: 'F32', shape: [1], data: new Float32Array([7]) } }, { k: 'v' });
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + hlen) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
    expect(header.a.data_offsets).toEqual([0, 4]); // sorted by name
    expect(header.b).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [4, 20] });
    const back = decodeSafetensors(bytes);
    expect(Array.from(back.tensors.b!.data)).toEqual([1, -2, 3.5, Math.fround(1e-30)]);
    expect(back.metadata).toEqual({ k: 'v' });
  });
});

describe('checkpoints', () => {
  it('save -> load gives bit-identical outputs and resumes training exactly', () => {
    const cfg = tinyConfig();
    const model = LightFieldModel.create(cfg.model, 60);
    const trainer = new Trainer(model, cfg.train);
    const batch = randomBatch(cfg, 61);
    trainer.step(batch, 0);
    const ck = path.join(dir, 'step-1');
    saveCheckpoint(ck, { config: cfg, model, trainer, step: 1, rng: [1, 2, 3, 4], extra: { note: 'x' } });
    expect(readdirSync(ck).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'state.json']);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);

    const loaded = loadCheckpoint(ck, cfg);
    expect(loaded.step).toBe(1);
    expect(loaded.rng).toEqual([1, 2, 3, 4]);
    expect(loaded.extra).toEqual({ note: 'x' });
    const rays = tf.tensor3d(batch.queryRays.subarray(0, 2 * 32 * 6), [2, 32, 6]);
    const rgb = tf.tensor(batch.supportRgb, [2, 3, 16, 16, 3]);
    const pl = tf.tensor(batch.supportPlucker, [2, 3, 16, 16, 6]);
    const out = (m: LightFieldModel) => tf.tidy(() => m.decode(m.encode(rgb, pl), rays)).dataSync();
    expect(Buffer.from(out(loaded.model).buffer).equals(Buffer.from(out(model).buffer))).toBe(true);

    // Resume: one more step from the checkpoint equals one more step of the original.
    const t2 = new Trainer(loaded.model, loaded.config.train);
    t2.setOptimizerState(loaded.optimizerState!);
    const a = trainer.step(batch, 1);
    const b = t2.step(batch, 1);
    expect(b.loss).toBe(a.loss);
    expect(Buffer.from(out(loaded.model).buffer).equals(Buffer.from(out(model).buffer))).toBe(true);

    // Saving again over the same folder replaces it whole.
    saveCheckpoint(ck, { config: cfg, model, step: 2 });
    expect(readdirSync(ck).sort()).toEqual(['config.json', 'model.safetensors', 'state.json']);
    expect(JSON.parse(readFileSync(path.join(ck, 'state.json'), 'utf8')).step).toBe(2);
    tf.dispose([rays, rgb, pl]);
    trainer.dispose(); t2.dispose(); model.dispose(); loaded.model.dispose();
  });

  it('a corrupt or truncated model.safetensors, or one missing a tensor, fails with one line naming the file', () => {
    const cfg = tinyConfig();
    const model = LightFieldModel.create(cfg.model, 63);
    const good = path.join(dir, 'good');
    saveCheckpoint(good, { config: cfg, model, step: 3 });
    const bytes = readFileSync(path.join(good, 'model.safetensors'));
    const variant = (name: string, weights: Uint8Array) => {
      const ck = path.join(dir, name);
      cpSync(good, ck, { recursive: true });
      writeFileSync(path.join(ck, 'model.safetensors'), weights);
      return ck;
    };
    const wfile = (ck: string) => path.join(ck, 'model.safetensors').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const fails = (ck: string, why: RegExp) => {
      let msg = '';
      try { loadCheckpoint(ck, cfg).model.dispose(); } catch (err) { msg = (err as Error).message; expect((err as Error).name).toBe('CheckpointError'); }
      expect(msg).toMatch(new RegExp(`^${wfile(ck)}: `));
      expect(msg).toMatch(why);
      expect(msg).not.toContain('\n');
    };
    // Cut inside the data: the last tensor's offsets run past the end of the file.
    fails(variant('truncated', bytes.subarray(0, bytes.length - 10)), /offsets .* do not fit/);
    // Cut inside the header, and a file shorter than the 8-byte length.
    fails(variant('truncated-header', bytes.subarray(0, 40)), /header length \d+ exceeds the file/);
    fails(variant('stub', bytes.subarray(0, 5)), /shorter than its 8-byte header length/);
    // Header bytes overwritten: not JSON.
    const garbled = Uint8Array.from(bytes);
    garbled.fill(0x7b, 8, 24);
    fails(variant('garbled', garbled), /JSON|Unexpected|Expected/);
    // A checkpoint without one tensor, and one with a tensor of the wrong shape.
    const all = decodeSafetensors(bytes).tensors;
    const { ['decoder.query.bias']: _dropped, ...rest } = all;
    fails(variant('missing', encodeSafetensors(rest)), /missing tensor 'decoder\.query\.bias'/);
    const w = all['encoder.embed.weight']!;
    const reshaped = { ...all, 'encoder.embed.weight': { ...w, shape: [w.shape[1]!, w.shape[0]!] } };
    fails(variant('reshaped', encodeSafetensors(reshaped)), /'encoder\.embed\.weight' has shape \[16,144\], expected \[144,16\]/);
    // The intact copy still loads.
    loadCheckpoint(variant('intact', bytes), cfg).model.dispose();
    model.dispose();
  });

  it('loading into a different config names the first mismatching field', () => {
    const cfg = tinyConfig();
    const model = LightFieldModel.create(cfg.model, 62);
    const ck = path.join(dir, 'mismatch');
    saveCheckpoint(ck, { config: cfg, model, step: 0 });
    expect(() => loadCheckpoint(ck, tinyConfig({ 'model.decoderWidth': 32 }))).toThrow(/model\.decoderWidth: 16 vs 32/);
    expect(() => loadCheckpoint(path.join(dir, 'nope'))).toThrow(/config\.json: not found/);
    model.dispose();
  });
});
