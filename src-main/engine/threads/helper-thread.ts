// One helper thread of the pool (helper-threads.ts). It runs from its own source text (worker_threads with
// `eval: true`), so it works the same from the TypeScript sources (tsx, vitest), the CLI bundle and the
// Electron build without a separate entry file. Written here as a typed, linted function; the pool ships
// `HELPER_THREAD_SOURCE`, the function's text. It must therefore be self-contained: no imports at run time, no
// names from outside it, and modules only through the `load` it is given (the worker's own require; a
// bundler would rewrite a literal `require` call).
//
// Each helper owns its own tfjs wasm backend (XNNPACK, SIMD, one thread) and computes a block of rows of
// A·B. It does not use its event loop after start-up: it sleeps in Atomics.wait on its control words and the
// pool wakes it with a job (a posted message took ≈0.5 ms to arrive, as much as a small product). Data travels
// through a SharedArrayBuffer "arena" (a new one comes on the port, read synchronously); B (the weights) is kept
// in one of a few slots between calls, so a recurrent weight used at every time step crosses once (and XNNPACK
// packs it once, caching on the tensor). Helpers also run exported functions of a wasm kernel instance on its
// shared memory (the sparse recurrence kernel, ops/sparse/training.ts): the module, memory and function names
// arrive on the port once per instance. Control words: CONTROL in helper-threads.ts, passed in as `layout`.
import type * as TfjsCore from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as WorkerThreads from 'node:worker_threads';
import type { CONTROL, HelperData, SharedKernel } from './helper-threads';

export function helperThreadMain(load: (id: string) => unknown): void {
  const { parentPort, workerData, receiveMessageOnPort } = load('node:worker_threads') as typeof WorkerThreads;
  const data = workerData as HelperData;
  const tf = load(data.tfjsCore) as typeof TfjsCore;
  load(data.tfjsWasm);
  const C: typeof CONTROL = data.layout;
  const control = new Int32Array(data.control, data.index * C.WORDS * 4, C.WORDS);
  const port = data.port;
  const slots: Array<TfjsCore.Tensor2D | undefined> = [];
  let arena: SharedArrayBuffer | null = null;
  let kernel: { exports: Record<string, (...args: number[]) => void>; functions: readonly string[] } | null = null;
  let kernelId = -1;

  const readPort = <T>(): T => {
    const m = receiveMessageOnPort(port);
    if (!m) throw new Error('expected a message on the helper port');
    return m.message as T;
  };

  function runKernelCalls(): void {
    if (control[C.NEW_KERNEL]) {
      const k = readPort<SharedKernel>();
      // The engine's tsconfig has no WebAssembly lib: the one constructor used, typed here.
      const wasm = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, imports: object) => { exports: unknown } } }).WebAssembly;
      const instance = new wasm.Instance(k.module, { env: { memory: k.memory } });
      kernel = { exports: instance.exports as Record<string, (...args: number[]) => void>, functions: k.functions };
      kernelId = k.id;
    }
    if (!kernel || kernelId !== control[C.KERNEL_ID]) throw new Error(`kernel ${control[C.KERNEL_ID]} was never sent`);
    const fn = kernel.exports[kernel.functions[control[C.FN]]];
    const argCount = control[C.ARG_COUNT];
    for (let j = 0; j < control[C.CALL_COUNT]; j++) {
      const from = C.ARGS + j * argCount;
      fn(...Array.from(control.subarray(from, from + argCount)));
    }
  }

  function runProductBlock(): void {
    if (control[C.NEW_ARENA]) arena = readPort<SharedArrayBuffer>();
    const rows = control[C.ROWS];
    const k = control[C.K];
    const n = control[C.N];
    const slot = control[C.SLOT];
    if (control[C.FRESH_B]) {
      slots[slot]?.dispose();
      slots[slot] = tf.tensor2d(new Float32Array(arena!, control[C.B_OFFSET], k * n), [k, n]);
    }
    const a = tf.tensor2d(new Float32Array(arena!, control[C.A_OFFSET], rows * k), [rows, k]);
    const out = tf.matMul(a, slots[slot]!);
    new Float32Array(arena!, control[C.OUT_OFFSET], rows * n).set((tf.backend() as BackendWasm).typedArrayFromHeap(out) as Float32Array);
    a.dispose();
    out.dispose();
  }

  function serve(): void {
    for (;;) {
      // Sleep until a job is posted (or stop). Waiting on the value last seen, not on IDLE: after a job the
      // state stays DONE until the pool collects it, and waiting for IDLE would return at once and spin.
      let state = Atomics.load(control, C.STATE);
      while (state !== C.POSTED && state !== C.STOP) {
        Atomics.wait(control, C.STATE, state);
        state = Atomics.load(control, C.STATE);
      }
      if (state === C.STOP) return;
      try {
        if (control[C.JOB] === C.JOB_CALL) runKernelCalls();
        else runProductBlock();
        Atomics.store(control, C.STATE, C.DONE);
      } catch (e) {
        port.postMessage(String((e as Error)?.stack ?? e));
        Atomics.store(control, C.STATE, C.FAILED);
      }
      Atomics.notify(control, C.STATE);
    }
  }

  tf.setBackend('wasm').then(
    () => {
      parentPort!.postMessage({ type: 'ready' });
      // Leave this tick so the message goes out, then serve jobs until told to stop.
      setImmediate(serve);
    },
    (e: unknown) => parentPort!.postMessage({ type: 'failed', message: String((e as Error)?.message ?? e) }),
  );
}

/**
 * The helper's program: the function above, called with the worker's require. Transpilers that keep function
 * names (tsx, vitest) wrap inner functions in `__name(fn, "name")`, a helper of their own module: the program
 * brings a no-op one.
 */
export const HELPER_THREAD_SOURCE = `'use strict';\nconst __name = (fn) => fn;\n(${helperThreadMain.toString()})(require);\n`;
