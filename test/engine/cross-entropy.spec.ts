// The fused softmax cross-entropy equals the logSoftmax formulation the tasks used before, in value and
// gradient, on the wasm and cpu backends.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { softmaxCrossEntropy, sparseSoftmaxCrossEntropy } from '../../src-main/engine/ops/cross-entropy';

const M = 7;
const V = 11;
const logitsData = Float32Array.from({ length: M * V }, (_, k) => Math.sin(k * 1.3) * 4);
const targets = Int32Array.from({ length: M }, (_, r) => (r * 5) % V);
const softData = Float32Array.from({ length: M * V }, (_, k) => Math.abs(Math.cos(k)) / V);

function compare(fused: (z: tf.Tensor2D) => tf.Scalar, reference: (z: tf.Tensor2D) => tf.Scalar) {
  const z = tf.variable(tf.tensor2d(logitsData, [M, V]));
  const a = tf.variableGrads(() => fused(z), [z]);
  const b = tf.variableGrads(() => reference(z), [z]);
  expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0], 5);
  const ga = a.grads[z.name].dataSync();
  const gb = b.grads[z.name].dataSync();
  for (let k = 0; k < ga.length; k++) expect(ga[k]).toBeCloseTo(gb[k], 6);
  z.dispose();
}

describe.each(['wasm', 'cpu'])('softmax cross-entropy on %s', (backend) => {
  it('soft targets: value and gradient equal −mean Σ y·logSoftmax(z)', async () => {
    await selectBackend('wasm');
    await tf.setBackend(backend);
    const y = tf.tensor2d(softData, [M, V]);
    compare(
      (z) => softmaxCrossEntropy(z, y),
      (z) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1))) as tf.Scalar,
    );
  });

  it('integer targets: value and gradient equal the gathered −logSoftmax', async () => {
    await selectBackend('wasm');
    await tf.setBackend(backend);
    const flat = Int32Array.from(targets, (t, r) => r * V + t);
    compare(
      (z) => sparseSoftmaxCrossEntropy(z, targets),
      (z) => tf.neg(tf.mean(tf.gather(tf.reshape(tf.logSoftmax(z), [M * V]), tf.tensor1d(flat, 'int32')))) as tf.Scalar,
    );
    expect(() => sparseSoftmaxCrossEntropy(tf.zeros([M, V]) as tf.Tensor2D, new Int32Array(3))).toThrow(/3 targets for 7 rows/);
  });
});
