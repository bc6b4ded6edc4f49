// The code of one matrix-product helper thread (worker_threads, `eval: true`), kept as plain CommonJS text so
// it runs the same from the TypeScript sources (tsx, vitest), the CLI bundle and the Electron build without a
// separate entry file: it requires tfjs-core and the wasm backend by the absolute paths the pool resolved.
//
// Each helper owns its own tfjs wasm backend (XNNPACK, SIMD, one thread) and computes a block of rows of
// A·B. It does not use its event loop after start-up: it sleeps in Atomics.wait on its control words and the
// pool wakes it with a job (a posted message took ≈0.5 ms to arrive, as much as a small product). Data travels
// through a SharedArrayBuffer "arena" (a new one comes on the `jobs` port, read synchronously); B (the weights)
// is kept in one of a few slots between calls, so a recurrent weight used at every time step crosses once (and
// XNNPACK packs it once, caching on the tensor). Helpers also run functions of the sparse recurrence kernel
// (ops/sparse/recurrence.wat) on a kernel instance's shared memory — the module and memory arrive on the port
// once per instance. Control words: see CONTROL in matmul-threads.ts.
export const MATMUL_THREAD_SOURCE = String.raw`
'use strict';
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const tf = require(workerData.tfjsCore);
require(workerData.tfjsWasm);
const C = workerData.layout;
const control = new Int32Array(workerData.control, workerData.index * C.WORDS * 4, C.WORDS);
const port = workerData.port;
const slots = [];
let arena = null;
let kernel = null;
let kernelId = -1;

function run() {
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
      if (control[C.JOB] === C.JOB_CALL) {
        if (control[C.NEW_KERNEL]) {
          const k = receiveMessageOnPort(port).message;
          kernel = new WebAssembly.Instance(k.module, { env: { memory: k.memory } }).exports;
          kernelId = k.id;
        }
        if (kernelId !== control[C.KERNEL_ID]) throw new Error('kernel ' + control[C.KERNEL_ID] + ' was never sent');
        const fn = kernel[workerData.functions[control[C.FN]]];
        const argCount = control[C.ARG_COUNT];
        for (let j = 0; j < control[C.CALL_COUNT]; j++) {
          const from = C.ARGS + j * argCount;
          fn(...Array.from(control.subarray(from, from + argCount)));
        }
        Atomics.store(control, C.STATE, C.DONE);
        Atomics.notify(control, C.STATE);
        continue;
      }
      if (control[C.NEW_ARENA]) arena = receiveMessageOnPort(port).message;
      const rows = control[C.ROWS], k = control[C.K], n = control[C.N], slot = control[C.SLOT];
      if (control[C.FRESH_B]) {
        if (slots[slot]) slots[slot].dispose();
        slots[slot] = tf.tensor2d(new Float32Array(arena, control[C.B_OFFSET], k * n), [k, n]);
      }
      const a = tf.tensor2d(new Float32Array(arena, control[C.A_OFFSET], rows * k), [rows, k]);
      const out = tf.matMul(a, slots[slot]);
      new Float32Array(arena, control[C.OUT_OFFSET], rows * n).set(tf.backend().typedArrayFromHeap(out));
      a.dispose();
      out.dispose();
      Atomics.store(control, C.STATE, C.DONE);
    } catch (e) {
      port.postMessage(String((e && e.stack) || e));
      Atomics.store(control, C.STATE, C.FAILED);
    }
    Atomics.notify(control, C.STATE);
  }
}

tf.setBackend('wasm').then(
  () => {
    parentPort.postMessage({ type: 'ready' });
    // Leave this tick so the message goes out, then serve jobs until told to stop.
    setImmediate(run);
  },
  (e) => parentPort.postMessage({ type: 'failed', message: String((e && e.message) || e) }),
);
`;
