/**
 * Adam (Kingma & Ba), no weight decay, optional global-norm gradient clipping. Its moments are
 * plain named variables so a checkpoint can store and restore them exactly
 * (`state()` / `setState()`).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions { beta1: number; beta2: number; eps: number; gradClip: number | null }

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Number of updates applied so far (for bias correction). */
  t = 0;

  constructor(private readonly params: ReadonlyMap<string, tf.Variable>, private readonly opts: AdamOptions) {
    for (const [name, p] of params) {
      // Variables survive tidy; the zerosLike tensors do not (the data is shared, refcounted).
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /**
   * One update with learning rate `lr` from `grads` (keyed like the params). Returns the global
   * gradient norm before clipping. Disposes nothing it did not create.
   */
  apply(grads: Record<string, tf.Tensor>, lr: number): number {
    const normT = this.globalNorm(grads);
    const norm = normT.dataSync()[0]!;
    normT.dispose();
    return this.update(grads, lr, norm);
  }

  /**
   * `apply` with the gradient norm read asynchronously: the only form that works on backends
   * without synchronous reads (webgpu in Node). Same update.
   */
  async applyAsync(grads: Record<string, tf.Tensor>, lr: number): Promise<number> {
    const normT = this.globalNorm(grads);
    const norm = (await normT.data())[0]!;
    normT.dispose();
    return this.update(grads, lr, norm);
  }

  /** Reads every moment to the host (`data()`), so that `state()` needs no synchronous GPU read. */
  async prefetch(): Promise<void> {
    await Promise.all([...this.m.values(), ...this.v.values()].map((x) => x.data()));
  }

  private globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
    return tf.tidy(() => tf.sqrt(tf.addN([...this.params.keys()].map((n) => tf.sum(tf.square(grads[n]!))))) as tf.Scalar);
  }

  private update(grads: Record<string, tf.Tensor>, lr: number, norm: number): number {
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, gradClip } = this.opts;
    const names = [...this.params.keys()];
    const scale = gradClip != null && norm > gradClip ? gradClip / (norm + 1e-12) : 1;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const epsHat = eps * Math.sqrt(c2);
    tf.tidy(() => {
      for (const n of names) {
        const g = scale === 1 ? grads[n]! : tf.mul(grads[n]!, scale);
        const m = this.m.get(n)!;
        const v = this.v.get(n)!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        // p -= lr * mhat / (sqrt(vhat) + eps), written with the corrections folded into
        // stepSize and epsHat (the same number up to rounding).
        const p = this.params.get(n)!;
        p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat)), stepSize)));
      }
    });
    return norm;
  }

  /** Moments as plain arrays: `adam.m.<name>`, `adam.v.<name>`, plus `adam.t` ([1]). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [n, m] of this.m) out.set(`adam.m.${n}`, m.dataSync() as Float32Array);
    for (const [n, v] of this.v) out.set(`adam.v.${n}`, v.dataSync() as Float32Array);
    out.set('adam.t', new Float32Array([this.t]));
    return out;
  }

  setState(state: Map<string, Float32Array>): void {
    const t = state.get('adam.t');
    if (!t) throw new Error('optimizer state: missing adam.t');
    for (const [kind, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [n, variable] of map) {
        const vals = state.get(`adam.${kind}.${n}`);
        if (!vals) throw new Error(`optimizer state: missing adam.${kind}.${n}`);
        if (vals.length !== variable.size) throw new Error(`optimizer state: adam.${kind}.${n} has ${vals.length} values, expected ${variable.size}`);
        tf.tidy(() => variable.assign(tf.tensor(vals, variable.shape)));
      }
    }
    this.t = t[0]!;
  }

  dispose(): void {
    for (const x of this.m.values()) x.dispose();
    for (const x of this.v.values()) x.dispose();
  }
}
