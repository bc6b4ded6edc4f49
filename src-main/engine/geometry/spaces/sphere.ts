// Round spheres S^n ⊂ R^{n+1} with radius R: d(a,b) = R · arccos⟨a,b⟩ (docs/method.md §1).
// Reference radii: circle (S¹) and sphere (S²) R = 5, S³ R = 10 (its fixed-embedding path has a 2× factor).
// Reference note: the reference's *learned* S³ path omits the 2× (R = 5); we use one radius for both, so a
// learned and a fixed S³ embedding produce penalties on the same scale.
// Reference note: the reference maps NaN from rounding (|⟨a,b⟩| > 1) to 0, which turns nearly antipodal pairs
// into distance 0; we compute the same angle as 2·atan2(‖â − b̂‖, ‖â + b̂‖), which agrees everywhere else and
// has no such edge (nor acos's lost digits near 0 and π). Inputs are normalised.
import * as tf from '@tensorflow/tfjs';
import type { ModuliSpace, Points } from '../space';
import { makePoints } from '../space';
import { nearestNeighbourChain, orderByKey } from '../order';
import { createRng, type Rng } from '../../random';

const maxAbs = (v: ArrayLike<number>) => {
  let m = 0;
  for (let k = 0; k < v.length; k++) m = Math.max(m, Math.abs(v[k]));
  return m;
};

/**
 * Geodesic distance of the directions of a and b: radius · angle, the angle as 2·atan2(‖â − b̂‖, ‖â + b̂‖),
 * which is exact to rounding at every angle (acos of the dot product loses all digits near 0 and π). Each
 * vector is scaled by its largest |coordinate| first, so coordinates near ±1e308 do not overflow; a zero
 * vector has no direction and gives NaN.
 */
export function sphereDistance(a: ArrayLike<number>, b: ArrayLike<number>, radius: number): number {
  const ua = unitDirection(a);
  const ub = unitDirection(b);
  if (!ua || !ub) return NaN;
  let minus = 0;
  let plus = 0;
  for (let k = 0; k < ua.length; k++) {
    minus += (ua[k] - ub[k]) ** 2;
    plus += (ua[k] + ub[k]) ** 2;
  }
  return radius * 2 * Math.atan2(Math.sqrt(minus), Math.sqrt(plus));
}

/** v / ‖v‖, computed from v / max|v_k| so that no square overflows; null for the zero vector. */
function unitDirection(v: ArrayLike<number>): number[] | null {
  const m = maxAbs(v);
  if (!(m > 0) || !Number.isFinite(m)) return null;
  const scaled = Array.from(v, (x) => x / m);
  const norm = Math.sqrt(scaled.reduce((s, x) => s + x * x, 0));
  return scaled.map((x) => x / norm);
}

function normaliseRow(out: Float64Array): void {
  let s = 0;
  for (let k = 0; k < out.length; k++) s += out[k] * out[k];
  const inv = 1 / Math.sqrt(s);
  for (let k = 0; k < out.length; k++) out[k] *= inv;
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
// Alexa, "Super-Fibonacci spirals" (CVPR 2022): ψ is the real root of x⁴ = x + 4.
const SUPER_FIB_PHI = Math.SQRT2;
const SUPER_FIB_PSI = 1.5337511687552043;

export class SphereSpace implements ModuliSpace {
  readonly id: string;
  readonly label: string;
  readonly dim: number;
  readonly plotAxes = ['longitude', 'latitude'] as const;

  /** Longitude and latitude in degrees of the first three coordinates (the circle: its angle, latitude 0). */
  plot(p: ArrayLike<number>): [number, number] {
    const z = p.length > 2 ? p[2] : 0;
    const r = Math.hypot(p[0], p[1], z) || 1;
    return [(Math.atan2(p[1], p[0]) * 180) / Math.PI, (Math.asin(Math.max(-1, Math.min(1, z / r))) * 180) / Math.PI];
  }
  readonly formula: string;

  constructor(
    readonly n: number,
    readonly radius: number,
  ) {
    this.dim = n + 1;
    this.id = n === 1 ? 'circle' : n === 2 ? 'sphere' : `s${n}`;
    this.label = n === 1 ? 'Circle S¹' : n === 2 ? 'Sphere S²' : `Sphere S^${n}`;
    this.formula = `unit vectors in R^${n + 1}; d = ${radius}·arccos⟨a,b⟩`;
  }

  sample(count: number, rng: Rng): Points {
    return makePoints(count, this.dim, (_i, out) => {
      for (let k = 0; k < this.dim; k++) out[k] = rng.normal();
      normaliseRow(out);
    });
  }

  lattice(count: number): Points {
    if (this.n === 1) {
      return makePoints(count, 2, (i, out) => {
        const t = (2 * Math.PI * i) / count;
        out[0] = Math.cos(t);
        out[1] = Math.sin(t);
      });
    }
    if (this.n === 2) {
      // Fibonacci sphere: equal-area latitude bands, golden-angle longitudes.
      return makePoints(count, 3, (i, out) => {
        const z = 1 - (2 * (i + 0.5)) / count;
        const r = Math.sqrt(1 - z * z);
        out[0] = r * Math.cos(GOLDEN_ANGLE * i);
        out[1] = r * Math.sin(GOLDEN_ANGLE * i);
        out[2] = z;
      });
    }
    if (this.n === 3) {
      return makePoints(count, 4, (i, out) => {
        const s = i + 0.5;
        const r = Math.sqrt(s / count);
        const R = Math.sqrt(1 - s / count);
        const alpha = (2 * Math.PI * s) / SUPER_FIB_PHI;
        const beta = (2 * Math.PI * s) / SUPER_FIB_PSI;
        out[0] = r * Math.sin(alpha);
        out[1] = r * Math.cos(alpha);
        out[2] = R * Math.sin(beta);
        out[3] = R * Math.cos(beta);
      });
    }
    // No regular lattice is known for general S^n: a fixed-seed sample keeps `lattice` deterministic.
    return this.sample(count, createRng(`lattice:s${this.n}`));
  }

  distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return sphereDistance(a, b, this.radius);
  }

  distanceTensor(rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
    // Chord form 2R·asin(|a−b|/2): equal to R·arccos⟨a,b⟩ on unit vectors, but with finite gradients near d = 0.
    return tf.tidy(() => {
      const a = tf.div(rows, tf.norm(rows, 'euclidean', 1, true));
      const b = tf.div(cols, tf.norm(cols, 'euclidean', 1, true));
      const diff = tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0));
      const chord = tf.sqrt(tf.add(tf.sum(tf.square(diff), 2), 1e-12));
      const half = tf.clipByValue(tf.div(chord, 2), 0, 1 - 1e-6);
      return tf.mul(tf.asin(half), 2 * this.radius) as tf.Tensor2D;
    });
  }

  project(points: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(points, tf.norm(points, 'euclidean', 1, true)) as tf.Tensor2D);
  }

  order(points: Points): Int32Array {
    if (this.n === 1) return orderByKey(points.n, (i) => Math.atan2(points.coords[2 * i + 1], points.coords[2 * i]));
    return nearestNeighbourChain(points, (a, b) => sphereDistance(a, b, this.radius));
  }
}
