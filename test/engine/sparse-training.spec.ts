// Training through a pruned W_hh with the sparse kernels (ops/sparse/training.ts) against the dense path:
// the op's value and gradients against tfjs autodiff, and whole training runs with and without it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { sparseTrainingElman } from '../../src-main/engine/ops/elman';
import { SparseTrainingKernel } from '../../src-main/engine/ops/sparse/training';
import type { TrainingEvent } from '../../src-main/engine/training/events';
import { runExperiment } from '../../src-main/engine/training/trainer';
import { ExperimentConfig } from '../../src-main/schema/experiment';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A 90 %-pruned random mask and a W with both signs (ReLU kinks are exercised). */
function problem(n: number, batch: number, steps: number, seed: number) {
  const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([n, n], 0, 1, 'float32', seed), 0.9), 'float32'));
  const w = tf.tidy(() => tf.mul(tf.randomNormal([n, n], 0, 0.6, 'float32', seed + 1), mask)) as tf.Tensor2D;
  const x = tf.randomNormal([steps * batch, n], 0.1, 1, 'float32', seed + 2) as tf.Tensor2D;
  const h0 = tf.relu(tf.randomNormal([batch, n], 0, 1, 'float32', seed + 3)) as tf.Tensor2D;
  const dy = tf.randomNormal([steps * batch, n], 0, 1, 'float32', seed + 4) as tf.Tensor2D;
  return { mask, w, x, h0, dy };
}

function denseElman(x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D, steps: number): tf.Tensor2D {
  const xs = steps === 1 ? [x] : tf.split(x, steps, 0);
  const hs: tf.Tensor[] = [];
  let h = h0;
  for (const xt of xs) {
    h = tf.relu(tf.add(xt, tf.matMul(h, w, false, true))) as tf.Tensor2D;
    hs.push(h);
  }
  return tf.concat(hs, 0) as tf.Tensor2D;
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const maxAbs = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);

describe('sparse training kernel', () => {
  it.each([
    [40, 5, 6],
    [64, 16, 3],
    [33, 20, 1],
  ])('N = %i, batch %i, %i steps: value and gradients (x, h0, W) equal tfjs autodiff; pruned connections get exactly 0', (n, batch, steps) => {
    const p = problem(n, batch, steps, n + batch);
    const kernel = new SparseTrainingKernel(p.mask.dataSync(), n);
    const loss = (f: (x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, h0: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, h0 as tf.Tensor2D, w as tf.Tensor2D), p.dy)) as tf.Scalar;
    const dense = tf.grads(loss((x, h0, w) => denseElman(x, h0, w, steps)))([p.x, p.h0, p.w]);
    const sparse = tf.grads(loss((x, h0, w) => sparseTrainingElman(x, h0, w, kernel)))([p.x, p.h0, p.w]);
    const denseH = denseElman(p.x, p.h0, p.w, steps);
    const sparseH = sparseTrainingElman(p.x, p.h0, p.w, kernel);
    expect(maxAbsDiff(sparseH, denseH)).toBeLessThan(1e-5 * Math.max(1, maxAbs(denseH)));
    // dW of the dense path masked: pruned entries' gradient is zero by definition (docs/method.md §4).
    const expected = [dense[0], dense[1], tf.mul(dense[2], p.mask)];
    sparse.forEach((g, i) => expect(maxAbsDiff(g, expected[i]), `gradient ${['x', 'h0', 'W'][i]}`).toBeLessThan(1e-4 * Math.max(1, maxAbs(expected[i]))));
    const dW = sparse[2].dataSync();
    const m = p.mask.dataSync();
    m.forEach((k, i) => k === 0 && expect(dW[i]).toBe(0));
    tf.dispose([...dense, ...sparse, ...expected, denseH, sparseH, p.mask, p.w, p.x, p.h0, p.dy]);
  });

  it('refuses a backward pass without a forward pass and a mask of the wrong size', () => {
    const kernel = new SparseTrainingKernel(new Float32Array(16).fill(1), 4);
    expect(() => kernel.backward(new Float32Array(8))).toThrow(/without a forward/);
    expect(() => new SparseTrainingKernel(new Float32Array(15), 4)).toThrow(/15 entries/);
  });
});

describe('training with sparse steps once W_hh is ≥ 90 % pruned', () => {
  // Navigation prunes W_hh only (scope recurrent) to 95 %: the last epoch trains sparsely.
  const config = () =>
    ExperimentConfig.parse({
      seed: 4,
      backend: 'wasm',
      // The kernels always apply on the built-in path; under a native BLAS a run measures them against dense
      // products first (native-blas.spec.ts).
      blas: 'off',
      task: { task: 'navigation', hidden: 48, placeCells: 32, sequenceLength: 8, batchSize: 24, stepsPerEpoch: 6, epochs: 4, validationBatches: 1 },
      regularization: { lambda: 0.01 },
      pruning: { target: 0.95, scope: 'recurrent' },
    });

  async function curve(sparseTraining: boolean) {
    const events: TrainingEvent[] = [];
    const result = await runExperiment(config(), { sparseTraining, metricsEvery: 1, onEvent: (e) => events.push(e) });
    return { losses: events.flatMap((e) => (e.type === 'metrics' ? [e.values.loss] : [])), events, result };
  }

  it('follows the dense path’s loss curve within 1e-4 relative, uses the kernel, keeps masks exact and is deterministic', async () => {
    const forward = vi.spyOn(SparseTrainingKernel.prototype, 'forward');
    const dense = await curve(false);
    expect(forward).not.toHaveBeenCalled();
    const sparse = await curve(true);
    // Pruned to 32, 63 and 95 % at the starts of epochs 1–3: only epoch 3 (6 steps) is ≥ 90 %.
    expect(forward).toHaveBeenCalledTimes(6);
    forward.mockRestore();
    expect(sparse.losses).toHaveLength(dense.losses.length);
    sparse.losses.forEach((x, i) => expect(Math.abs(x - dense.losses[i]) / Math.abs(dense.losses[i]), `step ${i}`).toBeLessThan(1e-4));
    for (const e of sparse.events) {
      if (e.type !== 'snapshot') continue;
      for (const m of e.matrices) if (m.mask) m.mask.forEach((k, i) => k === 0 && expect(Math.abs(m.weights[i])).toBe(0));
    }
    const again = await curve(true);
    expect(again.losses).toEqual(sparse.losses);
  });
});
