// Structure of a pruned recurrent matrix in its embedding (beyond the paper): are the surviving connections
// local? W is [N, N] with W[i, j] the connection j → i; D the geodesic distances of the embedding.
import type { PenaltySpec } from '../../schema/penalty';
import { distanceMatrix, embedNeurons } from '../geometry/penalty';
import { spaceById } from '../geometry/spaces';
import { deriveRng } from '../random';
import { layerSeed } from '../learning/regularizer';
export interface StructureMetrics {
  kept: number;
  /** Mean geodesic length of kept connections (self-connections included). */
  meanKeptLength: number;
  /** The same for all N² pairs: what a geometry-blind (permuted) mask keeps on average. */
  meanPairLength: number;
  /** meanKeptLength / meanPairLength: < 1 means kept connections are more local than chance. */
  localityRatio: number;
  /** Max |rank(i) − rank(j)| over kept entries in embedding order. */
  bandwidth: number;
  /** Σ over rows of the distance from the diagonal to the farthest kept entry in embedding order. */
  profile: number;
  inDegree: number[];
  outDegree: number[];
  /**
   * The distance profile: the fraction of pairs kept as a function of their geodesic distance (PROFILE_BINS
   * equal bins from 0 to the largest distance), self-connections left out (they sit at distance 0 and are
   * kept or pruned for reasons of their own: recurrent ReLU networks favour them under any penalty). A
   * geometry-blind mask keeps the same fraction at every distance; a mask shaped by the geometry keeps more
   * of the short connections.
   */
  distanceProfile: { edges: number[]; pairs: number[]; kept: number[] };
}

export const PROFILE_BINS = 24;

export function structureMetrics(W: ArrayLike<number>, n: number, D: ArrayLike<number>, order: ArrayLike<number>): StructureMetrics {
  const rank = new Int32Array(n);
  for (let k = 0; k < n; k++) rank[order[k]] = k;
  let maxD = 0;
  for (let k = 0; k < n * n; k++) if (D[k] > maxD) maxD = D[k];
  const binWidth = maxD > 0 ? maxD / PROFILE_BINS : 1;
  const binPairs = new Array<number>(PROFILE_BINS).fill(0);
  const binKept = new Array<number>(PROFILE_BINS).fill(0);
  let kept = 0;
  let keptLength = 0;
  let pairLength = 0;
  let bandwidth = 0;
  const rowReach = new Int32Array(n);
  const inDegree = new Array<number>(n).fill(0);
  const outDegree = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = D[i * n + j];
      pairLength += d;
      const bin = i === j ? -1 : Math.min(PROFILE_BINS - 1, Math.floor(d / binWidth));
      if (bin >= 0) binPairs[bin]++;
      if (W[i * n + j] === 0) continue;
      if (bin >= 0) binKept[bin]++;
      kept++;
      keptLength += d;
      inDegree[i]++;
      outDegree[j]++;
      const gap = Math.abs(rank[i] - rank[j]);
      if (gap > bandwidth) bandwidth = gap;
      if (gap > rowReach[rank[i]]) rowReach[rank[i]] = gap;
    }
  }
  const meanPairLength = pairLength / (n * n);
  const meanKeptLength = kept ? keptLength / kept : NaN;
  return {
    kept,
    meanKeptLength,
    meanPairLength,
    // No kept connection (or a space with no extent): undefined, shown as '–', never a misleading 0.
    localityRatio: kept && meanPairLength ? meanKeptLength / meanPairLength : NaN,
    bandwidth,
    profile: rowReach.reduce((a, b) => a + b, 0),
    inDegree,
    outDegree,
    distanceProfile: { edges: Array.from({ length: PROFILE_BINS + 1 }, (_, b) => b * binWidth), pairs: binPairs, kept: binKept },
  };
}

export interface RecurrentSnapshot {
  name: string;
  rows: number;
  cols: number;
  gates: number;
  weights: ArrayLike<number>;
}

export interface MatrixStructure extends StructureMetrics {
  matrix: string;
  /** The space the lengths are measured in: the run's own, or the torus for runs without a geometry. */
  measuredIn: string;
}

/**
 * Structure of each recurrent matrix of a run, measured in the embedding the run's penalty used (layer k gets
 * the regularizer's seed for layer k, so the points are exactly the ones C was built from). Runs without a
 * geometry (no regulariser, L1) and permuted controls are measured in the same torus embedding the torus arm
 * of the same seed uses, so every arm of a study is compared on one ruler; for those the expected ratio is 1.
 * Gated cells: a connection j → i counts as kept if any gate keeps it. Learned embeddings are measured at
 * their initial points (snapshots carry the order, not the moved points).
 */
export function runStructure(spec: PenaltySpec, seed: number, snapshots: RecurrentSnapshot[]): MatrixStructure[] {
  const geometric = spaceById(spec.space) !== null;
  const ruler: PenaltySpec = geometric ? spec : { ...spec, space: 'torus' };
  return snapshots.map((s, layer) => {
    const n = s.cols;
    const emb = embedNeurons(ruler, n, deriveRng(layerSeed(seed, layer), 'embedding'));
    const D = distanceMatrix(emb.space!, emb.rows!, emb.cols!);
    const kept = new Float32Array(n * n);
    for (let g = 0; g < s.gates; g++) for (let k = 0; k < n * n; k++) if (s.weights[g * n * n + k] !== 0) kept[k] = 1;
    return { matrix: s.name, measuredIn: ruler.space, ...structureMetrics(kept, n, D, emb.order) };
  });
}
