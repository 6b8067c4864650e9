import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
