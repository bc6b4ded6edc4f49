// A pool of helper threads that compute row blocks of matrix products (issue #15: CPU training on every core).
// Why not tfjs-wasm's own threaded build: its matMul never uses the thread pool — XNNPACK's fully-connected
// operator is run with a null pool (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc, `xnn_run_operator(op,
// nullptr)`), and in Node the threaded build does not even start (emscripten creates its workers from `blob:`
// URLs; bench/wasm-threads.bench.ts). So each helper runs its own single-threaded wasm backend and the main
// thread splits A·B by rows: XNNPACK computes every output row the same way whatever the block it sits in,
// so the product is bit-identical to one thread's (test/engine/threads.spec.ts). The same helpers also run
// calls of a wasm kernel's exported functions on its shared memory (`call`; the sparse training kernel,
// ops/sparse/training.ts, which names its own functions). The helper's program is helper-thread.ts.
//
// Synchronous by design: tfjs kernels are synchronous, so the main thread posts the blocks, computes its own,
// then blocks on Atomics.wait until each helper flags its block done (Node allows waiting on the main thread).
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { HELPER_THREAD_SOURCE } from './helper-thread';

/** Weight matrices a helper keeps between calls (the recurrent W and Wᵀ, the decoder and one spare). */
const SLOTS = 4;
/** A helper that has not answered by then is treated as dead. */
const ANSWER_LIMIT_MS = 120_000;

/** Each helper's control words (a 1 KiB block of one shared Int32Array; helper-thread.ts reads them). */
export const CONTROL = {
  WORDS: 256,
  STATE: 0,
  ROWS: 1,
  K: 2,
  N: 3,
  SLOT: 4,
  FRESH_B: 5,
  A_OFFSET: 6,
  B_OFFSET: 7,
  OUT_OFFSET: 8,
  NEW_ARENA: 9,
  /** JOB_MATMUL or JOB_CALL. */
  JOB: 10,
  /**
   * JOB_CALL: index into the kernel's `functions`, the kernel's id, 1 when it comes new on the port, then CALL_COUNT
   * calls of ARG_COUNT arguments each, run in order, their arguments one after another from ARGS.
   */
  FN: 11,
  KERNEL_ID: 12,
  NEW_KERNEL: 13,
  ARG_COUNT: 14,
  CALL_COUNT: 15,
  ARGS: 16,
  MAX_ARGS: 240,
  JOB_MATMUL: 0,
  JOB_CALL: 1,
  // STATE values
  IDLE: 0,
  POSTED: 1,
  DONE: 2,
  FAILED: 3,
  STOP: 4,
} as const;

/** A wasm kernel instance as a helper needs it: identity, compiled module, shared memory, callable exports. */
export interface SharedKernel {
  id: number;
  module: object;
  memory: object;
  /** The exports helpers may call, by name (the index travels in the control words). */
  functions: readonly string[];
}

/** What each helper starts with (workerData). */
export interface HelperData {
  tfjsCore: string;
  tfjsWasm: string;
  control: SharedArrayBuffer;
  index: number;
  layout: typeof CONTROL;
  port: MessagePort;
}

interface Helper {
  worker: Worker;
  /** Arenas go to the helper and error texts come back on this port (both read synchronously). */
  port: MessagePort;
  control: Int32Array;
  arena: SharedArrayBuffer | null;
  /** Key of the B held in each slot (-1: empty), mirrored from what was sent. */
  slotKeys: number[];
  nextSlot: number;
  /** The block in flight (null when idle); `call` for a kernel call (nothing to copy back). */
  pending: { rows: number; n: number; outOffset: number } | 'call' | null;
  /** The kernel instance the helper holds (-1: none). */
  kernelId: number;
}

function tfjsPaths(): { tfjsCore: string; tfjsWasm: string } {
  const require = createRequire(import.meta.url);
  return { tfjsCore: require.resolve('@tensorflow/tfjs-core'), tfjsWasm: require.resolve('@tensorflow/tfjs-backend-wasm') };
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

let live = 0;
/** Helper threads started and not yet exited, in this process (tests check that runs leave none behind). */
export function liveHelperThreads(): number {
  return live;
}

export class HelperThreads {
  private closed = false;

  private constructor(private readonly helpers: Helper[]) {}

  /** Starts `helperCount` helper threads and waits until each has its wasm backend ready. */
  static async start(helperCount: number): Promise<HelperThreads> {
    const shared = new SharedArrayBuffer(4 * CONTROL.WORDS * Math.max(1, helperCount));
    const paths = tfjsPaths();
    const helpers: Helper[] = [];
    const ready: Array<Promise<void>> = [];
    for (let index = 0; index < helperCount; index++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: HelperData = { ...paths, control: shared, index, layout: CONTROL, port: port2 };
      const worker = new Worker(HELPER_THREAD_SOURCE, {
        eval: true,
        workerData,
        transferList: [port2],
      });
      // Helpers never keep the process alive: a training process exits when its run does.
      worker.unref();
      live++;
      worker.once('exit', () => live--);
      const control = new Int32Array(shared, index * CONTROL.WORDS * 4, CONTROL.WORDS);
      helpers.push({ worker, port: port1, control, arena: null, slotKeys: new Array<number>(SLOTS).fill(-1), nextSlot: 0, pending: null, kernelId: -1 });
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`matrix-product thread ${index} exited (code ${code}) while starting`)));
          worker.once('message', (m: { type: string; message?: string }) =>
            m.type === 'ready' ? resolve() : reject(new Error(`matrix-product thread ${index} could not start its wasm backend: ${m.message}`)),
          );
        }),
      );
    }
    const pool = new HelperThreads(helpers);
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.terminate();
      throw e;
    }
    for (const h of helpers) {
      h.worker.removeAllListeners('message');
      h.worker.removeAllListeners('error');
      // Jobs catch their own errors; anything else would be an unhandled 'error' event and end the process.
      h.worker.on('error', (e) => process.stderr.write(`moduli: a matrix-product thread failed: ${e.message}\n`));
    }
    return pool;
  }

  /** Threads taking part in a product: the helpers and the calling thread. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /**
   * Starts helper `index` on rows·k of A (`aRows`, row-major) times B [k, n]. `bKey` identifies B's contents
   * (equal keys: equal contents); `bValues` is read only when the helper does not hold that B yet.
   */
  post(index: number, aRows: Float32Array, rows: number, k: number, n: number, bKey: number, bValues: () => Float32Array): void {
    const h = this.idleHelper(index);
    let slot = h.slotKeys.indexOf(bKey);
    const freshB = slot < 0;
    if (freshB) {
      slot = h.nextSlot;
      h.nextSlot = (h.nextSlot + 1) % SLOTS;
    }
    const aOffset = 0;
    const bOffset = align16(4 * rows * k);
    const outOffset = bOffset + (freshB ? align16(4 * k * n) : 0);
    const bytes = outOffset + 4 * rows * n;
    const newArena = !h.arena || h.arena.byteLength < bytes;
    if (newArena) {
      h.arena = new SharedArrayBuffer(align16(Math.ceil(bytes * 1.25)));
      h.port.postMessage(h.arena);
    }
    new Float32Array(h.arena!, aOffset, rows * k).set(aRows);
    if (freshB) new Float32Array(h.arena!, bOffset, k * n).set(bValues());
    const c = h.control;
    c[CONTROL.ROWS] = rows;
    c[CONTROL.K] = k;
    c[CONTROL.N] = n;
    c[CONTROL.SLOT] = slot;
    c[CONTROL.FRESH_B] = freshB ? 1 : 0;
    c[CONTROL.A_OFFSET] = aOffset;
    c[CONTROL.B_OFFSET] = bOffset;
    c[CONTROL.OUT_OFFSET] = outOffset;
    c[CONTROL.NEW_ARENA] = newArena ? 1 : 0;
    c[CONTROL.JOB] = CONTROL.JOB_MATMUL;
    // Recorded now; collect() forgets every slot if the helper fails, so no stale key survives an error.
    h.slotKeys[slot] = bKey;
    h.pending = { rows, n, outOffset };
    Atomics.store(c, CONTROL.STATE, CONTROL.POSTED);
    Atomics.notify(c, CONTROL.STATE);
  }

  /**
   * Starts helper `index` on `fn(...args)` for each argument list in `calls`, in order, on the kernel instance
   * `kernel` (its memory is shared, so the helper works on the caller's data in place). Wait for it with
   * `collect(index)`.
   */
  call(index: number, kernel: SharedKernel, fn: string, calls: number[][]): void {
    const fnIndex = kernel.functions.indexOf(fn);
    if (fnIndex < 0) throw new Error(`kernel ${kernel.id} lists no function '${fn}' for helpers`);
    const h = this.idleHelper(index);
    const argCount = calls[0]?.length ?? 0;
    if (calls.some((a) => a.length !== argCount)) throw new Error('kernel calls of one job must take the same number of arguments');
    if (argCount * calls.length > CONTROL.MAX_ARGS)
      throw new Error(`${calls.length} kernel calls of ${argCount} arguments (at most ${CONTROL.MAX_ARGS} in all)`);
    const c = h.control;
    const fresh = h.kernelId !== kernel.id;
    if (fresh) h.port.postMessage(kernel);
    c[CONTROL.JOB] = CONTROL.JOB_CALL;
    c[CONTROL.FN] = fnIndex;
    c[CONTROL.KERNEL_ID] = kernel.id;
    c[CONTROL.NEW_KERNEL] = fresh ? 1 : 0;
    c[CONTROL.ARG_COUNT] = argCount;
    c[CONTROL.CALL_COUNT] = calls.length;
    calls.forEach((args, j) => args.forEach((a, i) => (c[CONTROL.ARGS + j * argCount + i] = a)));
    h.kernelId = kernel.id;
    h.pending = 'call';
    Atomics.store(c, CONTROL.STATE, CONTROL.POSTED);
    Atomics.notify(c, CONTROL.STATE);
  }

  private idleHelper(index: number): Helper {
    if (this.closed) throw new Error('matrix-product threads were stopped');
    const h = this.helpers[index];
    if (h.pending) throw new Error(`matrix-product thread ${index} is still busy`);
    return h;
  }

  /** After a failure the helper's state is unknown: it gets every weight and the kernel anew. */
  private forgetState(h: Helper): void {
    h.slotKeys.fill(-1);
    h.kernelId = -1;
  }

  /** Waits for helper `index`; for a product, copies its block into `out` (rows·n values). */
  collect(index: number, out?: Float32Array): void {
    const h = this.helpers[index];
    const p = h.pending;
    if (!p) throw new Error(`matrix-product thread ${index} has nothing in flight`);
    h.pending = null;
    const c = h.control;
    const deadline = Date.now() + ANSWER_LIMIT_MS;
    let state = Atomics.load(c, CONTROL.STATE);
    while (state === CONTROL.POSTED) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.forgetState(h);
        throw new Error(`matrix-product thread ${index} did not answer within ${ANSWER_LIMIT_MS / 1000} s`);
      }
      Atomics.wait(c, CONTROL.STATE, CONTROL.POSTED, left);
      state = Atomics.load(c, CONTROL.STATE);
    }
    Atomics.store(c, CONTROL.STATE, CONTROL.IDLE);
    if (state !== CONTROL.DONE) {
      this.forgetState(h);
      const message = receiveMessageOnPort(h.port)?.message;
      throw new Error(`matrix-product thread ${index} failed: ${String(message ?? 'no error text')}`);
    }
    if (p !== 'call') out!.set(new Float32Array(h.arena!, p.outOffset, p.rows * p.n));
  }

  /** Stops every helper; the pool cannot be used afterwards. */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.helpers.map(async (h) => {
        Atomics.store(h.control, CONTROL.STATE, CONTROL.STOP);
        Atomics.notify(h.control, CONTROL.STATE);
        h.port.close();
        await h.worker.terminate();
      }),
    );
  }
}
