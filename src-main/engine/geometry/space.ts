// The one interface every moduli space implements (docs/method.md §1). Points are stored row-major in a
// Float64Array of N × dim coordinates: neuron i is row i (the reference's torus code re-pairs coordinates
// by reshaping (N,k) as (k,N); docs/method.md §1.1 — we implement the intended row = point convention).
import type * as tf from '@tensorflow/tfjs';
import * as tfRuntime from '@tensorflow/tfjs';
import type { Rng } from '../random';

export interface Points {
  /** Number of points (neurons). */
  n: number;
  /** Coordinates per point. */
  dim: number;
  /** Row-major n × dim coordinates. */
  coords: Float64Array;
}

export interface ModuliSpace {
  /** Canonical id, e.g. 'torus', 'torus6', 'klein', 'circle', 'sphere', 's3', 'mixedcurv', 'r3'. */
  readonly id: string;
  /** Human-readable name used in the UI and reports. */
  readonly label: string;
  /** Coordinates per point. */
  readonly dim: number;
  /** The distance formula in words, for help texts and the README. */
  readonly formula: string;
  /** The reference's random embedding (i.i.d. samples). */
  sample(n: number, rng: Rng): Points;
  /** A regular, quasi-uniform layout (beyond the paper). */
  lattice(n: number): Points;
  /** Exact geodesic distance between two coordinate vectors of length `dim`. */
  distance(a: ArrayLike<number>, b: ArrayLike<number>): number;
  /**
   * Differentiable pairwise distances for learned embeddings: rows [n,dim] × cols [m,dim] → [n,m].
   * Must agree with `distance` (tested).
   */
  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D;
  /** Put coordinates back on the space after an optimizer step (spheres renormalise; flat spaces: identity). */
  project(points: tf.Tensor2D): tf.Tensor2D;
  /** A 1-D ordering of the points that keeps geodesic neighbours close (for heatmaps). */
  order(points: Points): Int32Array;
  /** Axis names of the 2-D picture of the space (the embedding scatter). */
  readonly plotAxes: readonly [string, string];
  /** Where a point is drawn in that picture (spheres: longitude/latitude; flat spaces: their first coordinates). */
  plot(point: ArrayLike<number>): [number, number];
}

/** The first two coordinates (the fundamental square of T² and the Klein bottle; R^n's first plane). */
export function plotFirstTwo(p: ArrayLike<number>): [number, number] {
  return [p[0], p.length > 1 ? p[1] : 0];
}

export function makePoints(n: number, dim: number, fill: (i: number, out: Float64Array) => void): Points {
  const coords = new Float64Array(n * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    fill(i, row);
    coords.set(row, i * dim);
  }
  return { n, dim, coords };
}

export function pointRow(p: Points, i: number): Float64Array {
  return p.coords.subarray(i * p.dim, (i + 1) * p.dim);
}

/** Points as a float32 tensor [n, dim] (tfjs rejects Float64Array input). */
export function pointsTensor(p: Points): tf.Tensor2D {
  return tfRuntime.tensor2d(Float32Array.from(p.coords), [p.n, p.dim], 'float32');
}
