/**
 * Native matrix products for the wasm backend in Node (`native/blas.c`, built at install time
 * against the system's OpenBLAS when a C compiler and `libopenblas-dev` are present).
 *
 * The wasm backend keeps every tensor in its heap; `BatchMatMul` and `_FusedMatMul` are
 * re-registered to hand views of that heap to OpenBLAS's `sgemm`, which runs at native SIMD
 * speed (AVX2/AVX-512 and FMA, where wasm has 128-bit vectors and no FMA) and reads transposed
 * operands in place. The exact GELU and its gradient get one fused, vectorised pass each
 * (`FUSED_GELU_KERNEL`). Everything else stays on the wasm kernels. Cases the native kernel does not
 * cover (non-float32, batch dims that broadcast other than 1 against n, a bias that is not one
 * value per column, activations other than linear/relu) go to the kernel it replaced.
 *
 * Off with `LFKIT_NATIVE=0`; `nativeBlasStatus()` says whether it is on and why not.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setTransposedMatMulBackend } from '../../core/nn/matmul.ts';
import { FUSED_GELU_GRAD_KERNEL, FUSED_GELU_KERNEL } from '../../core/nn/layers.ts';

export interface NativeGemm {
  gemm(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number, bias: Float32Array | null, relu: boolean): void;
  gelu(x: Float32Array, y: Float32Array): void;
  geluGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Cooperlake". */
  blas: string;
}

const ADDON = path.join('native', 'build', 'Release', 'lfkit_blas.node');

let addon: NativeGemm | null | undefined;
let reason = 'not loaded yet';
let active = false;
let replaced: { batch: tf.KernelConfig; fused: tf.KernelConfig } | null = null;

/** The package root: the nearest folder above this module holding `native/binding.gyp`. */
function packageRoot(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'native', 'binding.gyp'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Loads the addon once; null (with `nativeBlasStatus().reason`) when it is off, not built or fails to load. */
export function loadNativeBlas(env: NodeJS.ProcessEnv = process.env): NativeGemm | null {
  if (addon !== undefined) return addon;
  if ((env.LFKIT_NATIVE ?? '').trim() === '0') {
    reason = 'off (LFKIT_NATIVE=0)';
    return (addon = null);
  }
  const root = packageRoot();
  const file = root && path.join(root, ADDON);
  if (!file || !fs.existsSync(file)) {
    reason = `not built (${ADDON}: npm install builds it when a C compiler and OpenBLAS's headers, e.g. Debian's libopenblas-dev, are present)`;
    return (addon = null);
  }
  try {
    addon = createRequire(import.meta.url)(file) as NativeGemm;
    reason = addon.blas;
  } catch (err) {
    reason = `failed to load ${file}: ${(err as Error).message.split('\n')[0]}`;
    addon = null;
  }
  return addon;
}

/** Whether the native matMul is active on the wasm backend, and the BLAS or the reason it is not. */
export function nativeBlasStatus(): { active: boolean; detail: string } {
  return { active, detail: reason };
}

type Info = { dataId: object; shape: number[]; dtype: string };
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): Info;
  typedArrayFromHeap(t: Info): Float32Array | Int32Array | Uint8Array;
}
interface KernelArgs { inputs: Record<string, Info | undefined>; attrs: Record<string, unknown>; backend: unknown }
type KernelFn = (args: KernelArgs) => Info;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * `out = act(a @ b + bias)` on the heap, or null when the native kernel does not cover the case.
 * Shapes follow tf.matMul: `[...batch, m, k] @ [...batch, k, n]`, batch dims broadcast.
 */
function nativeProduct(g: NativeGemm, args: KernelArgs, bias: Info | undefined, relu: boolean): Info | null {
  const a = args.inputs.a!, b = args.inputs.b!;
  const ta = args.attrs.transposeA === true, tb = args.attrs.transposeB === true;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return null;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = tb ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null; // let the stock kernel word the error
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const na = size(batchA), nb = size(batchB);
  let batchShape: number[];
  try {
    batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  } catch {
    return null; // the stock kernel words the error
  }
  // covered: equal batches, or one side a single matrix shared by every batch entry
  if (size(batchShape) !== Math.max(na, nb) || (na !== nb && na !== 1 && nb !== 1)) return null;
  if (bias && size(bias.shape) !== n) return null;
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  const batch = Math.max(na, nb);
  if (batch * m * n === 0) return out;
  // views after the allocation: a heap growth detaches older ones
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  const biasV = bias ? (backend.typedArrayFromHeap(bias) as Float32Array) : null;
  g.gemm(av, bv, ov, batch, m, n, k, ta, tb, na === 1 ? 0 : m * k, nb === 1 ? 0 : k * n, biasV, relu);
  return out;
}

/**
 * Re-registers the wasm backend's `BatchMatMul` and `_FusedMatMul` with the native product (the
 * replaced kernels stay the fallback). Returns whether it is active. Idempotent.
 */
export function patchWasmMatMulNative(env: NodeJS.ProcessEnv = process.env): boolean {
  if (active) return true;
  const g = loadNativeBlas(env);
  if (!g) return false;
  const batch = tf.getKernel('BatchMatMul', 'wasm');
  const fused = tf.getKernel('_FusedMatMul', 'wasm');
  if (!batch || !fused) {
    reason = 'the wasm backend is not registered';
    return false;
  }
  const batchOrig = batch.kernelFunc as unknown as KernelFn;
  const fusedOrig = fused.kernelFunc as unknown as KernelFn;
  const batchKernel: KernelFn = (args) => nativeProduct(g, args, undefined, false) ?? batchOrig(args);
  const fusedKernel: KernelFn = (args) => {
    const act = (args.attrs.activation as string | undefined) ?? 'linear';
    if ((act !== 'linear' && act !== 'relu') || args.inputs.preluActivationWeights) return fusedOrig(args);
    return nativeProduct(g, args, args.inputs.bias, act === 'relu') ?? fusedOrig(args);
  };
  const heap = (be: unknown, t: Info): Float32Array => (be as WasmBackendLike).typedArrayFromHeap(t) as Float32Array;
  const geluKernel: KernelFn = ({ inputs, backend }) => {
    const x = inputs.x!;
    if (x.dtype !== 'float32') throw new Error(`${FUSED_GELU_KERNEL}: float32 input expected, got ${x.dtype}`);
    const out = (backend as WasmBackendLike).makeOutput(x.shape, 'float32');
    g.gelu(heap(backend, x), heap(backend, out));
    return out;
  };
  const geluGradKernel: KernelFn = ({ inputs, backend }) => {
    const x = inputs.x!, dy = inputs.dy!;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || size(x.shape) !== size(dy.shape)) {
      throw new Error(`${FUSED_GELU_GRAD_KERNEL}: float32 x and dy of one size expected`);
    }
    const out = (backend as WasmBackendLike).makeOutput(x.shape, 'float32');
    g.geluGrad(heap(backend, x), heap(backend, dy), heap(backend, out));
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...batch, kernelFunc: batchKernel as unknown as tf.KernelFunc });
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({ ...fused, kernelFunc: fusedKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: FUSED_GELU_KERNEL, backendName: 'wasm', kernelFunc: geluKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: FUSED_GELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: geluGradKernel as unknown as tf.KernelFunc });
  setTransposedMatMulBackend('wasm');
  replaced = { batch, fused };
  active = true;
  return true;
}

/** Puts back the wasm kernels the native ones replaced (tests compare both in one process). */
export function unpatchWasmMatMulNative(): void {
  if (!active || !replaced) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(replaced.batch);
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel(replaced.fused);
  tf.unregisterKernel(FUSED_GELU_KERNEL, 'wasm');
  tf.unregisterKernel(FUSED_GELU_GRAD_KERNEL, 'wasm');
  setTransposedMatMulBackend(null);
  replaced = null;
  active = false;
}
