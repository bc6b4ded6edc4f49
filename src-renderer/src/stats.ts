// Grouping runs that differ only in their seed, with the sample mean and standard deviation of the final
// metric (n − 1 denominator; a single run has std 0).
import { mean, sampleStd } from '../../src-main/math/summary';
import type { RunRecord } from '../../src-main/schema/run';

export interface Group {
  label: string;
  n: number;
  mean: number;
  std: number;
  sparsity: number;
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  if (!xs.length) return { mean: NaN, std: NaN };
  return { mean: mean(xs), std: sampleStd(xs) };
}

export function groupBySeedlessConfig(runs: RunRecord[]): Group[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const p = r.config.regularization.penalty;
    const label = `${r.task} · ${p.space} · ${p.weighting}${p.invert ? ' inverted' : ''}${p.permute ? ' permuted' : ''} · λ ${r.config.regularization.lambda} · target ${r.config.pruning.target}`;
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  return [...groups.entries()].map(([label, rs]) => {
    const finals = rs.map((r) => r.finalMetric).filter((x): x is number => x !== null);
    const { mean, std } = meanStd(finals);
    return { label, n: rs.length, mean, std, sparsity: meanStd(rs.map((r) => r.finalSparsity ?? NaN).filter(Number.isFinite)).mean };
  });
}
