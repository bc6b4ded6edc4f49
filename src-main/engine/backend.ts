// Compute backend selection: tfjs-node-gpu (CUDA) → tfjs-node (libtensorflow CPU) → wasm → cpu.
// Every step down is recorded as a notice the UI and CLI show; nothing falls back silently.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../schema/experiment';
import { registerMissingWasmKernels } from './wasm-kernels';

export interface BackendInfo {
  /** What was asked for. */
  requested: Backend;
  /** What is running: tensorflow-gpu, tensorflow, wasm or cpu. */
  active: Exclude<Backend, 'auto'>;
  /** tfjs backend name (tensorflow, wasm, cpu). */
  tfBackend: string;
  /** True only when CUDA libraries were actually loaded into the process. */
  gpu: boolean;
  /** Human-readable reasons for every fallback, in order. Empty when the first choice worked. */
  notices: string[];
}

const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_NODE = '@tensorflow/tfjs-node';

const ORDER: Array<Exclude<Backend, 'auto'>> = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

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
      const name = await loadBackendModule(kind);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      let gpu = false;
      if (kind === 'tensorflow-gpu') {
        tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
        gpu = cudaLibrariesLoaded() === true;
        if (!gpu) notices.push('tfjs-node-gpu loaded but CUDA is not in use (it needs CUDA 11.2 and cuDNN 8.1): computing on the CPU');
      }
      selected = { requested, active: kind, tfBackend: name, gpu, notices };
      return selected;
    } catch (err) {
      notices.push(`${kind}: ${shortReason(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${notices.join('; ')}`);
}

