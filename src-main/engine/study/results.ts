// A study's per-run results as one CSV: every number its tables are computed from (final and endpoint
// metrics, floor, baseline, per-matrix sparsity, kept-length ratio, validation by epoch), with each run's engine
// version and full configuration, so a report can be recomputed, and audited, without the database. Pure.
import { csvRow } from '../../math/export-escape';

export interface RunResultRow {
  id: string;
  cell: string;
  seed: number;
  status: string;
  engineVersion: string | null;
  configHash: string;
  diverged: boolean;
  final: number | null;
  endpoint: number | null;
  floor: number | null;
  baseline: number | null;
  sparsity: number | null;
  perMatrix: Record<string, number>;
  keptLengthRatio: number | null;
  /** The primary metric on the validation set at the end of each training epoch, in order. */
  validByEpoch: number[];
  wallSeconds: number | null;
  config: unknown;
}

const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '');

export function renderResultsCsv(rows: RunResultRow[], primary: string, baselineName: string): string {
  const matrices = [...new Set(rows.flatMap((r) => Object.keys(r.perMatrix)))];
  const header = [
    'run_id',
    'cell',
    'seed',
    'status',
    'engine_version',
    'config_hash',
    'diverged',
    primary,
    `endpoint_${primary}`,
    'decoding_floor_cm',
    baselineName,
    'sparsity',
    ...matrices.map((m) => `sparsity/${m}`),
    'kept_length_ratio',
    `valid_${primary}_by_epoch`,
    'wall_s',
    'config_json',
  ];
  const lines = rows.map((r) => [
    r.id,
    r.cell,
    String(r.seed),
    r.status,
    r.engineVersion ?? '',
    r.configHash,
    r.diverged ? '1' : '0',
    num(r.final),
    num(r.endpoint),
    num(r.floor),
    num(r.baseline),
    num(r.sparsity),
    ...matrices.map((m) => num(r.perMatrix[m])),
    num(r.keptLengthRatio),
    JSON.stringify(r.validByEpoch.map((v) => (Number.isFinite(v) ? v : null))),
    num(r.wallSeconds),
    JSON.stringify(r.config),
  ]);
  return [header, ...lines].map(csvRow).join('\n') + '\n';
}
