/**
 * Faster wasm kernels for `Slice`, `Unpack` and `Transpose` (tf.slice / tf.unstack / tf.transpose).
 *
 * Why: the stock tfjs-backend-wasm 4.22 `Slice` copies the WHOLE input out of the wasm heap
 * (`backend.readSync`) before copying the slice, so taking 24 per-head [256, 64] slices of a
 * [6144, 64] tensor costs ~30 ms instead of ~0.3 ms; `Unpack` calls that same slice once per
 * output. Attention here is per head in 2D matMuls (the fast path on wasm), which needs many
 * such slices, so we re-register both kernels with versions that read through heap views.
 * The stock `Transpose` is slower still (measured on this machine: 24-37 ms for a 2048 x 768
 * or 2048 x 192 matrix, 400 ms for the [B, T, 3, h, dh] -> [3, B, h, T, dh] attention
 * transpose); the gradients of every dense layer transpose their inputs, so ours canonicalises
 * the permutation (drops size-1 axes, merges axes that stay adjacent), copies contiguous runs
 * with `set`, and transposes plain 2D blocks in 32 x 32 tiles.
 *
 *
 * Correctness guard for `BatchMatMul` / `_FusedMatMul`: the wasm backend caches XNNPACK's
 * packed copy of the right operand `b` by its data id, ignoring its shape, and `tf.reshape`
 * shares the data id. So `matMul(a, x)` followed by `matMul(a2, reshape(x, other))` silently
 * reuses the first packing (wrong numbers) or reads out of bounds (a crash in `free`);
 * reproduced on tfjs-backend-wasm 4.22. The wrapper remembers the shape each data id was first
 * used with as `b`; a later use with another shape gets a fresh copy (new id, no stale cache).
 *
 * Backend-agnostic code: imports only tfjs-core and touches the backend duck-typed, so the
 * browser viewer can call it too. Idempotent; a no-op when the wasm backend is not registered.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): { dataId: object; shape: number[]; dtype: string };
  typedArrayFromHeap(t: { dataId: object; shape: number[]; dtype: string }): Float32Array | Int32Array | Uint8Array;
}
type Info = { dataId: object; shape: number[]; dtype: string };

let patched = false;

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** Copies the box `begin + [0, size)` of `src` (shape `shape`) into `dst` (row-major). */
function copyBox(src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: number[], begin: number[], size: number[], dst: { set(a: ArrayLike<number>, o: number): void }): void {
  const rank = shape.length;
  const st = strides(shape);
  // Merge the trailing run of full dimensions into one contiguous copy.
  let inner = 1;
  let d = rank - 1;
  while (d >= 0 && begin[d] === 0 && size[d] === shape[d]) { inner *= shape[d]!; d--; }
  if (d < 0) { dst.set(src.subarray(0, inner), 0); return; }
  inner *= size[d]!;
  const outer = size.slice(0, d);
  const nOuter = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(d).fill(0);
  let o = 0;
  for (let k = 0; k < nOuter; k++) {
    let off = begin[d]! * st[d]!;
    for (let j = 0; j < d; j++) off += (begin[j]! + idx[j]!) * st[j]!;
    dst.set(src.subarray(off, off + inner), o);
    o += inner;
    for (let j = d - 1; j >= 0; j--) { if (++idx[j]! < outer[j]!) break; idx[j] = 0; }
  }
}

function sliceKernel(args: { inputs: { x: Info }; attrs: { begin: number | number[]; size: number | number[] }; backend: unknown }): Info {
  const { x } = args.inputs;
  const backend = args.backend as WasmBackendLike;
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo, args.attrs.begin, args.attrs.size);
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((s) => s === 0)) return out;
  // Views are taken after every allocation (a heap growth detaches older views).
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  copyBox(src, x.shape, begin, size, dst);
  return out;
}

function unpackKernel(args: { inputs: { value: Info }; attrs: { axis: number }; backend: unknown }): Info[] {
  const { value } = args.inputs;
  const backend = args.backend as WasmBackendLike;
  let axis = args.attrs.axis;
  if (axis < 0) axis += value.shape.length;
  const n = value.shape[axis]!;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const outs: Info[] = [];
  for (let i = 0; i < n; i++) outs.push(backend.makeOutput(outShape, value.dtype));
  const src = backend.typedArrayFromHeap(value);
  const size = value.shape.slice();
  size[axis] = 1;
  const begin = new Array<number>(value.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    begin[axis] = i;
    copyBox(src, value.shape, begin, size, backend.typedArrayFromHeap(outs[i]!));
  }
  return outs.map((o) => ({ dataId: o.dataId, dtype: o.dtype, shape: outShape }));
}

/** [M, N] -> [N, M] in 32 x 32 tiles (monomorphic float32 copy for the JIT). */
function transpose2dF32(src: Float32Array, dst: Float32Array, M: number, N: number): void {
  const TB = 32;
  for (let i0 = 0; i0 < M; i0 += TB) {
    const i1 = Math.min(M, i0 + TB);
    for (let j0 = 0; j0 < N; j0 += TB) {
      const j1 = Math.min(N, j0 + TB);
      for (let i = i0; i < i1; i++) {
        const row = i * N;
        for (let j = j0; j < j1; j++) dst[j * M + i] = src[row + j]!;
      }
    }
  }
}

function transpose2dAny(src: Float32Array | Int32Array | Uint8Array, dst: Float32Array | Int32Array | Uint8Array, M: number, N: number): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) dst[j * M + i] = src[i * N + j]!;
}

/**
 * Transposes `src` (shape `shape`) by `perm` into `dst`. Pure typed-array code, exported for
 * its unit test.
 */
export function transposeInto(src: Float32Array | Int32Array | Uint8Array, shape: number[], perm: number[], dst: Float32Array | Int32Array | Uint8Array): void {
  // Canonicalise: drop size-1 axes, then merge input axes that stay adjacent and in order.
  const keep = perm.filter((a) => shape[a]! !== 1);
  const kept = [...keep].sort((a, b) => a - b);
  const rank = kept.map((a) => kept.indexOf(a));
  let p = keep.map((a) => rank[kept.indexOf(a)]!); // permutation over kept axes
  let sh = kept.map((a) => shape[a]!);
  // merge: output axis i, i+1 with p[i+1] = p[i] + 1
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i + 1 < p.length; i++) {
      if (p[i + 1] === p[i]! + 1) {
        const a = p[i]!;
        sh = sh.map((v, j) => (j === a ? v * sh[a + 1]! : v)).filter((_, j) => j !== a + 1);
        p = p.filter((_, j) => j !== i + 1).map((v) => (v > a ? v - 1 : v));
        merged = true;
        break;
      }
    }
  }
  const n = sh.reduce((x, y) => x * y, 1);
  if (p.length <= 1) { dst.set(src.subarray(0, n)); return; }
  const st = strides(sh);
  if (p.length === 2) {
    if (src instanceof Float32Array && dst instanceof Float32Array) transpose2dF32(src, dst, sh[0]!, sh[1]!);
    else transpose2dAny(src, dst, sh[0]!, sh[1]!);
    return;
  }
  const outShape = p.map((a) => sh[a]!);
  const inStride = p.map((a) => st[a]!); // input stride of each output axis
  const r = p.length;
  const last = outShape[r - 1]!;
  const lastStride = inStride[r - 1]!;
  const outer = n / last;
  const idx = new Array<number>(r - 1).fill(0);
  let o = 0;
  for (let k = 0; k < outer; k++) {
    let off = 0;
    for (let j = 0; j < r - 1; j++) off += idx[j]! * inStride[j]!;
    if (lastStride === 1) {
      dst.set(src.subarray(off, off + last), o);
      o += last;
    } else {
      for (let t = 0; t < last; t++) dst[o++] = src[off + t * lastStride]!;
    }
    for (let j = r - 2; j >= 0; j--) { if (++idx[j]! < outShape[j]!) break; idx[j] = 0; }
  }
}

function transposeKernel(args: { inputs: { x: Info }; attrs: { perm: number[] }; backend: unknown }): Info {
  const { x } = args.inputs;
  const backend = args.backend as WasmBackendLike;
  const perm = args.attrs.perm;
  const out = backend.makeOutput(perm.map((a) => x.shape[a]!), x.dtype);
  if (x.shape.some((s) => s === 0)) return out;
  transposeInto(backend.typedArrayFromHeap(x), x.shape, perm, backend.typedArrayFromHeap(out));
  return out;
}

interface KernelArgs { inputs: Record<string, Info>; attrs: Record<string, unknown>; backend: unknown }

/** The shape each data id was first used with as a matMul `b` (one map: both kernels share XNNPACK's cache). */
const seen = new WeakMap<object, string>();

/** Wraps a matMul kernel so that `b` never reaches the wasm weight cache under a stale shape. */
function guardMatMul(name: string): void {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) return;
  const kernelFunc = (args: KernelArgs): Info => {
    const bias = args.inputs.bias;
    if (bias) {
      // _FusedMatMul checks the rank of the bias's *stored* data, which for a reshaped tensor
      // is the original shape: give it a rank-1 copy.
      const be = args.backend as WasmBackendLike & { dataIdMap: { get(id: object): { shape: number[] } }; disposeData(id: object): void };
      if (be.dataIdMap.get(bias.dataId).shape.length !== 1) {
        const copy = be.makeOutput([bias.shape.reduce((x, y) => x * y, 1)], bias.dtype);
        be.typedArrayFromHeap(copy).set(be.typedArrayFromHeap(bias));
        try {
          return kernelFunc({ ...args, inputs: { ...args.inputs, bias: copy } });
        } finally {
          be.disposeData(copy.dataId);
        }
      }
    }
    const b = args.inputs.b!;
    const key = `${b.shape.join('x')}${args.attrs.transposeB ? 'T' : ''}`;
    const prev = seen.get(b.dataId);
    if (prev === undefined || prev === key) {
      if (prev === undefined) seen.set(b.dataId, key);
      return (orig.kernelFunc as unknown as (a: KernelArgs) => Info)(args);
    }
    const backend = args.backend as WasmBackendLike & { disposeData(id: object): void };
    const copy = backend.makeOutput(b.shape, b.dtype);
    backend.typedArrayFromHeap(copy).set(backend.typedArrayFromHeap(b));
    seen.set(copy.dataId, key);
    try {
      return (orig.kernelFunc as unknown as (a: KernelArgs) => Info)({ ...args, inputs: { ...args.inputs, b: copy } });
    } finally {
      backend.disposeData(copy.dataId);
    }
  };
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...orig, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/**
 * Identity without a copy: share the data and bump its refcount, as the wasm `Reshape` and the
 * cpu backend's `Identity` do. tfjs clones every tensor it saves for backprop (~1,500 clones per
 * `cpu`-preset training step), which the stock wasm kernel copies.
 */
function identityKernel(args: { inputs: { x: Info }; backend: unknown }): Info {
  const { x } = args.inputs;
  if (x.dtype === 'string') throw new Error('identity: string tensors are not supported by lfkit\'s wasm kernel');
  (args.backend as { incRef(id: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Re-registers `Slice`, `Unpack`, `Transpose` and `Identity`, and guards the matMul kernels for the wasm backend (see the module header). Idempotent. */
export function patchWasmKernels(): void {
  if (patched) return;
  const has = (name: string) => tf.getKernelsForBackend('wasm').some((k) => k.kernelName === name);
  if (!['Slice', 'Unpack', 'Transpose', 'Identity', 'BatchMatMul', '_FusedMatMul'].every(has)) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc: sliceKernel as unknown as tf.KernelFunc });
  tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({ kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpackKernel as unknown as tf.KernelFunc });
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({ kernelName: 'Transpose', backendName: 'wasm', kernelFunc: transposeKernel as unknown as tf.KernelFunc });
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityKernel as unknown as tf.KernelFunc });
  guardMatMul('BatchMatMul');
  guardMatMul('_FusedMatMul');
  patched = true;
}
