/**
 * A named parameter store: every trainable tensor of the model, under the name it has in the
 * checkpoint (docs/checkpoint-format.md). Shapes are declared first (so parameter counts are
 * known without allocating), then initialised from one seeded `Rng` in declaration order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.ts';
import type { DenseParams } from './layers.ts';

/** How a parameter is initialised (method.md section 5). */
export type Init =
  | { kind: 'uniform'; bound: number; offset?: number } // U(-bound, bound) + offset
  | { kind: 'normal'; std: number }
  | { kind: 'const'; value: number };

export interface ParamSpec { name: string; shape: number[]; init: Init }

/** Collects parameter declarations; `specs` is the ordered list. */
export class ParamSpecs {
  readonly specs: ParamSpec[] = [];
  add(name: string, shape: number[], init: Init): void {
    if (this.specs.some((s) => s.name === name)) throw new Error(`duplicate parameter ${name}`);
    this.specs.push({ name, shape, init });
  }
  /** A linear layer `in -> out` with PyTorch's default init U(+-1/sqrt(in)) for weight and bias. */
  linear(prefix: string, inDim: number, outDim: number, biasOffset = 0): void {
    const bound = 1 / Math.sqrt(inDim);
    this.add(`${prefix}.weight`, [inDim, outDim], { kind: 'uniform', bound });
    this.add(`${prefix}.bias`, [outDim], { kind: 'uniform', bound, offset: biasOffset });
  }
  layerNorm(prefix: string, dim: number): void {
    this.add(`${prefix}.weight`, [dim], { kind: 'const', value: 1 });
    this.add(`${prefix}.bias`, [dim], { kind: 'const', value: 0 });
  }
  count(): number {
    return this.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  }
}

/** Draws the initial values of one spec. */
export function initValues(spec: ParamSpec, rng: Rng): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const init = spec.init;
  if (init.kind === 'const') out.fill(init.value);
  else if (init.kind === 'normal') for (let i = 0; i < n; i++) out[i] = rng.normal(0, init.std);
  else {
    const off = init.offset ?? 0;
    for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * init.bound + off;
  }
  return out;
}

/** Read access to a model's variables by name, with dense-layer helpers. */
export class ParamStore {
  constructor(readonly vars: Map<string, tf.Variable>) {}
  static init(specs: ParamSpecs, seed: number): ParamStore {
    const rng = new Rng(seed);
    const vars = new Map<string, tf.Variable>();
    for (const s of specs.specs) {
      const t = tf.tensor(initValues(s, rng), s.shape);
      vars.set(s.name, tf.variable(t, true, `${s.name}_${uid()}`));
      t.dispose();
    }
    return new ParamStore(vars);
  }
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  }
  has(name: string): boolean { return this.vars.has(name); }
  linear(prefix: string): DenseParams {
    return { w: this.get(`${prefix}.weight`), b: this.get(`${prefix}.bias`) };
  }
}

let counter = 0;
function uid(): number { return counter++; }
