// Flat torus T^k = R^k / (10 Z)^k (docs/method.md §1): uniform points in [0,10)^k, distance = Euclidean norm
// of the per-coordinate wrap-around distance min((a−b) mod 10, (b−a) mod 10).
import * as tf from '@tensorflow/tfjs';
import type { ModuliSpace, Points } from '../space';
import { plotFirstTwo } from '../space';
import { makePoints } from '../space';
import { nearestNeighbourChain } from '../order';
import type { Rng } from '../../random';

export const TORUS_SIDE = 10;

/** Non-negative remainder, as Python's `%` (the reference's convention). */
export function floorMod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

export function wrapDelta(a: number, b: number, side = TORUS_SIDE): number {
  return Math.min(floorMod(a - b, side), floorMod(b - a, side));
}

export function torusDistance(a: ArrayLike<number>, b: ArrayLike<number>, side = TORUS_SIDE): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = wrapDelta(a[k], b[k], side);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Grid sides for n points in k dimensions: an exact factorisation when one exists, else a truncated grid. */
export function gridSides(n: number, k: number): number[] {
  if (k === 2) {
    for (let a = Math.floor(Math.sqrt(n)); a >= 1; a--) {
      if (n % a === 0 && n / a <= 4 * a) return [a, n / a];
    }
  }
  const m = Math.round(n ** (1 / k));
  if (m ** k === n) return Array(k).fill(m);
  return Array(k).fill(Math.ceil(n ** (1 / k)));
}

/** The first n cells of a regular grid with the given sides over [0, side)^k, at cell centres. */
export function gridPoints(n: number, sides: number[], lo: number, extent: number): Points {
  const k = sides.length;
  return makePoints(n, k, (i, out) => {
    let rest = i;
    for (let c = k - 1; c >= 0; c--) {
      const cell = rest % sides[c];
      rest = Math.floor(rest / sides[c]);
      out[c] = lo + ((cell + 0.5) * extent) / sides[c];
    }
  });
}

/** Pairwise differences rows[i] − cols[j] as [n, m, k]. */
export function pairwiseDiff(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor3D {
  return tf.sub(tf.expandDims(rows, 1), tf.expandDims(cols, 0)) as tf.Tensor3D;
}

/** sqrt with a zero (not NaN) gradient at 0, matching torch.norm's subgradient (docs/method.md §5). */
export function safeNorm(sumSq: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.add(sumSq, 1e-12));
}

export class TorusSpace implements ModuliSpace {
  readonly id: string;
  readonly label: string;
  readonly formula: string;
  readonly plotAxes = ['x₁', 'x₂'] as const;
  readonly plot = plotFirstTwo;

  constructor(readonly dim: number) {
    this.id = dim === 2 ? 'torus' : `torus${dim}`;
    this.label = dim === 2 ? 'Torus T²' : `${dim}-torus T^${dim}`;
    this.formula = `points in [0,10)^${dim}; d = ‖min((a−b) mod 10, (b−a) mod 10)‖₂`;
  }

  sample(n: number, rng: Rng): Points {
    return makePoints(n, this.dim, (_i, out) => {
      for (let c = 0; c < this.dim; c++) out[c] = TORUS_SIDE * rng.uniform();
    });
  }

  lattice(n: number): Points {
    return gridPoints(n, gridSides(n, this.dim), 0, TORUS_SIDE);
  }

  distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return torusDistance(a, b);
  }

  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const diff = pairwiseDiff(rows, cols);
      const wrapped = tf.minimum(tf.mod(diff, TORUS_SIDE), tf.mod(tf.neg(diff), TORUS_SIDE));
      return safeNorm(tf.sum(tf.square(wrapped), 2)) as tf.Tensor2D;
    });
  }

  project(points: tf.Tensor2D): tf.Tensor2D {
    // The distance is periodic, so coordinates are never wrapped (as the reference, §5).
    return points;
  }

  order(points: Points): Int32Array {
    return nearestNeighbourChain(points, torusDistance);
  }
}
