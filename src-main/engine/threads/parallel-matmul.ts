// Multi-threaded matrix products for the wasm backend (issue #15). Replaces the wasm BatchMatMul kernel with
// one that, while helper threads are running, splits a large untransposed 2-D product by rows across them and
// the calling thread (helper-threads.ts); everything else — small products, transposed or batched ones, other
// dtypes, no helpers — goes to tfjs's own kernel. The model code already issues only untransposed products on
// wasm (ops/linear.ts, ops/elman.ts), so these carry almost all of a training step's FLOPs.
// Results are bit-identical for every thread count (test/engine/threads.spec.ts), so `threads` is a resource
// setting like the number of runs in parallel, not part of what a run computes.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { HelperThreads } from './helper-threads';
import { activeBlas } from '../blas/runtime';
import { blasBatchMatMul } from '../blas/wasm-gemm';

export { liveHelperThreads } from './helper-threads';

/**
 * Products with fewer multiply-adds (M·K·N) stay on one thread: below this the hand-off (copies, wake-ups)
 * costs more than the split saves. `npm run bench:threads` on 2 cores: [200,256]·[256,256] (13 M) 0.86× on 2
 * threads, [200,384]·[384,384] (29 M) 1.21×, [200,512]·[512,512] (52 M) 1.44×.
 */
export const PARALLEL_MIN_MULTIPLY_ADDS = 1 << 24;
/**
 * Most threads `auto` uses. More are untested (the project's machine has 2 cores), and a navigation step's
 * recurrent products have 200 rows: split 8 ways, 25 rows per thread.
 */
export const MAX_AUTO_THREADS = 8;

/**
 * The process's helper threads and how products use them, in one object: tfjs kernels are process-wide, so the
 * BatchMatMul kernel below finds the running pool here. Runs hold it through acquireHelperThreads.
 */
const helpers = {
  /** The running pool (null: products and sparse kernels run on the calling thread alone). */
  pool: null as HelperThreads | null,
  /** A start in progress: holders that arrive meanwhile wait for the same pool. */
  starting: null as Promise<HelperThreads> | null,
  /** Runs holding the pool; the last release stops it. */
  holders: 0,
  /** Benchmarks compare thread counts without restarting helpers (limitThreads). */
  threadLimit: Infinity,
  /** Products with at least this many multiply-adds are split (tests lower it: setParallelMinimum). */
  splitFrom: PARALLEL_MIN_MULTIPLY_ADDS,
};
let kernelRegistered = false;

/**
 * A number per tensor buffer, so a helper keeps a B it already holds: tfjs buffers are immutable, so equal
 * dataIds mean equal contents.
 */
const bufferKeys = new WeakMap<object, number>();
let nextBufferKey = 0;
function keyOf(dataId: object): number {
  let k = bufferKeys.get(dataId);
  if (k === undefined) bufferKeys.set(dataId, (k = nextBufferKey++));
  return k;
}

/**
 * Threads for a run: a number is taken as is; 'auto' is `autoThreads` when the job runner set it (the cores
 * divided among the runs it trains at once), else this machine's cores, at most MAX_AUTO_THREADS.
 */
export function resolveThreads(setting: number | 'auto', autoThreads?: number): number {
  if (setting !== 'auto') return setting;
  return Math.max(1, Math.min(MAX_AUTO_THREADS, autoThreads ?? availableParallelism()));
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: BackendWasm };

function splitByRows(threads: HelperThreads, parts: number, original: tf.KernelFunc, args: KernelArgs, m: number, k: number, n: number): tf.TensorInfo {
  const { backend } = args;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const per = Math.ceil(m / parts);
  // Allocate before taking heap views: growing the wasm heap detaches earlier views.
  const out = backend.makeOutput([m, n], 'float32');
  const ownA = backend.makeOutput([per, k], 'float32');
  const aValues = backend.typedArrayFromHeap(a) as Float32Array;
  (backend.typedArrayFromHeap(ownA) as Float32Array).set(aValues.subarray(0, per * k));
  const blocks: Array<{ helper: number; from: number; to: number }> = [];
  const key = keyOf(b.dataId);
  for (let helper = 0, from = per; from < m; helper++, from += per) {
    const to = Math.min(m, from + per);
    threads.post(helper, aValues.subarray(from * k, to * k), to - from, k, n, key, () => backend.typedArrayFromHeap(b) as Float32Array);
    blocks.push({ helper, from, to });
  }
  // The first block on this thread, with tfjs's kernel (and its cached XNNPACK operator for B).
  let ownOut: tf.TensorInfo | null = null;
  let failure: unknown = null;
  try {
    ownOut = original({ ...args, inputs: { a: ownA, b } } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  } catch (e) {
    failure = e;
  }
  // Collect every block even if ours failed: no helper may be left with a job in flight.
  const outValues = backend.typedArrayFromHeap(out) as Float32Array;
  for (const { helper, from, to } of blocks) {
    try {
      threads.collect(helper, outValues.subarray(from * n, to * n));
    } catch (e) {
      failure ??= e;
    }
  }
  if (ownOut) outValues.set(backend.typedArrayFromHeap(ownOut) as Float32Array);
  backend.disposeData(ownA.dataId, true);
  if (ownOut) backend.disposeData(ownOut.dataId, true);
  if (failure) {
    backend.disposeData(out.dataId, true);
    throw failure;
  }
  return out;
}

/**
 * Replaces tfjs-wasm's BatchMatMul (once per process) with the dispatch: the native BLAS when a run holds one
 * (engine/blas), else the split across helper threads for large plain products, else tfjs's own kernel.
 */
export function registerBatchMatMul(): void {
  if (kernelRegistered) return;
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (!kernel) return;
  kernelRegistered = true;
  const original = kernel.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const blas = activeBlas();
      const native = blas ? blasBatchMatMul(blas, args) : null;
      if (native) return native;
      const threads = runningHelpers();
      const { a, b } = args.inputs;
      if (!threads || !a || !b || args.attrs.transposeA || args.attrs.transposeB) return original(args as never);
      if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return original(args as never);
      const [m, k] = a.shape;
      const n = b.shape[1];
      const parts = threadsInUse();
      if (m < parts || m * k * n < helpers.splitFrom) return original(args as never);
      return splitByRows(threads, parts, original, args, m, k, n);
    }) as unknown as tf.KernelFunc,
  });
}

/** The running helper pool, or null (one thread): the sparse training kernel splits its work across it too. */
export function runningHelpers(): HelperThreads | null {
  return helpers.threadLimit <= 1 ? null : helpers.pool;
}

/** Benchmarks: use at most `threads` of the running threads (null: all), without restarting helpers. */
export function limitThreads(threads: number | null): void {
  helpers.threadLimit = threads ?? Infinity;
}

/** Threads work is split across now (1 when no helpers run): the helpers, at most the limit, and the caller. */
export function threadsInUse(): number {
  return Math.min(helpers.threadLimit, helpers.pool?.threads ?? 1);
}

/**
 * Uses `threads` threads for wasm matrix products until the returned release is called (a run holds them for
 * its duration). Helpers start on first use and stop when the last holder releases them. With 1 thread, or on
 * another backend, nothing starts. Concurrent holders in one process share the first holder's pool.
 */
export async function acquireHelperThreads(threads: number): Promise<() => Promise<void>> {
  if (threads <= 1 || tf.getBackend() !== 'wasm') return async () => {};
  registerBatchMatMul();
  helpers.holders++;
  try {
    if (!helpers.pool) {
      helpers.starting ??= HelperThreads.start(threads - 1);
      helpers.pool = await helpers.starting;
    }
  } catch (e) {
    helpers.holders--;
    helpers.starting = null;
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--helpers.holders > 0 || !helpers.pool) return;
    const pool = helpers.pool;
    helpers.pool = null;
    helpers.starting = null;
    await pool.terminate();
  };
}

/** Tests and benchmarks: split products from this size on (restore with the returned function). */
export function setParallelMinimum(multiplyAdds: number): () => void {
  const before = helpers.splitFrom;
  helpers.splitFrom = multiplyAdds;
  return () => {
    helpers.splitFrom = before;
  };
}
