// Embedding orders: 1-D arrangements of neurons that keep geodesic neighbours adjacent, so that a weight
// matrix permuted into this order shows the geometry as a band. Beyond the paper (its heatmaps scatter one
// column over the embedding instead, docs/method.md §7).
import type { Points } from './space';
import { pointRow } from './space';

/**
 * Greedy nearest-neighbour chain under the space's own geodesic distance: start at the neuron nearest the
 * first point, repeatedly step to the closest unvisited neuron. O(N²) distance evaluations, no N² memory.
 */
export function nearestNeighbourChain(points: Points, distance: (a: Float64Array, b: Float64Array) => number): Int32Array {
  const n = points.n;
  const order = new Int32Array(n);
  if (n === 0) return order;
  const visited = new Uint8Array(n);
  let current = 0;
  for (let k = 0; k < n; k++) {
    order[k] = current;
    visited[current] = 1;
    if (k === n - 1) break;
    const here = pointRow(points, current);
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (visited[j]) continue;
      const d = distance(here, pointRow(points, j));
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    current = best;
  }
  return order;
}

/** Sort indices by a key (stable). */
export function orderByKey(n: number, key: (i: number) => number): Int32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  const keys = idx.map(key);
  idx.sort((a, b) => keys[a] - keys[b] || a - b);
  return Int32Array.from(idx);
}

/** Mean geodesic distance between consecutive neurons of an order: lower is more local. */
export function orderStepLength(points: Points, order: Int32Array, distance: (a: Float64Array, b: Float64Array) => number): number {
  if (order.length < 2) return 0;
  let total = 0;
  for (let k = 1; k < order.length; k++) total += distance(pointRow(points, order[k - 1]), pointRow(points, order[k]));
  return total / (order.length - 1);
}

/** Is `order` a permutation of 0..n−1? */
export function isPermutation(order: ArrayLike<number>, n: number): boolean {
  if (order.length !== n) return false;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = order[i];
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}
