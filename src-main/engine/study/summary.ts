// Per-cell summaries of a study (the numbers every report format prints): final metric and sparsity as
// mean ± std over seeds, floor, endpoint, per-matrix sparsity, failures, and Welch tests against the controls.
// Pure: rows in, summaries out. Cell labels: an arm name and a grid study's axis values.
import { mean, sampleStd, welchTTest, type WelchResult } from './stats';
import { CONTROL_ARMS } from './templates';

export interface StudyRow {
  cell: string;
  seed: number;
  status: string;
  test: Record<string, number> | null;
  lottery: Record<string, number> | null;
  sparsity: number | null;
  diverged: boolean;
  /** Mean over layers of the kept-length ratio (structure.ts); null when not measured. */
  locality?: number | null;
  /** The run's trivial baseline for the primary metric (schema TRIVIAL_BASELINE), when it reported one. */
  baseline?: number | null;
  /** Navigation: the decoding floor of the run's test set (a perfect predictor through the decoder), cm. */
  floor?: number | null;
  /** Test metrics at the end of the last pruning epoch (RunResult.endpoint); null for runs recorded before it. */
  endpoint?: Record<string, number> | null;
  /** Final pruned fraction per pruned matrix (encoder, W_ih, W_hh, decoder, …). */
  perMatrix?: Record<string, number> | null;
}

interface MeanStd {
  mean: number;
  std: number;
  n: number;
}

export interface CellSummary {
  cell: string;
  runs: number;
  finished: number;
  diverged: number;
  metric: { mean: number; std: number; values: number[] };
  sparsity: number;
  lottery: { mean: number; std: number } | null;
  /** Kept-connection length / all-pairs length in the embedding, mean ± std over seeds (< 1: local). */
  locality: { mean: number; std: number } | null;
  /** Finished runs that ended worse than their trivial baseline (or diverged), of those with a baseline; null without baselines. */
  worseThanBaseline: { count: number; of: number } | null;
  /** The decoding floor (navigation) and the metric above it, per run then averaged; null where not measured. */
  floor: MeanStd | null;
  aboveFloor: MeanStd | null;
  /** The metric at the end of the last pruning epoch; null where not recorded. */
  endpoint: MeanStd | null;
  /** Mean final pruned fraction per matrix over the cell's finished runs. */
  perMatrix: Record<string, number> | null;
  vs: Record<string, Comparison | null>;
}

/** A Welch test against a control, with its marker as the tables print it. */
export type Comparison = WelchResult & { marker: string };

/**
 * A cell label is the arm name followed by the axis values of a grid study, " · "-separated
 * ("torus DoG⁻¹ · hidden=256", schema/study-grid.ts). Arms are compared with controls of the same axis values.
 */
export function splitCell(label: string): { arm: string; group: string } {
  const parts = label.split(' · ');
  let k = parts.length;
  while (k > 0 && /^[A-Za-z_][\w]*=/.test(parts[k - 1])) k--;
  return { arm: parts.slice(0, k).join(' · '), group: parts.slice(k).join(' · ') };
}

export function joinCell(arm: string, group: string): string {
  return group ? `${arm} · ${group}` : arm;
}

const finite = (xs: Array<number | undefined | null>) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
const meanStd = (xs: number[]): MeanStd | null => (xs.length ? { mean: mean(xs), std: sampleStd(xs), n: xs.length } : null);

/** Mean of each matrix's pruned fraction over the runs that report it. */
function meanPerMatrix(rows: StudyRow[]): Record<string, number> | null {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.perMatrix ?? {})))];
  if (!names.length) return null;
  return Object.fromEntries(names.map((n) => [n, mean(finite(rows.map((r) => r.perMatrix?.[n])))]));
}

export function summarizeStudy(rows: StudyRow[], primary: string): CellSummary[] {
  const cells = [...new Set(rows.map((r) => r.cell))];
  const values = (cell: string) => finite(rows.filter((r) => r.cell === cell && r.status === 'finished' && !r.diverged).map((r) => r.test?.[primary]));
  return cells.map((cell) => {
    const own = rows.filter((r) => r.cell === cell);
    const m = values(cell);
    const lot = finite(own.map((r) => r.lottery?.[primary]));
    const loc = finite(own.map((r) => r.locality));
    const ok = own.filter((r) => r.status === 'finished' && !r.diverged && Number.isFinite(r.test?.[primary] ?? NaN));
    const judged = own.filter((r) => r.status === 'finished' && typeof r.baseline === 'number' && Number.isFinite(r.baseline));
    const failed = judged.filter((r) => r.diverged || !((r.test?.[primary] ?? NaN) <= r.baseline!));
    const vs: Record<string, Comparison | null> = {};
    const { arm, group } = splitCell(cell);
    for (const control of Object.values(CONTROL_ARMS)) {
      const controlCell = joinCell(control, group);
      if (!cells.includes(controlCell) || control === arm) continue;
      const w = welchTTest(m, values(controlCell));
      vs[control] = w ? { ...w, marker: marker(w) } : null;
    }
    return {
      cell,
      runs: own.length,
      finished: own.filter((r) => r.status === 'finished').length,
      diverged: own.filter((r) => r.diverged || (r.status === 'finished' && !Number.isFinite(r.test?.[primary] ?? NaN))).length,
      metric: { mean: m.length ? mean(m) : NaN, std: sampleStd(m), values: m },
      sparsity: mean(finite(own.map((r) => r.sparsity))),
      lottery: lot.length ? { mean: mean(lot), std: sampleStd(lot) } : null,
      locality: loc.length ? { mean: mean(loc), std: sampleStd(loc) } : null,
      worseThanBaseline: judged.length ? { count: failed.length, of: judged.length } : null,
      floor: meanStd(finite(ok.map((r) => r.floor))),
      aboveFloor: meanStd(finite(ok.map((r) => (typeof r.floor === 'number' ? r.test![primary] - r.floor : null)))),
      endpoint: meanStd(finite(ok.map((r) => r.endpoint?.[primary]))),
      perMatrix: meanPerMatrix(ok),
      vs,
    };
  });
}

/** '*' p < 0.05, '**' p < 0.01; '↓' lower (better) than the control, '↑' higher. */
export function marker(w: WelchResult | null): string {
  if (!w || !Number.isFinite(w.p)) return '';
  const stars = w.p < 0.01 ? '**' : w.p < 0.05 ? '*' : '';
  return stars ? `${stars}${w.t < 0 ? '↓' : '↑'}` : 'n.s.';
}
