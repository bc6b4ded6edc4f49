// Mixed curvature S² × T² (the reference's `mixedcurv`, navigation only): each neuron has an S² point
// (coordinates 0..2, radius 5) and a T² point (coordinates 3..4, side 10); d = sqrt(d_S2² + d_T2²).
import * as tf from '@tensorflow/tfjs';
import type { ModuliSpace, Points } from '../space';
import { makePoints } from '../space';
import { nearestNeighbourChain } from '../order';
import { SphereSpace, sphereDistance } from './sphere';
import { TORUS_SIDE, TorusSpace, torusDistance } from './torus';
import type { Rng } from '../../random';

const SPHERE_RADIUS = 5;
// Roberts' R2 low-discrepancy sequence (1/g, 1/g²), g the plastic number: a quasi-uniform T² layout for any n.
const PLASTIC = 1.324717957244746;

export function mixedDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ds = sphereDistance([a[0], a[1], a[2]], [b[0], b[1], b[2]], SPHERE_RADIUS);
  const dt = torusDistance([a[3], a[4]], [b[3], b[4]]);
  return Math.sqrt(ds * ds + dt * dt);
}

export class MixedCurvatureSpace implements ModuliSpace {
  readonly id = 'mixedcurv';
  readonly label = 'Mixed curvature S² × T²';
  readonly dim = 5;
  /** Drawn by its torus part. */
  readonly plotAxes = ['torus x₁', 'torus x₂'] as const;
  plot(p: ArrayLike<number>): [number, number] {
    return [p[3], p[4]];
  }
  readonly formula = '(S² point, T² point); d = sqrt(d_S2² + d_T2²)';
  private readonly sphere = new SphereSpace(2, SPHERE_RADIUS);
  private readonly torus = new TorusSpace(2);

  sample(n: number, rng: Rng): Points {
    const s = this.sphere.sample(n, rng);
    const t = this.torus.sample(n, rng);
    return this.zip(s, t);
  }

  lattice(n: number): Points {
    const s = this.sphere.lattice(n);
    const t = makePoints(n, 2, (i, out) => {
      out[0] = TORUS_SIDE * ((0.5 + (i + 1) / PLASTIC) % 1);
      out[1] = TORUS_SIDE * ((0.5 + (i + 1) / (PLASTIC * PLASTIC)) % 1);
    });
    return this.zip(s, t);
  }

  private zip(s: Points, t: Points): Points {
    return makePoints(s.n, 5, (i, out) => {
      out.set(s.coords.subarray(3 * i, 3 * i + 3), 0);
      out.set(t.coords.subarray(2 * i, 2 * i + 2), 3);
    });
  }

  distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return mixedDistance(a, b);
  }

  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const ds = this.sphere.distanceTensor(tf.slice(rows, [0, 0], [-1, 3]), tf.slice(cols, [0, 0], [-1, 3]));
      const dt = this.torus.distanceTensor(tf.slice(rows, [0, 3], [-1, 2]), tf.slice(cols, [0, 3], [-1, 2]));
      return tf.sqrt(tf.add(tf.add(tf.square(ds), tf.square(dt)), 1e-12)) as tf.Tensor2D;
    });
  }

  project(points: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const s = this.sphere.project(tf.slice(points, [0, 0], [-1, 3]));
      return tf.concat([s, tf.slice(points, [0, 3], [-1, 2])], 1) as tf.Tensor2D;
    });
  }

  order(points: Points): Int32Array {
    return nearestNeighbourChain(points, mixedDistance);
  }
}
