// The distribution of a weight snapshot: how many kept weights fall in each bin of w (pruned entries, exactly
// 0, are left out: they would dwarf every bin). Pure, for the run page's histogram beside the heatmap.
export interface Histogram {
  /** Bin centres and counts. */
  centres: number[];
  counts: number[];
  kept: number;
}

export function weightHistogram(values: ArrayLike<number>, mask: ArrayLike<number> | null | undefined, bins = 60): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  let kept = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    kept++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!kept) return { centres: [], counts: [], kept: 0 };
  // Symmetric about 0, so a histogram of signed weights reads like the heatmap's colour scale.
  const edge = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const width = (2 * edge) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v + edge) / width))]++;
  }
  return { centres: counts.map((_, b) => -edge + (b + 0.5) * width), counts, kept };
}
