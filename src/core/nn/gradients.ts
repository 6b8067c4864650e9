/**
 * Gradient functions for the core ops the model differentiates through.
 *
 * Why this file exists: tfjs-core ships its gradients only as an ESM side-effect module
 * (`dist/register_all_gradients.js`, extensionless imports that Node cannot load) that the
 * umbrella `@tensorflow/tfjs` package pulls in; we depend on tfjs-core alone (tfjs-node users
 * may have the umbrella's registrations already: those win, we only fill gaps). The formulas
 * follow tfjs-core's own `src/gradients/*_grad.ts`. The matrix product has its own custom
 * gradient (`matmul.ts`); gather, einsum and conv are deliberately absent (no wasm kernels).
 */
import * as tf from '@tensorflow/tfjs-core';

type G = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: Record<string, unknown>) => Record<string, () => tf.Tensor> | (() => tf.Tensor)[];

/** Sums `dy` over the axes along which `shape` was broadcast to `outShape`, then reshapes. */
function unbroadcast(dy: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  if (!axes.length) return tf.reshape(dy, shape);
  // Common case (a bias or LayerNorm gain broadcast over leading axes): sum the leading axes
  // as a ones-vector matMul; a leading-axis reduction on wasm transposes first and is slow.
  const lead = outShape.length - shape.length + axes.filter((a) => a >= outShape.length - shape.length).length;
  const leadingOnly = axes.length === lead && axes.every((a, i) => a === i);
  if (leadingOnly && dy.rank >= 2) {
    const A = outShape.slice(0, lead).reduce((x, y) => x * y, 1);
    const C = dy.size / A;
    return tf.reshape(tf.matMul(tf.ones([1, A]), tf.reshape(dy, [A, C])), shape);
  }
  return tf.reshape(tf.sum(dy, axes), shape);
}

function binary(f: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => [tf.Tensor | null, tf.Tensor | null]): G {
  return (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    return {
      a: () => unbroadcast(f(dy as tf.Tensor, a, b)[0]!, a.shape, out),
      b: () => unbroadcast(f(dy as tf.Tensor, a, b)[1]!, b.shape, out),
    };
  };
}

function reduceGrad(mean: boolean): G {
  return (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const expanded = x.shape.slice();
    for (const a of axes) expanded[a] = 1;
    const n = axes.reduce((acc, a) => acc * x.shape[a]!, 1);
    return { x: () => {
      const r = tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.ones(x.shape));
      return mean ? tf.div(r, n) : r;
    } };
  };
}

const GRADS: { kernelName: string; inputsToSave?: string[]; outputsToSave?: boolean[]; saveAllInputs?: boolean; gradFunc: G }[] = [
  { kernelName: 'Add', inputsToSave: ['a', 'b'], gradFunc: binary((dy) => [dy, dy]) },
  { kernelName: 'Sub', inputsToSave: ['a', 'b'], gradFunc: binary((dy) => [dy, tf.neg(dy)]) },
  { kernelName: 'Multiply', inputsToSave: ['a', 'b'], gradFunc: binary((dy, a, b) => [tf.mul(dy, b), tf.mul(dy, a)]) },
  { kernelName: 'RealDiv', inputsToSave: ['a', 'b'], gradFunc: binary((dy, a, b) => [tf.div(dy, b), tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))]) },
  {
    kernelName: 'SquaredDifference', inputsToSave: ['a', 'b'],
    gradFunc: binary((dy, a, b) => { const t = tf.mul(tf.mul(dy, tf.sub(a, b)), 2); return [t, tf.neg(t)]; }),
  },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, (saved[0] as tf.Tensor).shape) }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _s, attrs) => {
      const perm = attrs.perm as number[];
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => { inv[p] = i; });
      return { x: () => tf.transpose(dy as tf.Tensor, inv) };
    },
  },
  {
    kernelName: 'Concat', saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0]!.shape)[0]!;
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]!), axis);
      return parts.map((t) => () => t);
    },
  },
  { kernelName: 'Pack', saveAllInputs: true, gradFunc: (dy, _s, attrs) => tf.unstack(dy as tf.Tensor, attrs.axis as number).map((t) => () => t) },
  // With one output the engine passes dy as a tensor, not a list.
  { kernelName: 'Unpack', gradFunc: (dy, _s, attrs) => ({ value: () => tf.stack(Array.isArray(dy) ? dy : [dy], attrs.axis as number) }) },
  {
    kernelName: 'Slice', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo, attrs.begin as number[], attrs.size as number[]);
      return { x: () => tf.pad(dy as tf.Tensor, x.shape.map((s, i) => [begin[i]!, s - begin[i]! - size[i]!] as [number, number])) };
    },
  },
  {
    kernelName: 'Softmax', outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0]!;
      const dyY = tf.mul(dy as tf.Tensor, y);
      return { logits: () => tf.sub(dyY, tf.mul(tf.sum(dyY, [attrs.dim as number], true), y)) };
    },
  },
  { kernelName: 'Mean', inputsToSave: ['x'], gradFunc: reduceGrad(true) },
  { kernelName: 'Sum', inputsToSave: ['x'], gradFunc: reduceGrad(false) },
  { kernelName: 'Square', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(s[0]!, 2)) }) },
  { kernelName: 'Sqrt', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(s[0]!), 2)) }) },
  { kernelName: 'Rsqrt', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.neg(tf.div(dy as tf.Tensor, tf.mul(tf.pow(s[0]!, 1.5), 2))) }) },
  { kernelName: 'Erf', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.exp(tf.neg(tf.square(s[0]!))), 2 / Math.sqrt(Math.PI))) }) },
  { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(s[0]!)) }) },
  {
    kernelName: 'BroadcastTo',
    gradFunc: (dy, _s, attrs) => {
      const inShape = attrs.inputShape as number[];
      const outShape = attrs.shape as number[];
      const axes: number[] = [];
      const off = outShape.length - inShape.length;
      for (let i = 0; i < outShape.length; i++) if ((i < off ? 1 : inShape[i - off]!) !== outShape[i]) axes.push(i);
      return { x: () => tf.reshape(tf.sum(dy as tf.Tensor, axes, true), inShape) };
    },
  },
  // Not used by the model itself; registered so that callers (e.g. test-time optimisation of Z,
  // losses on clamped colours) can differentiate common ops too.
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, s[0]!) }) },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.div(dy as tf.Tensor, s[0]!) }) },
  { kernelName: 'Sigmoid', outputsToSave: [true], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(s[0]!, tf.sub(1, s[0]!))) }) },
  { kernelName: 'Tanh', outputsToSave: [true], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(s[0]!))) }) },
  { kernelName: 'Abs', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sign(s[0]!)) }) },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  {
    kernelName: 'ClipByValue', inputsToSave: ['x'],
    gradFunc: (dy, s, attrs) => {
      const x = s[0]!;
      const inside = tf.logicalAnd(tf.greaterEqual(x, attrs.clipValueMin as number), tf.lessEqual(x, attrs.clipValueMax as number));
      return { x: () => tf.where(inside, dy as tf.Tensor, tf.zerosLike(dy as tf.Tensor)) };
    },
  },
  {
    kernelName: 'Maximum', inputsToSave: ['a', 'b'],
    gradFunc: binary((dy, a, b) => { const m = tf.cast(tf.greaterEqual(a, b), 'float32'); return [tf.mul(dy, m), tf.mul(dy, tf.sub(1, m))]; }),
  },
  {
    kernelName: 'Minimum', inputsToSave: ['a', 'b'],
    gradFunc: binary((dy, a, b) => { const m = tf.cast(tf.lessEqual(a, b), 'float32'); return [tf.mul(dy, m), tf.mul(dy, tf.sub(1, m))]; }),
  },
  {
    // tf.broadcastTo runs the Tile kernel. Tiled output index = k * s + j for copy k: view dy as
    // [reps_0, s_0, reps_1, s_1, ...] and sum over the copy axes.
    kernelName: 'Tile', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const reps = attrs.reps as number[];
      const inter: number[] = [];
      reps.forEach((r, i) => inter.push(r, x.shape[i]!));
      const axes = reps.map((_, i) => 2 * i);
      return { x: () => tf.reshape(tf.sum(tf.reshape(dy as tf.Tensor, inter), axes), x.shape) };
    },
  },
];

let registered = false;

/** Registers every gradient above that no one has registered yet. Idempotent. */
export function registerGradients(): void {
  if (registered) return;
  for (const g of GRADS) {
    if (tf.getGradient(g.kernelName) == null) tf.registerGradient(g as unknown as tf.GradConfig);
  }
  registered = true;
}

registerGradients();
