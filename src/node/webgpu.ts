/**
 * WebGPU in Node: the optional npm package `webgpu` (Google's Dawn, prebuilt `dawn.node` for
 * linux-x64, macOS and Windows) provides `navigator.gpu`; `@tensorflow/tfjs-backend-webgpu`
 * registers its backend only if `navigator.gpu` exists when it is imported, so the probe here
 * installs it first. Dawn needs a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver.
 *
 * With no GPU, Google's SwiftShader (a Vulkan driver that runs on the CPU, shipped by Debian's
 * `chromium` package beside its own `libvulkan.so.1`) gives Dawn a software adapter: far too
 * slow to train on, but exact enough to test the backend. `swiftShaderEnv` returns the
 * environment a child process needs for it (the loader path must be set before the process
 * starts, hence a child process).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What lfkit reports of the adapter Dawn picked. */
export interface GpuAdapterSummary {
  /** One-line name: description, else vendor + architecture + device. */
  name: string;
  /** True for software renderers (SwiftShader, llvmpipe/lavapipe, WARP) and fallback adapters. */
  software: boolean;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike { requestAdapter(opts?: { powerPreference?: string }): Promise<{ info?: AdapterInfoLike; isFallbackAdapter?: boolean } | null> }
interface DawnModule { create(flags: string[]): GpuLike; globals?: Record<string, unknown> }

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/** Names an adapter and tells whether it renders in software. */
export function summarizeAdapter(info: AdapterInfoLike, isFallback = false): GpuAdapterSummary {
  const parts = [info.vendor, info.architecture, info.device].filter((s) => s && s.trim());
  const name = (info.description?.trim() || parts.join(' ') || 'unnamed adapter').replace(/\s+/g, ' ');
  const text = [info.description, info.vendor, info.architecture, info.device].join(' ');
  return { name, software: Boolean(isFallback || info.isFallbackAdapter || SOFTWARE.test(text)) };
}

/**
 * Loads Dawn (through `importer`), asks it for a high-performance adapter and, when there is
 * one, installs `navigator.gpu` and Dawn's `GPU*` constants as globals for the tfjs backend.
 * Returns null when Dawn finds no adapter (no driver). Throws when the package is missing.
 */
export async function probeWebGpu(importer: (s: string) => Promise<unknown>): Promise<GpuAdapterSummary | null> {
  const dawn = (await importer('webgpu')) as DawnModule;
  if (typeof dawn?.create !== 'function') throw new Error("package 'webgpu' has no create()");
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const summary = summarizeAdapter(adapter.info ?? {}, adapter.isFallbackAdapter === true);
  for (const [k, v] of Object.entries(dawn.globals ?? {})) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  // Node >= 21 has a global `navigator` without `gpu`; Node 20 has none.
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return summary;
}

/**
 * On Linux, whether a Vulkan loader (`libvulkan.so.1`) is on the library path: without one
 * Dawn can find no adapter and prints a warning to stderr, so the unforced ladder skips the
 * probe. Other platforms: true (Metal and D3D12 ship with the OS).
 */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform !== 'linux') return true;
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${multiarch}`, `/lib/${multiarch}`, '/usr/lib64', '/lib64', '/usr/lib', '/usr/local/lib'];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

/** Where Debian's chromium installs SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD_CANDIDATES = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

/**
 * The environment that makes Dawn find SwiftShader in a child process: the driver manifest
 * (`VK_ICD_FILENAMES`), chromium's Vulkan loader on `LD_LIBRARY_PATH` (Debian's chromium does
 * not depend on libvulkan1) and an `XDG_RUNTIME_DIR`. Throws one clear line when the driver is
 * not installed.
 */
export function swiftShaderEnv(base: NodeJS.ProcessEnv = process.env, candidates = SWIFTSHADER_ICD_CANDIDATES): NodeJS.ProcessEnv {
  const icd = candidates.find((p) => fs.existsSync(p));
  if (!icd) {
    throw new Error(`SwiftShader Vulkan driver not found (looked for ${candidates.join(', ')}); install Debian's chromium package (apt-get install chromium)`);
  }
  const dir = path.dirname(icd);
  const runtime = base.XDG_RUNTIME_DIR && fs.existsSync(base.XDG_RUNTIME_DIR) ? base.XDG_RUNTIME_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'lfkit-xdg-'));
  return {
    ...base,
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [dir, base.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    XDG_RUNTIME_DIR: runtime,
  };
}
