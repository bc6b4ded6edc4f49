// Seeded parameter initialisers matching PyTorch's defaults (so magnitudes, and hence the global pruning
// split between matrices, compare with the reference: docs/method.md §4).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';

// tfjs variable names are process-global, so variables stay anonymous (auto-named) and models key them by
// their own names: several models (a lottery retrain, tests) can then live in one process. `_name` documents.

/** U(−bound, bound) as a trainable variable. PyTorch Linear/RNN: bound = 1/sqrt(fan_in) (or 1/sqrt(hidden)). */
export function uniformVariable(_name: string, shape: number[], bound: number, rng: Rng): tf.Variable {
  return tf.tidy(() => tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', rng.seed32()), true));
}

export function zerosVariable(_name: string, shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros(shape), true));
}

export { linear } from '../ops/linear';
