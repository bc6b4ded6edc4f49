// From an embedding to the penalty matrix C (docs/method.md §2, §2.2). Order matters:
//   D ← distances (ones for `standard`, zeros for `none`);  C ← f(D);  if permute: shuffle N² entries;
//   if invert: C ← max(C) − C  (the sampled max, as the reference).
import type { PenaltySpec } from '../../schema/penalty';
import { deriveRng, shuffleInPlace, type Rng } from '../random';
import type { ModuliSpace, Points } from './space';
import { pointRow } from './space';
import { spaceById } from './spaces';
import { TorusSpace } from './spaces/torus';
import { weightingFunction, type WeightingParams } from './weighting';

export interface Embedding {
  space: ModuliSpace | null;
  /** Points of the row neurons (post-synaptic), null for standard/none. */
  rows: Points | null;
  /** Points of the column neurons: the same object as `rows` unless separateEmbeddings. */
  cols: Points | null;
  /** Embedding order used to arrange heatmaps (identity for standard/none). */
  order: Int32Array;
}

export interface Penalty {
  n: number;
  /** Row-major N×N penalty matrix. */
  C: Float32Array;
  embedding: Embedding;
  params: WeightingParams;
}

function identityOrder(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

export function embedNeurons(spec: PenaltySpec, n: number, rng: Rng): Embedding {
  const space = spaceById(spec.space);
  if (!space) return { space: null, rows: null, cols: null, order: identityOrder(n) };
  const place = (): Points => (spec.layout === 'lattice' ? space.lattice(n) : space.sample(n, rng));
  const rows = place();
  // A lattice is deterministic, so independent column embeddings only make sense for random layouts.
  const cols = spec.separateEmbeddings && spec.layout === 'random' ? place() : rows;
  return { space, rows, cols, order: space.order(rows) };
}

/** Pairwise geodesic distances rows × cols as a row-major Float64Array. */
export function distanceMatrix(space: ModuliSpace, rows: Points, cols: Points): Float64Array {
  const n = rows.n;
  const m = cols.n;
  const D = new Float64Array(n * m);
  const symmetric = rows === cols;
  for (let i = 0; i < n; i++) {
    const a = pointRow(rows, i);
    for (let j = symmetric ? i : 0; j < m; j++) {
      const d = space.distance(a, pointRow(cols, j));
      D[i * m + j] = d;
      if (symmetric) D[j * m + i] = d;
    }
  }
  return D;
}

/** The reference's `mean` multiplier: mean DoG over a fresh random T² embedding of the same N (§3.3). */
export function meanDogOnRandomTorus(n: number, spec: PenaltySpec, rng: Rng): number {
  const torus = new TorusSpace(2);
  const pts = torus.sample(n, rng);
  const D = distanceMatrix(torus, pts, pts);
  const f = weightingFunction('dog', { dog: spec.dog, meanScale: 1 });
  let s = 0;
  for (let i = 0; i < D.length; i++) s += f(D[i]);
  return s / D.length;
}

export function weightingParams(spec: PenaltySpec, n: number, seed: number): WeightingParams {
  const meanScale = spec.weighting === 'mean' ? meanDogOnRandomTorus(n, spec, deriveRng(seed, 'mean-torus')) : 1;
  return { dog: spec.dog, meanScale };
}

/** Applies f, then permute, then invert, in place on a copy. */
export function penaltyFromDistances(D: ArrayLike<number>, spec: PenaltySpec, params: WeightingParams, rng: Rng): Float32Array {
  const f = weightingFunction(spec.weighting, params);
  const C = new Float32Array(D.length);
  for (let i = 0; i < D.length; i++) C[i] = f(D[i]);
  if (spec.permute) shuffleInPlace(C, rng);
  if (spec.invert) invertInPlace(C);
  return C;
}

/** C ← max(C) − C with the sampled max. Inverting a constant matrix gives zeros (reference §3.4). */
export function invertInPlace(C: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < C.length; i++) if (C[i] > max) max = C[i];
  for (let i = 0; i < C.length; i++) C[i] = max - C[i];
}

/** Build C for N neurons. Deterministic in (spec, n, seed). */
export function buildPenalty(spec: PenaltySpec, n: number, seed: number): Penalty {
  if (!Number.isInteger(n) || n < 1) throw new Error(`penalty matrix: neuron count must be a positive integer, got ${n}`);
  const embedding = embedNeurons(spec, n, deriveRng(seed, 'embedding'));
  const params = weightingParams(spec, n, seed);
  if (spec.space === 'none') return { n, C: new Float32Array(n * n), embedding, params };
  const D =
    embedding.space && embedding.rows && embedding.cols ? distanceMatrix(embedding.space, embedding.rows, embedding.cols) : new Float64Array(n * n).fill(1);
  const C = penaltyFromDistances(D, spec, params, deriveRng(seed, 'permute'));
  return { n, C, embedding, params };
}

export interface PenaltyStats {
  n: number;
  maxDistance: number;
  meanDistance: number;
  maxC: number;
  meanC: number;
  /** Fraction of pairs with C < max(C)/2 and < max(C)/10: how many connections are cheap. */
  fractionBelowHalfMax: number;
  fractionBelowTenthMax: number;
}

export function penaltyStats(penalty: Penalty, D?: Float64Array): PenaltyStats {
  const { C, n } = penalty;
  let maxC = -Infinity;
  let sumC = 0;
  for (let i = 0; i < C.length; i++) {
    if (C[i] > maxC) maxC = C[i];
    sumC += C[i];
  }
  let half = 0;
  let tenth = 0;
  for (let i = 0; i < C.length; i++) {
    if (C[i] < maxC / 2) half++;
    if (C[i] < maxC / 10) tenth++;
  }
  let maxD = 0;
  let sumD = 0;
  if (D) {
    for (let i = 0; i < D.length; i++) {
      if (D[i] > maxD) maxD = D[i];
      sumD += D[i];
    }
  }
  return {
    n,
    maxDistance: maxD,
    meanDistance: D ? sumD / D.length : 0,
    maxC,
    meanC: sumC / C.length,
    fractionBelowHalfMax: half / C.length,
    fractionBelowTenthMax: tenth / C.length,
  };
}
