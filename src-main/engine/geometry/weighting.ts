// Weighting ("inhibitor") functions f: distance → penalty (docs/method.md §2.1).
// Each is a pure scalar function plus one tensor version; invert and permute are separate steps (penalty.ts).
import * as tf from '@tensorflow/tfjs';
import type { DogWidths, Weighting } from '../../schema/penalty';

export interface WeightingParams {
  dog: DogWidths;
  /** Multiplier for `mean`: the mean DoG over a random T² of the same N (computed in penalty.ts). */
  meanScale: number;
}

export function weightingFunction(w: Weighting, p: WeightingParams): (d: number) => number {
  switch (w) {
    case 'distance':
      return (d) => d;
    case 'square':
      return (d) => d * d;
    case 'gauss':
      return (d) => 100 * Math.exp((-d * d) / 3);
    case 'dog':
      return (d) => 100 * (Math.exp((-d * d) / p.dog.outer) - Math.exp(-p.dog.inner * d * d));
    case 'ripple':
      return (d) => 50 + 50 * Math.cos(2 * d);
    case 'mean':
      return (d) => p.meanScale * d;
  }
}

export function weightingTensor(w: Weighting, d: tf.Tensor, p: WeightingParams): tf.Tensor {
  return tf.tidy(() => {
    switch (w) {
      case 'distance':
        return tf.clone(d);
      case 'square':
        return tf.square(d);
      case 'gauss':
        return tf.mul(tf.exp(tf.div(tf.neg(tf.square(d)), 3)), 100);
      case 'dog': {
        const d2 = tf.square(d);
        return tf.mul(tf.sub(tf.exp(tf.div(tf.neg(d2), p.dog.outer)), tf.exp(tf.mul(d2, -p.dog.inner))), 100);
      }
      case 'ripple':
        return tf.add(tf.mul(tf.cos(tf.mul(d, 2)), 50), 50);
      case 'mean':
        return tf.mul(d, p.meanScale);
    }
  });
}
