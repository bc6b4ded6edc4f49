// Sparse or dense recurrence for a pruned W_hh, decided by measuring both on the run's shapes. Why: the
// sparse training kernels beat the built-in wasm products from ~90 % sparsity on, but native BLAS products
// are several times faster, and then the dense path can win (bench: N = 1024 at 90 %, sparse 1.05× the dense
// step). Results agree either way (the kernels are exact on the kept connections), so only time is at stake.
import * as tf from '@tensorflow/tfjs';
import { fusedElman } from '../elman';
import type { SparseTrainingKernel } from './training';

export interface RecurrenceRace {
  /** The path taken. */
  sparse: boolean;
  /** Best of a few forward + backward passes over one batch, ms. */
  sparseMs: number;
  denseMs: number;
}

function best(reps: number, fn: () => void): number {
  let ms = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

/**
 * Times one forward and backward pass of the recurrence over [steps·batch, n] through the sparse kernel and
 * through the dense fused op (whatever products the backend uses now), on random data; the faster wins.
 */
export function raceRecurrence(kernel: SparseTrainingKernel, n: number, batch: number, steps: number, reps = 2): RecurrenceRace {
  const rows = steps * batch;
  const x = tf.randomNormal([rows, n], 0, 1, 'float32', 1) as tf.Tensor2D;
  const h0 = tf.randomNormal([batch, n], 0, 1, 'float32', 2) as tf.Tensor2D;
  const w = tf.randomNormal([n, n], 0, 1 / Math.sqrt(n), 'float32', 3) as tf.Tensor2D;
  try {
    const wv = w.dataSync() as Float32Array;
    const xv = x.dataSync() as Float32Array;
    const hv = h0.dataSync() as Float32Array;
    const dy = new Float32Array(rows * n).fill(1);
    const sparseMs = best(reps, () => {
      kernel.forward(wv, xv, hv, batch);
      kernel.backward(dy);
    });
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(fusedElman(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, 'relu')));
    const denseMs = best(reps, () => tf.tidy(() => grads([x, h0, w]).forEach((g) => g.dataSync())));
    return { sparse: sparseMs <= denseMs, sparseMs: +sparseMs.toFixed(2), denseMs: +denseMs.toFixed(2) };
  } finally {
    tf.dispose([x, h0, w]);
  }
}
