// Softmax cross-entropy as one op with a hand-written gradient. With tfjs's logSoftmax the tape runs a second
// exp pass over the logits in the backward (∂logSoftmax needs softmax again); over the language model's
// [T·B, vocabulary] logits that pass was the largest non-matMul cost of a step (bench:train, issue #8).
// Here the forward keeps p = softmax(z) and the backward is (p·Σy − y)/M: one exp pass in all.
//   soft targets y [M, V] (navigation):  L = mean_r( lse_r·Σ_k y_rk − Σ_k y_rk·z_rk )
//   integer targets t [M] (language):     L = mean_r( lse_r − z_r,t_r ),  y = onehot(t)
// Equal to the logSoftmax formulation within float rounding (test/engine/cross-entropy.spec.ts).
import * as tf from '@tensorflow/tfjs';

function lseAndSoftmax(z: tf.Tensor2D): { lse: tf.Tensor2D; p: tf.Tensor2D } {
  const m = tf.max(z, 1, true);
  const e = tf.exp(tf.sub(z, m));
  const s = tf.sum(e, 1, true);
  return { lse: tf.add(tf.log(s), m) as tf.Tensor2D, p: tf.div(e, s) as tf.Tensor2D };
}

const softTargets = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [z, y, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const { lse, p } = lseAndSoftmax(z);
  const mass = tf.sum(y, 1, true);
  const value = tf.mean(tf.sub(tf.mul(lse, mass), tf.sum(tf.mul(y, z), 1, true))) as tf.Scalar;
  save([p, y, mass]);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [ps, ys, ms] = saved;
      const scale = tf.div(dy as tf.Tensor, ps.shape[0]!);
      // y is data, not a parameter: its gradient is never used, so return zeros of its shape cheaply.
      return [tf.mul(tf.sub(tf.mul(ps, ms), ys), scale), tf.zerosLike(ys)];
    },
  };
}) as (z: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar;

/** −mean_r Σ_k y_rk · log softmax(z)_rk for soft targets y (rows need not sum to 1). */
export function softmaxCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return softTargets(logits, target);
}

/** Mean negative log-likelihood of integer targets under softmax(logits [M, V]). */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [M, V] = logits.shape;
  if (targets.length !== M) throw new Error(`cross-entropy: ${targets.length} targets for ${M} rows`);
  const t = tf.tensor1d(targets, 'int32');
  const flat = new Int32Array(M);
  for (let r = 0; r < M; r++) flat[r] = r * V + targets[r];
  const at = tf.tensor1d(flat, 'int32');
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const { lse, p } = lseAndSoftmax(z);
    const picked = tf.gather(tf.reshape(z, [M * V]), at);
    const value = tf.mean(tf.sub(tf.reshape(lse, [M]), picked)) as tf.Scalar;
    // Tensors the gradient needs must be saved: the forward's other tensors are gone by the backward.
    save([p, t]);
    return {
      value,
      // int32 one-hot, then cast: tfjs-wasm 4.22's OneHot with dtype float32 writes integer bit patterns
      // (a 1 reads as 1.4e-45), found by test/engine/cross-entropy.spec.ts.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.mul(tf.sub(saved[0], tf.cast(tf.oneHot(saved[1] as tf.Tensor1D, V), 'float32')), tf.div(dy as tf.Tensor, M)),
      ],
    };
  }) as (z: tf.Tensor2D) => tf.Scalar;
  const out = f(logits);
  at.dispose();
  return out;
}
