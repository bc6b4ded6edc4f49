// Compute backend selection: a hardware WebGPU adapter (Dawn) → tfjs-node-gpu (CUDA) → tfjs-node
// (libtensorflow CPU) → wasm → cpu. Every step down is recorded as a notice the UI and CLI show; nothing falls
// back silently. `auto` never trains on a software WebGPU adapter (SwiftShader: a CPU emulation far slower
// than wasm); asking for `webgpu` explicitly accepts one and says so (that is how CI tests the GPU path).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../schema/experiment';
import { registerMissingWasmKernels } from './wasm-kernels';
import { adapterLabel, loadWebGpuBackend, probeAdapter, type AdapterInfo } from './webgpu';

export interface BackendInfo {
  /** What was asked for. */
  requested: Backend;
  /** What is running: webgpu, tensorflow-gpu, tensorflow, wasm or cpu. */
  active: Exclude<Backend, 'auto'>;
  /** tfjs backend name (webgpu, tensorflow, wasm, cpu). */
  tfBackend: string;
  /** True only on a hardware GPU: a non-software WebGPU adapter, or CUDA libraries actually loaded. */
  gpu: boolean;
  /** CPU threads computing matrix products (wasm; set per run by the trainer, engine/threads). */
  threads?: number;
  /** The native BLAS computing matrix products on the CPU ("OpenBLAS 0.3.21"; engine/blas), if any. */
  blas?: string;
  /** The WebGPU adapter in use (webgpu only). */
  adapter?: AdapterInfo;
  /** Human-readable reasons for every fallback, in order. Empty when the first choice worked. */
  notices: string[];
}

// Production mode silences tfjs's console warnings, chiefly the cpu backend's "install our node backend"
// banner: tfjs-node can no longer be installed (its libtensorflow download answers 403; README "Compute
// backends"), and this ladder already reports what runs and why. Every process that trains loads this module
// before it creates a tensor.
tf.env().set('PROD', true);

const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';

const ORDER: Array<Exclude<Backend, 'auto'>> = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Linux: were CUDA runtime/cuDNN libraries mapped into this process? (tfjs-node-gpu falls back to CPU silently.) */
export function cudaLibrariesLoaded(): boolean | null {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    return /libcudart|libcudnn|libcublas/.test(maps);
  } catch {
    return null;
  }
}

/** Imports the module behind a backend kind; returns the tfjs backend name to activate. */
export async function loadBackendModule(kind: Exclude<Backend, 'auto'>): Promise<string> {
  switch (kind) {
    case 'webgpu':
      return loadWebGpuBackend();
    // Optional dependencies: non-literal specifiers keep bundlers and tsc from requiring them to exist.
    case 'tensorflow-gpu':
      await import(/* @vite-ignore */ TFJS_NODE_GPU);
      return 'tensorflow';
    case 'tensorflow':
      await import(/* @vite-ignore */ TFJS_NODE);
      return 'tensorflow';
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      registerMissingWasmKernels();
      return 'wasm';
    case 'cpu':
      return 'cpu';
  }
}

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 200);
}

let selected: BackendInfo | null = null;

/** Selects and initialises a backend once per process; later calls return the same choice. */
export async function selectBackend(requested: Backend = 'auto'): Promise<BackendInfo> {
  if (selected) return selected;
  const candidates = requested === 'auto' ? ORDER : ORDER.slice(ORDER.indexOf(requested));
  const notices: string[] = [];
  for (const kind of candidates) {
    try {
      let adapter: AdapterInfo | undefined;
      if (kind === 'webgpu') {
        const probe = await probeAdapter();
        if (!probe.adapter) throw new Error(probe.reason);
        adapter = probe.adapter;
        if (adapter.software) {
          if (requested === 'auto') throw new Error(`only a software adapter, ${adapterLabel(adapter)}: slower than wasm, not used by auto`);
          notices.push(`webgpu: running on a software adapter, ${adapterLabel(adapter)}: a CPU emulation for tests, far slower than wasm`);
        }
      }
      const name = await loadBackendModule(kind);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      let gpu = false;
      if (kind === 'tensorflow-gpu') {
        tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
        gpu = cudaLibrariesLoaded() === true;
        if (!gpu) notices.push('tfjs-node-gpu loaded but CUDA is not in use (it needs CUDA 11.2 and cuDNN 8.1): computing on the CPU');
      }
      if (adapter) gpu = !adapter.software;
      selected = { requested, active: kind, tfBackend: name, gpu, notices, ...(adapter ? { adapter } : {}) };
      return selected;
    } catch (err) {
      notices.push(`${kind}: ${shortReason(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${notices.join('; ')}`);
}
