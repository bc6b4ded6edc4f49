// Structure of a pruned recurrent matrix in its embedding (beyond the paper): are the surviving connections
// local? W is [N, N] with W[i, j] the connection j → i; D the geodesic distances of the embedding.
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
}

export function structureMetrics(W: ArrayLike<number>, n: number, D: ArrayLike<number>, order: ArrayLike<number>): StructureMetrics {
  const rank = new Int32Array(n);
  for (let k = 0; k < n; k++) rank[order[k]] = k;
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
      if (W[i * n + j] === 0) continue;
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
  const meanKeptLength = kept ? keptLength / kept : 0;
  return {
    kept,
    meanKeptLength,
    meanPairLength,
    localityRatio: meanPairLength ? meanKeptLength / meanPairLength : 0,
    bandwidth,
    profile: rowReach.reduce((a, b) => a + b, 0),
    inDegree,
    outDegree,
  };
}
