/**
 * Faster wasm kernels for `Slice` and `Unpack` (tf.slice / tf.unstack).
 *
 * Why: the stock tfjs-backend-wasm 4.22 `Slice` copies the WHOLE input out of the wasm heap
 * (`backend.readSync`) before copying the slice, so taking 24 per-head [256, 64] slices of a
 * [6144, 64] tensor costs ~30 ms instead of ~0.3 ms; `Unpack` calls that same slice once per
 * output. Attention here is per head in 2D matMuls (the fast path on wasm), which needs many
 * such slices, so we re-register both kernels with versions that read through heap views.
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

/** Re-registers `Slice` and `Unpack` for the wasm backend (see the module header). Idempotent. */
export function patchWasmKernels(): void {
  if (patched) return;
  const has = (name: string) => tf.getKernelsForBackend('wasm').some((k) => k.kernelName === name);
  if (!has('Slice') || !has('Unpack')) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc: sliceKernel as unknown as tf.KernelFunc });
  tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({ kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpackKernel as unknown as tf.KernelFunc });
  patched = true;
}
