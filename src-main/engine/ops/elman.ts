// The Elman recurrence h_t = act(x_t + W·h_{t−1}) over a whole sequence as one op with a hand-derived
// BPTT gradient (issue #8: "fuse the recurrence, tf.customGrad where tfjs's tape is wasteful"):
//   forward  z_t = x_t + h_{t−1}·Wᵀ,  h_t = act(z_t)                (Wᵀ transposed once, plain matMuls)
//   backward dz_t = (dH_t + dh_t) ⊙ act'(h_t),  dh_{t−1} = dz_t·W,  dx_t = dz_t,
//            dW = DZᵀ·H_prev (one [N, T·B]·[T·B, N] product),  dh_0 = dh after the last step.
// act'(h) is written in terms of the output: relu → [h > 0], tanh → 1 − h².
// Used on wasm, where transposed matMuls are slow; equal to tfjs autodiff (test/engine/ops.spec.ts).
import * as tf from '@tensorflow/tfjs';
import type { SparseTrainingKernel } from './sparse/training';
import { transposedMatMulIsFast } from '../blas/runtime';

export type Activation = 'relu' | 'tanh';

function act(z: tf.Tensor, a: Activation): tf.Tensor2D {
  return (a === 'relu' ? tf.relu(z) : tf.tanh(z)) as tf.Tensor2D;
}

function actGrad(h: tf.Tensor, a: Activation): tf.Tensor {
  return a === 'relu' ? tf.cast(tf.greater(h, 0), 'float32') : tf.sub(1, tf.square(h));
}

function makeFused(a: Activation, steps: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, h0, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    // With transposes free (a native BLAS), W is read transposed in place; else transposed once.
    const flagged = transposedMatMulIsFast();
    const wt = flagged ? w : tf.transpose(w);
    const xs = tf.split(x, steps, 0);
    const hs: tf.Tensor2D[] = [];
    let h = h0;
    for (const xt of xs) {
      h = act(tf.add(xt, tf.matMul(h, wt, false, flagged)), a);
      hs.push(h);
    }
    const H = tf.concat(hs, 0) as tf.Tensor2D;
    save([h0, w, H]);
    return {
      value: H,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [h0s, ws, Hs] = saved as tf.Tensor2D[];
        const dH = tf.split(dy as tf.Tensor2D, steps, 0);
        const Hst = tf.split(Hs, steps, 0);
        const dzs: tf.Tensor2D[] = new Array(steps);
        let dh: tf.Tensor2D | null = null;
        for (let t = steps - 1; t >= 0; t--) {
          const total = (dh ? tf.add(dH[t], dh) : dH[t]) as tf.Tensor2D;
          const dz = tf.mul(total, actGrad(Hst[t], a)) as tf.Tensor2D;
          dzs[t] = dz;
          dh = tf.matMul(dz, ws) as tf.Tensor2D;
        }
        const DZ = tf.concat(dzs, 0) as tf.Tensor2D;
        const Hprev = steps > 1 ? tf.concat([h0s, tf.slice(Hs, [0, 0], [Hs.shape[0] - h0s.shape[0], -1])], 0) : h0s;
        const dW = transposedMatMulIsFast() ? tf.matMul(DZ, Hprev, true, false) : tf.matMul(tf.transpose(DZ), Hprev);
        return [DZ, dh!, dW];
      },
    };
  }) as (x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
}

const cache = new Map<string, (x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>();

/** x [T·B, N] (time-major, input projection and bias already added), h0 [B, N], W [N, N] → H [T·B, N]. */
export function fusedElman(x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D, a: Activation): tf.Tensor2D {
  const steps = x.shape[0] / h0.shape[0];
  const key = `${a}:${steps}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = makeFused(a, steps)));
  return f(x, h0, w);
}

/**
 * The ReLU recurrence through a pruned W_hh as one op on the sparse training kernel (ops/sparse/training.ts):
 * same inputs and output as fusedElman, gradients for x, h0 and W (zero at pruned connections). wasm and cpu
 * only: it reads its inputs synchronously.
 */
export function sparseTrainingElman(x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D, kernel: SparseTrainingKernel): tf.Tensor2D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, h0s, ws] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const batch = h0s.shape[0];
    const H = kernel.forward(ws.dataSync() as Float32Array, xs.dataSync() as Float32Array, h0s.dataSync() as Float32Array, batch);
    return {
      value: tf.tensor2d(H, xs.shape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = kernel.backward((dy as tf.Tensor).dataSync() as Float32Array);
        return [tf.tensor2d(g.dX, xs.shape), tf.tensor2d(g.dh0, h0s.shape), tf.tensor2d(g.dW, ws.shape)];
      },
    };
  }) as (x: tf.Tensor2D, h0: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
  return f(x, h0, w);
}
