/**
 * The one typed configuration of lfkit's model and training (style.md item 5): a DEFAULTS
 * object (the paper's setting, method.md section 6), presets as small overrides of it, one
 * validation at the boundary whose errors name the field and its allowed values, then frozen.
 * Pure TypeScript, no Node imports.
 *
 * Learning-rate schedule of the `cpu` preset (method.md section 6 leaves it to us): linear
 * warm-up over 200 steps to a peak of 5e-4, then cosine decay to 0.1 x peak at `train.steps`.
 * Why: with batch 8 and ~3,000 CPU steps a constant 1e-4 (the paper's, at batch 32 over
 * 1000 epochs) barely moves; a 5x higher peak is the usual transformer range, the warm-up keeps
 * Adam's early steps from blowing up the encoder's attention, and the decay gives the last
 * steps small updates. Gradient clipping at global norm 1 guards the higher peak.
 */

/** Model architecture (method.md sections 4-6). */
export interface ModelConfig {
  /** H = W of the support views, in pixels; divisible by `patch`. */
  imageSize: number;
  /** p: side of a square patch token. */
  patch: number;
  /** D: encoder width. */
  encoderWidth: number;
  /** h: encoder attention heads (divides D). */
  encoderHeads: number;
  /** N_enc: pre-norm transformer blocks. */
  encoderBlocks: number;
  /** R: latent tokens. */
  latentTokens: number;
  /** d: decoder width (= latent token width). */
  decoderWidth: number;
  /** dF: nominal Fourier width; real width F = 2 * 6 * floor(dF / 12). */
  fourierWidth: number;
  /** sigma_1 >= ... >= sigma_L: bandwidths of the L modulation levels (Eq. 6). */
  sigmas: number[];
  /** sigma_q: bandwidth of the query Fourier features (Eq. 4), <= sigma_L. */
  sigmaQ: number;
  /** H_dec: decoder cross-attention heads (divides d). */
  decoderHeads: number;
  /** Table 3 ablations (method.md section 5). */
  variant: 'full' | 'no-sta' | 'no-mfm' | 'ipc';
  /**
   * Form of the encoder MLP's GELU: `erf`, the exact `x Phi(x)` (PyTorch's default, so weights
   * move between implementations unchanged), or `tanh`, the approximation that checkpoints
   * written before this field existed were trained with (they load with it).
   */
  gelu: 'erf' | 'tanh';
  /** Dropout on both residual branches of every encoder block, during training. */
  dropout: number;
  /** Factor on camera origins before the Plücker embedding (method.md section 1); applied by the data pipeline, carried here so a run records it. */
  originScale: number;
  /** Added to the output bias at initialisation so the untrained model predicts about this colour (method.md section 5; IPC adds 0.5). Init only. */
  outputBias: number;
}

export interface TrainConfig {
  /** B: objects per step. */
  batch: number;
  /** Support-view counts S drawn per batch (one per batch, uniformly), e.g. [3] or [1,2,3,4,5]. */
  support: number[];
  /** K: query rays per object. */
  rays: number;
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up steps (0 = none). */
  warmupSteps: number;
  schedule: 'constant' | 'cosine';
  /** Cosine floor as a fraction of `lr`. */
  minLrRatio: number;
  /** Total training steps (the cosine schedule ends here). */
  steps: number;
  /** Fraction of rays drawn from foreground pixels during the first `foregroundEpochs` epochs (method.md section 3). */
  foregroundFraction: number;
  /**
   * Epochs during which `foregroundFraction` applies: 1 is method.md's rule (the IPC code's first
   * epoch), null every epoch (keeps half the loss on the object once the background is learned).
   */
  foregroundEpochs: number | null;
  /**
   * Extra loss weight on rays through silhouette-edge pixels (a pixel next to one on the other
   * side of the object/background boundary): such a ray counts `1 + edgeWeight` times, the
   * weights rescaled to average 1 per object. Legs one or two pixels wide are all edge. 0 (the
   * default, the paper's plain MSE) turns it off. Not in the paper.
   */
  edgeWeight: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /** Global-norm gradient clipping, or null for none. */
  gradClip: number | null;
  seed: number;
}

export interface LfkitConfig { preset: string; model: ModelConfig; train: TrainConfig }

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object | null ? DeepPartial<T[K]> : T[K] };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The paper's setting (method.md section 6). Every preset is an override of this object. */
export const DEFAULTS: LfkitConfig = deepFreeze({
  preset: 'paper',
  model: {
    imageSize: 128, patch: 8, encoderWidth: 768, encoderHeads: 12, encoderBlocks: 6,
    latentTokens: 256, decoderWidth: 256, fourierWidth: 256, sigmas: [8, 4], sigmaQ: 2,
    decoderHeads: 2, variant: 'full', gelu: 'erf', dropout: 0.1, originScale: 1, outputBias: 0.5,
  },
  train: {
    batch: 32, support: [3], rays: 128, lr: 1e-4, warmupSteps: 0, schedule: 'constant',
    minLrRatio: 1, steps: 500_000, foregroundFraction: 0.5, foregroundEpochs: 1, edgeWeight: 0, adamBeta1: 0.9, adamBeta2: 0.999,
    adamEps: 1e-8, gradClip: null, seed: 0,
  },
});

export const PRESETS: Record<'paper' | 'cpu', DeepPartial<LfkitConfig>> = deepFreeze({
  paper: {},
  cpu: {
    model: { imageSize: 64, encoderWidth: 192, encoderHeads: 3, encoderBlocks: 4, latentTokens: 64, decoderWidth: 128, fourierWidth: 128 },
    train: { batch: 8, support: [3], rays: 512, lr: 5e-4, warmupSteps: 200, schedule: 'cosine', minLrRatio: 0.1, steps: 3000, gradClip: 1 },
  },
});

const VARIANTS = ['full', 'no-sta', 'no-mfm', 'ipc'] as const;
const SCHEDULES = ['constant', 'cosine'] as const;
const GELU_FORMS = ['erf', 'tanh'] as const;

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object') {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>, pathPrefix: string): void {
  for (const [k, v] of Object.entries(over)) {
    const where = pathPrefix ? `${pathPrefix}.${k}` : k;
    if (!(k in base)) throw new ConfigError(`unknown config key '${where}'`);
    const b = base[k];
    if (b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v)) {
      merge(b as Record<string, unknown>, v as Record<string, unknown>, where);
    } else {
      base[k] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** Numeric fields that also take null (`--set train.gradClip=null`). */
const NULLABLE = new Set(['train.gradClip', 'train.foregroundEpochs']);

/** Parses a CLI-style override value into the type of the field it replaces. */
function coerce(field: string, current: unknown, raw: string | number | boolean | number[]): unknown {
  if (Array.isArray(current)) {
    if (Array.isArray(raw)) return raw;
    const parts = String(raw).split(',').map((s) => s.trim()).filter((s) => s.length);
    const nums = parts.map(Number);
    if (!parts.length || nums.some((n) => !Number.isFinite(n))) throw new ConfigError(`${field}: expected a comma-separated list of numbers, got '${raw}'`);
    return nums;
  }
  if (typeof current === 'number' || current === null) {
    if (typeof raw === 'number') return raw;
    if (current === null || NULLABLE.has(field)) {
      if (raw === null || String(raw) === 'null' || String(raw) === 'none') return null;
    }
    const n = Number(raw);
    if (typeof raw === 'boolean' || String(raw).trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${field}: expected a number, got '${raw}'`);
    return n;
  }
  if (typeof current === 'string') return String(raw);
  return raw;
}

function check(ok: boolean, field: string, allowed: string, got: unknown): void {
  if (!ok) throw new ConfigError(`${field}: must be ${allowed}, got ${JSON.stringify(got)}`);
}

const isPosInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Validates every field once; throws ConfigError naming the field and the allowed values. */
export function validateConfig(c: LfkitConfig): void {
  const m = c.model;
  const t = c.train;
  for (const f of ['imageSize', 'patch', 'encoderWidth', 'encoderHeads', 'encoderBlocks', 'latentTokens', 'decoderWidth', 'fourierWidth', 'decoderHeads'] as const) {
    check(isPosInt(m[f]), `model.${f}`, 'a positive integer', m[f]);
  }
  check(m.imageSize % m.patch === 0, 'model.imageSize', `a multiple of model.patch (${m.patch})`, m.imageSize);
  check(m.encoderWidth % m.encoderHeads === 0, 'model.encoderHeads', `a divisor of model.encoderWidth (${m.encoderWidth})`, m.encoderHeads);
  check(m.decoderWidth % m.decoderHeads === 0, 'model.decoderHeads', `a divisor of model.decoderWidth (${m.decoderWidth})`, m.decoderHeads);
  check(Math.floor(m.fourierWidth / 12) >= 2, 'model.fourierWidth', 'at least 24 (n = floor(dF / 12) >= 2 frequencies)', m.fourierWidth);
  check(Array.isArray(m.sigmas) && m.sigmas.length >= 1 && m.sigmas.every((s) => isNum(s) && s > 0), 'model.sigmas', 'a non-empty list of positive numbers', m.sigmas);
  check(m.sigmas.every((s, i) => i === 0 || s <= m.sigmas[i - 1]!), 'model.sigmas', 'non-increasing (sigma_1 >= ... >= sigma_L)', m.sigmas);
  check(isNum(m.sigmaQ) && m.sigmaQ > 0 && m.sigmaQ <= m.sigmas[m.sigmas.length - 1]!, 'model.sigmaQ', `a positive number <= the last of model.sigmas (${m.sigmas[m.sigmas.length - 1]})`, m.sigmaQ);
  check((VARIANTS as readonly string[]).includes(m.variant), 'model.variant', `one of ${VARIANTS.join(', ')}`, m.variant);
  check((GELU_FORMS as readonly string[]).includes(m.gelu), 'model.gelu', `one of ${GELU_FORMS.join(', ')}`, m.gelu);
  check(isNum(m.dropout) && m.dropout >= 0 && m.dropout < 1, 'model.dropout', 'a number in [0, 1)', m.dropout);
  check(isNum(m.originScale) && m.originScale > 0, 'model.originScale', 'a positive number', m.originScale);
  check(isNum(m.outputBias), 'model.outputBias', 'a number', m.outputBias);
  for (const f of ['batch', 'rays', 'steps'] as const) check(isPosInt(t[f]), `train.${f}`, 'a positive integer', t[f]);
  check(Array.isArray(t.support) && t.support.length >= 1 && t.support.every((s) => isPosInt(s) && s <= 24), 'train.support', 'a non-empty list of integers in 1..24', t.support);
  check(isNum(t.lr) && t.lr > 0, 'train.lr', 'a positive number', t.lr);
  check(Number.isInteger(t.warmupSteps) && t.warmupSteps >= 0, 'train.warmupSteps', 'an integer >= 0', t.warmupSteps);
  check((SCHEDULES as readonly string[]).includes(t.schedule), 'train.schedule', `one of ${SCHEDULES.join(', ')}`, t.schedule);
  check(isNum(t.minLrRatio) && t.minLrRatio >= 0 && t.minLrRatio <= 1, 'train.minLrRatio', 'a number in [0, 1]', t.minLrRatio);
  check(isNum(t.foregroundFraction) && t.foregroundFraction >= 0 && t.foregroundFraction <= 1, 'train.foregroundFraction', 'a number in [0, 1]', t.foregroundFraction);
  check(t.foregroundEpochs === null || (Number.isInteger(t.foregroundEpochs) && t.foregroundEpochs >= 0), 'train.foregroundEpochs', 'an integer >= 0 or null (every epoch)', t.foregroundEpochs);
  check(isNum(t.edgeWeight) && t.edgeWeight >= 0, 'train.edgeWeight', 'a number >= 0 (0 = plain MSE)', t.edgeWeight);
  check(isNum(t.adamBeta1) && t.adamBeta1 >= 0 && t.adamBeta1 < 1, 'train.adamBeta1', 'a number in [0, 1)', t.adamBeta1);
  check(isNum(t.adamBeta2) && t.adamBeta2 >= 0 && t.adamBeta2 < 1, 'train.adamBeta2', 'a number in [0, 1)', t.adamBeta2);
  check(isNum(t.adamEps) && t.adamEps > 0, 'train.adamEps', 'a positive number', t.adamEps);
  check(t.gradClip === null || (isNum(t.gradClip) && t.gradClip > 0), 'train.gradClip', 'a positive number or null', t.gradClip);
  check(Number.isInteger(t.seed) && t.seed >= 0, 'train.seed', 'an integer >= 0', t.seed);
}

/**
 * The resolved, validated, frozen config of a preset plus overrides keyed by dotted path
 * (`'train.lr': 3e-4`, `'model.variant': 'ipc'`, `'model.sigmas': '8,4'`).
 *
 * @example resolveConfig('cpu', { 'train.batch': 4 }).train.batch === 4
 */
export function resolveConfig(preset: string, overrides: Record<string, string | number | boolean | number[]> = {}): Readonly<LfkitConfig> {
  if (!(preset in PRESETS)) throw new ConfigError(`preset: must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(preset)}`);
  const c = clone(DEFAULTS) as LfkitConfig;
  merge(c as unknown as Record<string, unknown>, clone(PRESETS[preset as 'paper' | 'cpu']) as Record<string, unknown>, '');
  c.preset = preset;
  for (const [key, raw] of Object.entries(overrides)) {
    const parts = key.split('.');
    if (parts.length !== 2 || (parts[0] !== 'model' && parts[0] !== 'train')) throw new ConfigError(`unknown config key '${key}' (expected model.<field> or train.<field>)`);
    const section = c[parts[0] as 'model' | 'train'] as unknown as Record<string, unknown>;
    if (!(parts[1]! in section)) throw new ConfigError(`unknown config key '${key}'`);
    section[parts[1]!] = coerce(key, section[parts[1]!], raw);
  }
  validateConfig(c);
  return deepFreeze(c);
}

/** Validates a config read from disk (a run's config.json) and freezes it. */
export function configFromJson(value: unknown, what = 'config'): Readonly<LfkitConfig> {
  if (!value || typeof value !== 'object') throw new ConfigError(`${what}: not an object`);
  const v = value as Partial<LfkitConfig>;
  const c = clone(DEFAULTS) as LfkitConfig;
  // Start from DEFAULTS so a config written by an older lfkit (missing a newer field) loads;
  // a config without `model.gelu` predates the exact form and was trained with tanh.
  if (v.model && typeof v.model === 'object' && !('gelu' in v.model)) c.model.gelu = 'tanh';
  merge(c as unknown as Record<string, unknown>, clone(v) as Record<string, unknown>, '');
  validateConfig(c);
  return deepFreeze(c);
}

/** The first model field where `a` and `b` differ (`'model.decoderWidth: 128 vs 256'`), or null. */
export function configDiff(a: LfkitConfig, b: LfkitConfig): string | null {
  for (const k of Object.keys(a.model) as (keyof ModelConfig)[]) {
    const x = JSON.stringify(a.model[k]);
    const y = JSON.stringify(b.model[k]);
    if (x !== y) return `model.${k}: ${x} vs ${y}`;
  }
  return null;
}

/**
 * Learning rate at `step` (0-based): linear warm-up `lr (step + 1) / warmupSteps`, then
 * constant or cosine from `lr` down to `lr * minLrRatio` at `steps`. Pure.
 */
export function learningRate(train: TrainConfig, step: number): number {
  const { lr, warmupSteps, schedule, minLrRatio, steps } = train;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  if (schedule === 'constant') return lr;
  const span = Math.max(1, steps - warmupSteps);
  const t = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
