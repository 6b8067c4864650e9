/**
 * Every rule of `validateConfig` at its boundary: for each field, values just inside the allowed
 * range pass and values just outside fail with the one line that names the field. Plus the
 * learning-rate schedule at its breakpoints and `configDiff`.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SUPPORT, configDiff, learningRate, resolveConfig, validateConfig, type LfkitConfig } from '../src/core/model/config.ts';

const base = (): LfkitConfig => JSON.parse(JSON.stringify(resolveConfig('cpu'))) as LfkitConfig;

/** `base()` with `section.field = value`, plus optional extra settings. */
function withField(path: string, value: unknown, extra: Record<string, unknown> = {}): LfkitConfig {
  const c = base() as unknown as Record<string, Record<string, unknown>>;
  for (const [p, v] of Object.entries({ ...extra, [path]: value })) {
    const [s, f] = p.split('.') as [string, string];
    c[s]![f] = v;
  }
  return c as unknown as LfkitConfig;
}

type Case = [path: string, good: unknown[], bad: unknown[], extra?: Record<string, unknown>];

const POS_INT_MODEL = ['imageSize', 'patch', 'encoderWidth', 'encoderHeads', 'encoderBlocks', 'latentTokens', 'decoderWidth', 'fourierWidth', 'decoderHeads'];

const CASES: Case[] = [
  ...POS_INT_MODEL.map((f): Case => [`model.${f}`, [], [0, -2, 2.5, '8', null]]),
  ['model.imageSize', [64, 32], [60, 68]],
  ['model.encoderHeads', [1, 2, 3, 4, 6], [5, 7]],
  ['model.decoderHeads', [1, 2, 4, 8], [3, 5]],
  ['model.fourierWidth', [24, 35, 36], [23, 12]],
  ['model.sigmas', [[8, 4], [8, 8], [4]], [[], [8, 0], [8, -1], [4, 8], [8, Number.NaN], 'x'], { 'model.sigmaQ': 2 }],
  ['model.sigmaQ', [4, 0.5], [0, -1, 4.5, Number.NaN], { 'model.sigmas': [8, 4] }],
  ['model.variant', ['full', 'no-sta', 'no-mfm', 'ipc'], ['', 'fulll']],
  ['model.gelu', ['erf', 'tanh'], ['relu', '']],
  ['model.dropout', [0, 0.99], [1, -0.01, Number.NaN]],
  ['model.originScale', [0.5, 1], [0, -1, Infinity]],
  ['model.outputBias', [0, -3], [Number.NaN, Infinity, '0']],
  ['train.batch', [1, 8], [0, -1, 1.5]],
  ['train.rays', [1], [0, 2.5]],
  ['train.steps', [1], [0, -3]],
  ['train.support', [[1], [1, 3, 5], [MAX_SUPPORT]], [[], [0], [MAX_SUPPORT + 1], [1.5], [3, -1], 3]],
  ['train.lr', [1e-9, 1], [0, -1e-3, Number.NaN]],
  ['train.warmupSteps', [0, 10], [-1, 1.5]],
  ['train.schedule', ['constant', 'cosine'], ['linear', '']],
  ['train.minLrRatio', [0, 1, 0.5], [-0.01, 1.01]],
  ['train.foregroundFraction', [0, 1], [-0.01, 1.01, Number.NaN]],
  ['train.foregroundEpochs', [null, 0, 3], [-1, 1.5]],
  ['train.edgeWeight', [0, 2], [-0.01, Number.NaN]],
  ['train.adamBeta1', [0, 0.9], [1, -0.1]],
  ['train.adamBeta2', [0, 0.999], [1, -0.1]],
  ['train.adamEps', [1e-12], [0, -1e-8]],
  ['train.gradClip', [null, 0.5], [0, -1, Number.NaN]],
  ['train.seed', [0, 7], [-1, 1.5]],
];

describe('validateConfig', () => {
  it('accepts the presets', () => {
    expect(() => validateConfig(base())).not.toThrow();
    expect(() => resolveConfig('paper')).not.toThrow();
  });

  for (const [path, good, bad, extra] of CASES) {
    it(`${path}: ${good.length ? `${good.map((g) => JSON.stringify(g)).join(', ')} pass; ` : ''}${bad.map((b) => JSON.stringify(b) ?? String(b)).join(', ')} fail naming it`, () => {
      for (const g of good) expect(() => validateConfig(withField(path, g, extra)), `${path} = ${JSON.stringify(g)}`).not.toThrow();
      for (const b of bad) {
        expect(() => validateConfig(withField(path, b, extra)), `${path} = ${String(b)}`).toThrow(new RegExp(`^${path.replace('.', '\\.')}: must be `));
      }
    });
  }
});

describe('learning-rate schedule', () => {
  const t = (o: Partial<LfkitConfig['train']>) => ({ ...base().train, lr: 1, warmupSteps: 10, steps: 110, minLrRatio: 0.1, schedule: 'cosine' as const, ...o });
  it('linear warm-up, then cosine from lr to lr * minLrRatio, clamped after the last step', () => {
    expect(learningRate(t({}), 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(t({}), 9)).toBeCloseTo(1, 12);
    expect(learningRate(t({}), 10)).toBeCloseTo(1, 12);
    expect(learningRate(t({}), 60)).toBeCloseTo(0.55, 12);
    expect(learningRate(t({}), 110)).toBeCloseTo(0.1, 12);
    expect(learningRate(t({}), 500)).toBeCloseTo(0.1, 12);
    expect(learningRate(t({ schedule: 'constant' }), 9)).toBeCloseTo(1, 12);
    expect(learningRate(t({ schedule: 'constant' }), 60)).toBe(1);
    expect(learningRate(t({ warmupSteps: 0 }), 0)).toBe(1);
    // a schedule as long as its warm-up: the cosine spans one step
    expect(learningRate(t({ steps: 10 }), 10)).toBe(1);
    expect(learningRate(t({ steps: 10 }), 11)).toBeCloseTo(0.1, 12);
  });
});

it('configDiff names the first model field that differs, or null', () => {
  const a = base(), b = base();
  expect(configDiff(a, b)).toBeNull();
  b.model.decoderWidth = 256;
  b.model.sigmas = [4];
  expect(configDiff(a, b)).toBe('model.decoderWidth: 128 vs 256');
  b.model.decoderWidth = 128;
  expect(configDiff(a, b)).toBe('model.sigmas: [8,4] vs [4]');
  b.model.sigmas = [8, 4];
  b.train.lr = 9;
  expect(configDiff(a, b)).toBeNull();
});
