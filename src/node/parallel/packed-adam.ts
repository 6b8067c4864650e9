/**
 * Adam over one packed Float32Array of every parameter: the same update as `src/nn/adam.ts`
 * (global-norm clipping, bias corrections folded into the step size and eps), in one plain
 * loop instead of ~8 tfjs ops per parameter tensor. The data-parallel engine runs it on the
 * main thread between steps, where it is serial work on the critical path; the packed weights
 * it updates are also the buffer broadcast to the workers (no read-back from the backend).
 *
 * Its state converts to and from the `Trainer`'s optimiser state (`adam.m.<name>`,
 * `adam.v.<name>`, `adam.t`), so checkpoints keep the documented format and a run can resume
 * on any number of threads.
 */
import type { AdamOptions } from '../../core/nn/adam.ts';
import { pack, unpack, type PackLayout } from './split.ts';

/** The element-wise update (a monomorphic function of plain arguments, so V8 optimises the loop). */
function adamLoop(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, scale: number, b1: number, b2: number, epsHat: number, stepSize: number): void {
  const a1 = 1 - b1, a2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]! * scale;
    const mi = m[i]! * b1 + gi * a1;
    const vi = v[i]! * b2 + gi * gi * a2;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (mi / (Math.sqrt(vi) + epsHat)) * stepSize;
  }
}

export class PackedAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;

  /** `params`: the packed weights (updated in place by `step`). */
  constructor(readonly layout: PackLayout, readonly params: Float32Array, private readonly opts: AdamOptions) {
    if (params.length !== layout.total) throw new Error(`PackedAdam: ${params.length} weights, layout has ${layout.total}`);
    this.m = new Float32Array(layout.total);
    this.v = new Float32Array(layout.total);
  }

  /** One update with learning rate `lr` from packed `grads`; returns the global gradient norm before clipping. */
  step(grads: Float32Array, lr: number): number {
    if (grads.length !== this.params.length) throw new Error(`PackedAdam: ${grads.length} gradients for ${this.params.length} weights`);
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, gradClip } = this.opts;
    let sq = 0;
    for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
    const norm = Math.sqrt(sq);
    const scale = gradClip != null && norm > gradClip ? gradClip / (norm + 1e-12) : 1;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const epsHat = eps * Math.sqrt(c2);
    adamLoop(this.params, this.m, this.v, grads, scale, b1, b2, epsHat, stepSize);
    return norm;
  }

  /** The state in the Trainer's format (`adam.m.<name>`, `adam.v.<name>`, `adam.t`). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [n, a] of unpack(this.layout, this.m)) out.set(`adam.m.${n}`, a.slice());
    for (const [n, a] of unpack(this.layout, this.v)) out.set(`adam.v.${n}`, a.slice());
    out.set('adam.t', new Float32Array([this.t]));
    return out;
  }

  /** Loads a state in the Trainer's format (errors name the missing or mis-sized entry). */
  setState(state: Map<string, Float32Array>): void {
    const t = state.get('adam.t');
    if (!t) throw new Error('optimizer state: missing adam.t');
    pack(this.layout, (n) => state.get(`adam.m.${n}`), this.m as Float32Array<ArrayBuffer>);
    pack(this.layout, (n) => state.get(`adam.v.${n}`), this.v as Float32Array<ArrayBuffer>);
    this.t = t[0]!;
  }
}
