// The data behind a study's figures, aggregated over seeds: the validation metric against sparsity along the
// pruning schedule, and training curves binned on a common step grid. Pure: series in, bands out; the
// renderer and the CLI draw them (and export exactly these numbers).
import { mean, sampleStd, studentCritical } from './stats';

export interface Band {
  cell: string;
  /** x per point: mean global sparsity (metric vs sparsity) or the bin's centre step (training curves). */
  x: number[];
  mean: number[];
  std: number[];
  /** Seeds contributing to each point (runs still going contribute to the points they reached). */
  n: number[];
  /** What the ± of `std` is: the sample std (default) or the half-width of the mean's 95 % confidence interval. */
  spread?: 'std' | 'ci95';
}

/** Half-width of the 95 % confidence interval of the mean of xs (Student t); NaN below two values. */
export function ci95HalfWidth(xs: number[]): number {
  return xs.length < 2 ? NaN : (studentCritical(xs.length - 1) * sampleStd(xs)) / Math.sqrt(xs.length);
}

/**
 * A grid study's final metric against a numeric axis (e.g. hidden size N) for one arm: mean and 95 % CI over
 * seeds at each axis value, in increasing order.
 */
export function metricVsAxis(arm: string, points: Array<{ x: number; values: number[] }>): Band {
  const out: Band = { cell: arm, x: [], mean: [], std: [], n: [], spread: 'ci95' };
  for (const p of [...points].sort((a, b) => a.x - b.x)) {
    if (!p.values.length) continue;
    out.x.push(p.x);
    out.mean.push(mean(p.values));
    out.std.push(p.values.length > 1 ? ci95HalfWidth(p.values) : 0);
    out.n.push(p.values.length);
  }
  return out;
}

/**
 * The distance profile of a cell (structure.ts): per distance bin, the fraction of pairs whose connection
 * survived pruning, mean ± std over seeds. x is the bin centre relative to the largest distance, so spaces and
 * sizes share one axis. A geometry-blind mask is flat at the kept fraction.
 */
export function distanceProfileBand(cell: string, profiles: Array<{ edges: number[]; pairs: number[]; kept: number[] }>): Band {
  const out: Band = { cell, x: [], mean: [], std: [], n: [] };
  const bins = Math.max(0, ...profiles.map((p) => p.pairs.length));
  for (let b = 0; b < bins; b++) {
    const fractions = profiles.filter((p) => p.pairs[b] > 0).map((p) => p.kept[b] / p.pairs[b]);
    if (!fractions.length) continue;
    out.x.push((b + 0.5) / bins);
    out.mean.push(mean(fractions));
    out.std.push(sampleStd(fractions));
    out.n.push(fractions.length);
  }
  return out;
}

export interface EpochPoint {
  phase: string;
  epoch: number;
  sparsity: number;
  metric: number | undefined;
}

/**
 * Per epoch of the training phase, the seeds' mean sparsity and mean ± std of the validation metric. Epochs
 * are matched by index (every seed of a cell runs the same schedule, so epoch k has the same target sparsity).
 */
export function metricVsSparsity(cell: string, runs: EpochPoint[][]): Band {
  const out: Band = { cell, x: [], mean: [], std: [], n: [] };
  const epochs = Math.max(0, ...runs.map((r) => r.filter((p) => p.phase === 'train').length));
  for (let k = 0; k < epochs; k++) {
    const pts = runs.map((r) => r.filter((p) => p.phase === 'train')[k]).filter((p): p is EpochPoint => !!p && Number.isFinite(p.metric));
    if (!pts.length) continue;
    const m = pts.map((p) => p.metric!);
    out.x.push(mean(pts.map((p) => p.sparsity)));
    out.mean.push(mean(m));
    out.std.push(sampleStd(m));
    out.n.push(pts.length);
  }
  return out;
}

/**
 * Training curves of several seeds on one grid: steps [0, maxStep] cut into `bins` equal bins; each run's
 * mean inside a bin is one sample, and the band is mean ± std over runs. Bins no run reached are dropped.
 */
export function binnedCurves(cell: string, series: Array<{ steps: number[]; values: number[] }>, bins = 100): Band {
  const out: Band = { cell, x: [], mean: [], std: [], n: [] };
  const maxStep = Math.max(0, ...series.flatMap((s) => (s.steps.length ? [s.steps[s.steps.length - 1]] : [])));
  if (maxStep <= 0) return out;
  const width = maxStep / bins;
  const perRun = series.map((s) => {
    const sum = new Float64Array(bins);
    const count = new Int32Array(bins);
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const b = Math.min(bins - 1, Math.floor(step / width));
      sum[b] += v;
      count[b]++;
    });
    return { sum, count };
  });
  for (let b = 0; b < bins; b++) {
    const xs = perRun.filter((r) => r.count[b] > 0).map((r) => r.sum[b] / r.count[b]);
    if (!xs.length) continue;
    out.x.push((b + 0.5) * width);
    out.mean.push(mean(xs));
    out.std.push(sampleStd(xs));
    out.n.push(xs.length);
  }
  return out;
}
