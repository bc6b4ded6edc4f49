// Can tfjs-wasm use a second thread in Node? Prints whether the multithread flag is set, then forces the
// threaded-SIMD build with 2 threads and reports the matMul throughput, or the error it fails with.
// Usage: node bin/run-ts.mjs bench/wasm-threads.bench.ts [--force]
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';

const force = process.argv.includes('--force');
console.log(
  JSON.stringify({
    probe: 'wasm-flags',
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  }),
);
if (force) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(2);
}
const ok = await tf.setBackend('wasm').catch(() => false);
if (!ok) {
  console.log(JSON.stringify({ probe: 'wasm-init', forced: force, ok: false, note: 'see the initialization error above' }));
  process.exit(0);
}
await tf.ready();
const a = tf.randomNormal([200, 1024]);
const w = tf.randomNormal([1024, 1024]);
const big = tf.randomNormal([4000, 1024]);
for (const [shape, x, rows] of [
  ['[200,1024]x[1024,1024]', a, 200],
  ['[4000,1024]x[1024,1024]', big, 4000],
] as const) {
  tf.matMul(x, w).dataSync();
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const r = tf.matMul(x, w);
    r.dataSync();
    r.dispose();
    ts.push(performance.now() - t);
  }
  const ms = ts.sort((p, q) => p - q)[3];
  console.log(
    JSON.stringify({
      probe: 'matMul',
      forced: force,
      threads: wasm.getThreadsCount(),
      shape,
      ms: +ms.toFixed(2),
      gflops: +((2 * rows * 1024 * 1024) / ms / 1e6).toFixed(1),
    }),
  );
}
process.exit(0);
