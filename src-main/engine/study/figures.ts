// The data behind a study's figures, aggregated over seeds: the validation metric against sparsity along the
// pruning schedule, and training curves binned on a common step grid. Pure: series in, bands out; the
// renderer and the CLI draw them (and export exactly these numbers).
import { mean, sampleStd } from './stats';

export interface Band {
  cell: string;
  /** x per point: mean global sparsity (metric vs sparsity) or the bin's centre step (training curves). */
  x: number[];
  mean: number[];
  std: number[];
  /** Seeds contributing to each point (runs still going contribute to the points they reached). */
  n: number[];
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
