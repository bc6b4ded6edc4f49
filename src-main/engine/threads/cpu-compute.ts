// A run's CPU compute, held for the run's duration as one lease: its thread count, the helper threads
// (parallel-matmul.ts) and the native BLAS (engine/blas), all sized by the one `threads` setting so they never
// oversubscribe the cores. The trainer acquires it once and releases it once; benchmarks do the same.
import { acquireNativeBlas } from '../blas/runtime';
import { acquireHelperThreads, registerBatchMatMul, resolveThreads, threadsInUse } from './parallel-matmul';

export interface CpuCompute {
  /** The `threads` setting resolved: the cores this run may use (a second one also prepares batches). */
  cores: number;
  /** Threads the run computes on (what its record says: helper threads that cannot start leave 1). */
  threads: number;
  /** "OpenBLAS 0.3.21" while products go through the native BLAS; null on the built-in path. */
  blas: string | null;
  /** What the user should know: threads that could not start, no BLAS found. */
  notices: string[];
  release(): Promise<void>;
}

/**
 * Starts what `threads` and `blas` ask for on the active backend (nothing on non-CPU backends). Helpers that
 * cannot start (a packaged app that cannot load tfjs in a worker thread, no memory) cost speed, not the run:
 * it computes on one thread and says so. Results are the same either way.
 */
export async function acquireCpuCompute(setting: { threads: number | 'auto'; blas: 'auto' | 'off' }, autoThreads?: number): Promise<CpuCompute> {
  const threads = resolveThreads(setting.threads, autoThreads);
  const notices: string[] = [];
  const releaseHelpers = await acquireHelperThreads(threads).catch((e: unknown) => {
    notices.push(`threads: ${threads} requested, computing on 1 (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return async () => {};
  });
  const blas = acquireNativeBlas(setting.blas, threads, registerBatchMatMul);
  if (blas.notice) notices.push(blas.notice);
  return {
    cores: threads,
    threads: blas.label ? threads : threadsInUse(),
    blas: blas.label,
    notices,
    release: async () => {
      blas.release();
      await releaseHelpers();
    },
  };
}
