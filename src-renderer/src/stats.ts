// Grouping runs by their configuration without the seed, with the sample mean and standard deviation of the
// final metric (n − 1 denominator; one run shows "n = 1"). Two runs share a group only if every setting that
// defines the experiment is equal: runs differing in N, schedule, lr, epochs, p, layout, lottery … never pool.
import { mean, sampleStd } from '../../src-main/math/summary';
import type { RunRecord } from '../../src-main/schema/run';
import { REPLICATE_FIELDS } from '../../src-main/schema/run-name';
import { flatten } from './charts/config-diff';

export interface Group {
  /** The group's values of the grouping keys, "key=value · …". */
  label: string;
  n: number;
  mean: number;
  std: number;
  sparsity: number;
  runIds: string[];
}

/** Settings that never split a group: what tells replicates apart (schema/run-name.ts). */
export const NEVER_GROUPED: readonly string[] = REPLICATE_FIELDS;

export function meanStd(xs: number[]): { mean: number; std: number } {
  if (!xs.length) return { mean: NaN, std: NaN };
  return { mean: mean(xs), std: sampleStd(xs) };
}

/** The settings whose values differ among these runs (the candidates to group by), sorted. */
export function differingKeys(runs: RunRecord[]): string[] {
  const flat = runs.map((r) => flatten(r.config));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => !NEVER_GROUPED.includes(k));
  return keys.filter((k) => new Set(flat.map((f) => JSON.stringify(f[k]))).size > 1).sort();
}

/**
 * Groups by the given keys (default: every setting that differs among the runs except NEVER_GROUPED, i.e. the
 * whole configuration without the seed). The label names each key's value, so two groups never read alike.
 */
export function groupRuns(runs: RunRecord[], keys: string[] = differingKeys(runs)): Group[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const f = flatten(r.config);
    const label = keys.map((k) => `${k}=${f[k] === undefined ? '–' : JSON.stringify(f[k])}`).join(' · ') || 'identical configurations';
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  return [...groups.entries()].map(([label, rs]) => {
    const finals = rs.map((r) => r.finalMetric).filter((x): x is number => x !== null);
    const { mean, std } = meanStd(finals);
    return {
      label,
      n: finals.length,
      mean,
      std,
      sparsity: meanStd(rs.map((r) => r.finalSparsity ?? NaN).filter(Number.isFinite)).mean,
      runIds: rs.map((r) => r.id),
    };
  });
}
