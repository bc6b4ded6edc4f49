// y = x·Wᵀ for a PyTorch-layout weight W [out, in], with a gradient made of untransposed matMuls only.
// Why: tfjs-wasm's matMul is fast only without transpose flags. Measured on 2 cores (bench/ and README):
// [700,128]·[18328,128]ᵀ takes 1827 ms with transposeB but 316 ms as a plain product after an explicit
// transpose; the transposeA product of the weight gradient 1136 ms against 127 ms + a 216 ms transpose.
// Native backends (tfjs-node, -gpu) and the native BLAS on wasm (engine/blas) handle transposes themselves
// and take the plain tfjs path.
import * as tf from '@tensorflow/tfjs';
import { transposedMatMulIsFast } from '../blas/runtime';

const linearPlain = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, tf.transpose(w)),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, ws), tf.matMul(tf.transpose(g), xs)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** x [B, in] · W [out, in]ᵀ (+ b) → [B, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor): tf.Tensor2D {
  const y = transposedMatMulIsFast() ? tf.matMul(x, w, false, true) : linearPlain(x, w);
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
}
