// Plain Euclidean R^n (docs/method.md §1: used by the reference for learned embeddings, r3 and r9).
// Samples are standard normal, as the navigation reference's r3 (its adding-problem r3/r9 scale them by 10).
import * as tf from '@tensorflow/tfjs';
import type { ModuliSpace, Points } from '../space';
import { plotFirstTwo } from '../space';
import { makePoints } from '../space';
import { nearestNeighbourChain } from '../order';
import { gridPoints, gridSides, pairwiseDiff, safeNorm } from './torus';
import type { Rng } from '../../random';

export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k] - b[k];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Half-width of the lattice cube: ±2 covers ~95 % of a standard normal's mass per axis. */
const LATTICE_HALF_WIDTH = 2;

export class EuclideanSpace implements ModuliSpace {
  readonly id: string;
  readonly label: string;
  readonly formula: string;
  readonly plotAxes = ['x₁', 'x₂'] as const;
  readonly plot = plotFirstTwo;

  constructor(readonly dim: number) {
    this.id = `r${dim}`;
    this.label = `Euclidean R^${dim}`;
    this.formula = `points in R^${dim} (standard normal samples); d = ‖a − b‖₂`;
  }

  sample(n: number, rng: Rng): Points {
    return makePoints(n, this.dim, (_i, out) => {
      for (let c = 0; c < this.dim; c++) out[c] = rng.normal();
    });
  }

  lattice(n: number): Points {
    return gridPoints(n, gridSides(n, this.dim), -LATTICE_HALF_WIDTH, 2 * LATTICE_HALF_WIDTH);
  }

  distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return euclideanDistance(a, b);
  }

  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => safeNorm(tf.sum(tf.square(pairwiseDiff(rows, cols)), 2)) as tf.Tensor2D);
  }

  project(points: tf.Tensor2D): tf.Tensor2D {
    return points;
  }

  order(points: Points): Int32Array {
    return nearestNeighbourChain(points, euclideanDistance);
  }
}
