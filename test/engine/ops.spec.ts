// Hand-written gradients equal tfjs autodiff of the straightforward formulation.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { fusedElman } from '../../src-main/engine/ops/elman';
import { linear } from '../../src-main/engine/ops/linear';

beforeAll(async () => {
  await selectBackend('wasm');
});

function reference(x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D, act: 'relu' | 'tanh'): tf.Tensor2D {
  const steps = x.shape[0] / h0.shape[0];
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  for (const xt of tf.split(x, steps, 0)) {
    const z = tf.add(xt, tf.matMul(h, w, false, true));
    h = (act === 'relu' ? tf.relu(z) : tf.tanh(z)) as tf.Tensor2D;
    hs.push(h);
  }
  return tf.concat(hs, 0) as tf.Tensor2D;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

describe('fused Elman recurrence', () => {
  it.each(['relu', 'tanh'] as const)('%s: values and gradients (x, h0, W) equal autodiff of the step loop', (act) => {
    const T = 5;
    const B = 3;
    const N = 7;
    const x = tf.randomNormal([T * B, N], 0, 1, 'float32', 1) as tf.Tensor2D;
    const h0 = tf.randomNormal([B, N], 0, 1, 'float32', 2) as tf.Tensor2D;
    const w = tf.randomNormal([N, N], 0, 0.5, 'float32', 3) as tf.Tensor2D;
    const probe = tf.randomNormal([T * B, N], 0, 1, 'float32', 4);
    const loss = (f: typeof reference) => (xx: tf.Tensor, hh: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.mul(f(xx as tf.Tensor2D, hh as tf.Tensor2D, ww as tf.Tensor2D, act), probe)) as tf.Scalar;
    close(fusedElman(x, h0, w, act).dataSync(), reference(x, h0, w, act).dataSync());
    const gf = tf.grads(loss(fusedElman))([x, h0, w]);
    const gr = tf.grads(loss(reference))([x, h0, w]);
    gf.forEach((g, i) => close(g.dataSync(), gr[i].dataSync()));
  });
});

describe('transpose-free linear', () => {
  it('x·Wᵀ and its gradients equal tf.matMul with transposeB', () => {
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 6) as tf.Tensor2D;
    const probe = tf.randomNormal([6, 3], 0, 1, 'float32', 7);
    close(linear(x, w).dataSync(), tf.matMul(x, w, false, true).dataSync());
    const a = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(linear(xx as tf.Tensor2D, ww as tf.Tensor2D), probe)) as tf.Scalar)([x, w]);
    const b = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D, false, true), probe)) as tf.Scalar)([
      x,
      w,
    ]);
    a.forEach((g, i) => close(g.dataSync(), b[i].dataSync()));
  });
});
