// Klein bottle on the fundamental square [0,10)² with (x,y) ~ (x, y+10) and (x,y) ~ (x+10, 10−y)
// (docs/method.md §1.2). The geodesic distance is the minimum Euclidean distance from
// a to the nine nearest deck-transformation images of b, after reducing both mod 10.
import * as tf from '@tensorflow/tfjs';
import type { ModuliSpace, Points } from '../space';
import { plotFirstTwo } from '../space';
import { makePoints } from '../space';
import { nearestNeighbourChain } from '../order';
import { TORUS_SIDE, floorMod, gridPoints, gridSides, safeNorm } from './torus';
import type { Rng } from '../../random';

const L = TORUS_SIDE;

/**
 * The nine images of (x, y): identity, the two vertical translates, and the glide reflections
 * (x±10, 10−y), (x±10, −y), (x±10, 20−y). Each entry is [xShift, ySign, yShift]: (x + xShift, ySign·y + yShift).
 */
export const KLEIN_IMAGES: ReadonlyArray<readonly [number, number, number]> = [
  [0, 1, 0],
  [0, 1, L],
  [0, 1, -L],
  [L, -1, L],
  [-L, -1, L],
  [L, -1, 0],
  [-L, -1, 0],
  [L, -1, 2 * L],
  [-L, -1, 2 * L],
];

export function kleinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ax = floorMod(a[0], L);
  const ay = floorMod(a[1], L);
  const bx = floorMod(b[0], L);
  const by = floorMod(b[1], L);
  let best = Infinity;
  for (const [xs, sy, ys] of KLEIN_IMAGES) {
    const dx = ax - (bx + xs);
    const dy = ay - (sy * by + ys);
    const d2 = dx * dx + dy * dy;
    if (d2 < best) best = d2;
  }
  return Math.sqrt(best);
}

export class KleinSpace implements ModuliSpace {
  readonly id = 'klein';
  readonly label = 'Klein bottle';
  readonly dim = 2;
  readonly plotAxes = ['x₁', 'x₂'] as const;
  readonly plot = plotFirstTwo;
  readonly formula = 'points in [0,10)²; d = min over the 9 nearest deck images of b of ‖a − image‖₂';

  sample(n: number, rng: Rng): Points {
    return makePoints(n, 2, (_i, out) => {
      out[0] = L * rng.uniform();
      out[1] = L * rng.uniform();
    });
  }

  lattice(n: number): Points {
    return gridPoints(n, gridSides(n, 2), 0, L);
  }

  distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return kleinDistance(a, b);
  }

  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const r = tf.mod(rows, L);
      const c = tf.mod(cols, L);
      const [rx, ry] = tf.split(r, 2, 1);
      const [cx, cy] = tf.split(c, 2, 1);
      const candidates = KLEIN_IMAGES.map(([xs, sy, ys]) => {
        const dx = tf.sub(rx, tf.transpose(tf.add(cx, xs)));
        const dy = tf.sub(ry, tf.transpose(tf.add(tf.mul(cy, sy), ys)));
        return tf.add(tf.square(dx), tf.square(dy));
      });
      // Running minimum rather than one [9,n,m] stack: the reference's naive version needs > 2 GB at N = 4096.
      const minSq = candidates.reduce((acc, x) => tf.minimum(acc, x));
      return safeNorm(minSq) as tf.Tensor2D;
    });
  }

  project(points: tf.Tensor2D): tf.Tensor2D {
    return points;
  }

  order(points: Points): Int32Array {
    return nearestNeighbourChain(points, kleinDistance);
  }
}
