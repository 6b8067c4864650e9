import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, configDiff, configFromJson, countParameters, learningRate, resolveConfig } from '../src/core/model/index.ts';

describe('config', () => {
  it('new configs use the exact GELU; a config written without model.gelu loads with the tanh form it was trained with', () => {
    expect(resolveConfig('cpu').model.gelu).toBe('erf');
    const written = JSON.parse(JSON.stringify(resolveConfig('cpu')));
    delete written.model.gelu;
    expect(configFromJson(written).model.gelu).toBe('tanh');
    expect(configFromJson({ ...written, model: { ...written.model, gelu: 'erf' } }).model.gelu).toBe('erf');
    expect(() => resolveConfig('cpu', { 'model.gelu': 'relu' })).toThrow(/model.gelu: must be one of erf, tanh/);
  });

  it('counts parameters exactly as method.md section 6 says', () => {
    expect(countParameters(resolveConfig('paper').model)).toBe(44_218_374);
    expect(countParameters(resolveConfig('cpu').model)).toBe(2_102_726);
  });

  it('resolves presets as overrides of DEFAULTS and freezes them', () => {
    const c = resolveConfig('cpu');
    expect(c.model.encoderWidth).toBe(192);
    expect(c.model.sigmas).toEqual([8, 4]);
    expect(c.train.batch).toBe(8);
    expect(c.train.rays).toBe(512);
    expect(resolveConfig('paper').model.encoderWidth).toBe(DEFAULTS.model.encoderWidth);
    expect(Object.isFrozen(c.model)).toBe(true);
    expect(() => { (c.model as { patch: number }).patch = 4; }).toThrow();
  });

  it('parses dotted overrides from strings', () => {
    const c = resolveConfig('cpu', { 'model.sigmas': '16,4', 'train.lr': '3e-4', 'model.variant': 'ipc', 'train.gradClip': 'none', 'train.support': '1,2,3' });
    expect(c.model.sigmas).toEqual([16, 4]);
    expect(c.train.lr).toBe(3e-4);
    expect(c.model.variant).toBe('ipc');
    expect(c.train.gradClip).toBeNull();
    expect(c.train.support).toEqual([1, 2, 3]);
  });

  it('names the field and the allowed values on bad input', () => {
    expect(() => resolveConfig('cpu', { 'model.variant': 'nope' })).toThrow(/model\.variant.*full, no-sta, no-mfm, ipc/);
    expect(() => resolveConfig('cpu', { 'model.patch': 7 })).toThrow(/model\.imageSize.*multiple of model\.patch/);
    expect(() => resolveConfig('cpu', { 'train.lr': 'fast' })).toThrow(/train\.lr/);
    expect(() => resolveConfig('cpu', { 'model.nope': 1 })).toThrow(/unknown config key 'model\.nope'/);
    expect(() => resolveConfig('huge')).toThrow(/preset.*paper, cpu/);
    expect(() => resolveConfig('cpu', { 'model.sigmas': '4,8' })).toThrow(ConfigError);
  });

  it('reports the first mismatching model field', () => {
    expect(configDiff(resolveConfig('cpu'), resolveConfig('cpu'))).toBeNull();
    expect(configDiff(resolveConfig('cpu'), resolveConfig('paper'))).toMatch(/^model\.imageSize: 64 vs 128/);
    expect(configDiff(resolveConfig('cpu'), resolveConfig('cpu', { 'model.variant': 'ipc' }))).toMatch(/^model\.variant/);
  });

  it('computes the learning-rate schedule by hand', () => {
    const t = { ...resolveConfig('cpu').train, lr: 1, warmupSteps: 10, steps: 110, minLrRatio: 0.1, schedule: 'cosine' as const };
    expect(learningRate(t, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(t, 9)).toBeCloseTo(1, 12);
    expect(learningRate(t, 10)).toBeCloseTo(1, 12);
    expect(learningRate(t, 60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // half-way: cos(pi/2) = 0
    expect(learningRate(t, 110)).toBeCloseTo(0.1, 12);
    expect(learningRate(t, 500)).toBeCloseTo(0.1, 12);
    expect(learningRate({ ...t, schedule: 'constant' }, 80)).toBe(1);
  });
});
