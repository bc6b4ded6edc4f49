// The native BLAS a run computes with (or none): found once per process, used by the wasm BatchMatMul kernel
// (threads/parallel-matmul.ts dispatches to it first), its thread count set by the run's `threads`.
import * as tf from '@tensorflow/tfjs';
import { blasInstallHint, findBlas, type BlasLookup, type NativeBlas } from './native-blas';

/** The process's native BLAS, in one object: the wasm BatchMatMul kernel is process-wide and reads `active`. */
const blasState = {
  /** What this machine offers, looked up once. */
  lookup: null as BlasLookup | null,
  /** The library products go through now (null: the built-in path). */
  active: null as NativeBlas | null,
  /** Runs holding it; the last release returns products to the built-in path. */
  holders: 0,
};

/** The library matrix products go through now, or null (the built-in wasm path). */
export function activeBlas(): NativeBlas | null {
  return blasState.active;
}

/**
 * True when a matMul with transpose flags costs no more than a plain one: on every backend but the built-in
 * wasm kernel, whose transposed products are 4–6× slower (ops/linear.ts). Model code asks this before
 * transposing explicitly.
 */
export function transposedMatMulIsFast(): boolean {
  return blasState.active !== null || tf.getBackend() !== 'wasm';
}

/** What this machine offers (cached): for `moduli backend` and the run's notice. */
export function blasLookup(): BlasLookup {
  return (blasState.lookup ??= findBlas());
}

export interface BlasLease {
  /** "OpenBLAS 0.3.21" while the run uses it; null on the built-in path. */
  label: string | null;
  /** Why the built-in path is used (null when native, or when the backend is not a CPU one). */
  notice: string | null;
  release(): void;
}

/**
 * Matrix products through the native BLAS for the duration of a run, on `threads` threads. Only on the wasm
 * backend (the others have their own kernels); `off` keeps the built-in path. Runs in one process share it.
 */
export function acquireNativeBlas(setting: 'auto' | 'off', threads: number, register: () => void): BlasLease {
  const none = (notice: string | null): BlasLease => ({ label: null, notice, release: () => {} });
  if (tf.getBackend() !== 'wasm') return none(null);
  if (setting === 'off') return none(null);
  const found = blasLookup();
  if (!found.blas)
    return none(`blas: ${found.reason}; matrix products use the built-in wasm path (2–3× slower)${found.tried.length ? `: ${blasInstallHint()}` : ''}`);
  register();
  found.blas.setThreads(threads);
  blasState.active = found.blas;
  blasState.holders++;
  let released = false;
  return {
    label: found.blas.label,
    notice: null,
    release: () => {
      if (released) return;
      released = true;
      if (--blasState.holders === 0) blasState.active = null;
    },
  };
}
