// A study's read model: what reports, figures, result files and the study view show, built from the store's
// parsed run records (read once per request) and the engine's study maths. Scheduling is jobs/study.ts's job.
import { binnedCurves, distanceProfileBand, metricVsAxis, metricVsSparsity, type Band } from '../engine/study/figures';
import { paperComparison, type PaperComparison } from '../engine/study/paper';
import type { RunResultRow } from '../engine/study/results';
import { runStructure, type MatrixStructure } from '../engine/study/structure';
import { splitCell, summarizeStudy, type CellSummary, type StudyRow } from '../engine/study/summary';
import { navigationDecodingFloor } from '../engine/tasks/navigation/decoding-floor';
import { NavigationTask as NavigationTaskConfig, primaryMetricOf, TASKS, TRIVIAL_BASELINE, type ExperimentConfig, type TaskName } from '../schema/experiment';
import type { StudySpec } from '../schema/study';
import { NotFoundError } from '../store/errors';
import type { RunStore } from '../store/run-store';
import type { StudyListRow, StudyRunRecord } from '../store/studies';
import { studyEtaMs } from './study-progress';

export interface StudyInfo {
  id: string;
  name: string;
  task: TaskName;
  createdAt: number;
  spec: StudySpec;
}

export function studyInfo(store: RunStore, idOrPrefix: string): StudyInfo {
  const row = store.studies.find(idOrPrefix);
  const named = (row.spec.base as { task?: { task?: unknown } }).task?.task;
  // The spec's base config was validated when the study was created, so the task is there.
  const task: TaskName = TASKS.find((t) => t === named) ?? 'adding';
  return { id: row.id, name: row.name, task, createdAt: row.createdAt, spec: row.spec };
}

/** A study and its runs, read once for one request. */
interface LoadedStudy {
  info: StudyInfo;
  primary: string;
  runs: StudyRunRecord[];
}

function loadStudy(store: RunStore, idOrPrefix: string): LoadedStudy {
  const info = studyInfo(store, idOrPrefix);
  return { info, primary: primaryMetricOf(info.task), runs: store.studies.runs(info.id) };
}

/** A study with its run counts by status (the store's row, as the API returns it). */
export type StudyListItem = StudyListRow;

export function listStudies(store: RunStore): StudyListItem[] {
  return store.studies.list();
}

/** A study's run records (scheduling and progress read them as they are). */
export function studyRuns(store: RunStore, studyId: string): StudyRunRecord[] {
  return store.studies.runs(studyId);
}

// Structure of a finished run never changes: computed once per process (distance matrices are N²).
const structureCache = new Map<string, MatrixStructure[]>();

/** Locality of the surviving recurrent connections at the end of training (last training-phase snapshot). */
export function runStructureOf(store: RunStore, runId: string): MatrixStructure[] | null {
  const cached = structureCache.get(runId);
  if (cached) return cached;
  const run = store.getRun(runId);
  if (!run) throw new NotFoundError(`no run '${runId}'`);
  const metas = store.snapshots(runId).filter((s) => s.phase === 'train');
  if (!metas.length) return null;
  const lastStep = metas[metas.length - 1].step;
  const finalSnaps = metas.filter((m) => m.step === lastStep).map((m) => store.snapshot(m.id)!);
  // Layer k's matrix is named W_hh (single layer) or W_hh_l<k>: order them by layer.
  finalSnaps.sort((a, b) => a.matrix.localeCompare(b.matrix, 'en', { numeric: true }));
  const matrices = finalSnaps.map((s) => ({ name: s.matrix, rows: s.rows, cols: s.cols, gates: s.gates, weights: s.weights }));
  const metrics = runStructure(run.config.regularization.penalty, run.config.seed, matrices);
  if (run.status === 'finished') structureCache.set(runId, metrics);
  return metrics;
}

const meanLocality = (m: MatrixStructure[] | null) => (m?.length ? m.reduce((a, s) => a + s.localityRatio, 0) / m.length : null);

/** Structure of a run's pruned W_hh: computed here (CLI) or looked up from results computed elsewhere (server). */
export type StructureSource = boolean | ((runId: string) => MatrixStructure[] | null);

/** How a StructureSource is asked for one run's structure; null when the structure is not wanted. */
function structureResolver(store: RunStore, source: StructureSource | undefined): ((runId: string) => MatrixStructure[] | null) | null {
  if (typeof source === 'function') return source;
  return source ? (id: string) => runStructureOf(store, id) : null;
}

/** A navigation run's decoding floor: recorded with it, or computed from its config (runs recorded before it was). */
function floorOf(r: StudyRunRecord): number | null {
  const recorded = r.result?.baselines?.decoding_floor_cm;
  if (typeof recorded === 'number') return recorded;
  if (!r.result || r.config.task.task !== 'navigation') return null;
  return navigationDecodingFloor(NavigationTaskConfig.parse(r.config.task), r.config.seed).meanCm;
}

/** The per-run rows the report summarises (engine/study/summary.ts). */
function reportRows(store: RunStore, study: LoadedStudy, structure: StructureSource | undefined): StudyRow[] {
  const structureOf = structureResolver(store, structure);
  const baselineKey = TRIVIAL_BASELINE[study.info.task];
  return study.runs.map((r) => ({
    cell: r.cell,
    seed: r.seed,
    status: r.status,
    test: r.result?.test ?? null,
    lottery: r.result?.lottery ?? null,
    sparsity: r.finalSparsity,
    diverged: r.result?.diverged ?? false,
    locality: structureOf && r.status === 'finished' ? meanLocality(structureOf(r.id)) : null,
    baseline: r.result?.baselines?.[baselineKey] ?? null,
    floor: floorOf(r),
    endpoint: r.result?.endpoint ?? null,
    perMatrix: r.result?.sparsity?.perMatrix ?? null,
  }));
}

export function studyRows(store: RunStore, idOrPrefix: string, o: { structure?: StructureSource } = {}): StudyRow[] {
  return reportRows(store, loadStudy(store, idOrPrefix), o.structure);
}

/** Every run of a study with the numbers its tables use (engine/study/results.ts writes them as CSV). */
export function studyResults(store: RunStore, idOrPrefix: string, o: { structure?: StructureSource } = {}): RunResultRow[] {
  const study = loadStudy(store, idOrPrefix);
  const { primary } = study;
  const summaries = reportRows(store, study, o.structure);
  return study.runs.map((r, i) => {
    const s = summaries[i];
    return {
      id: r.id,
      cell: r.cell,
      seed: r.seed,
      status: r.status,
      engineVersion: r.engineVersion,
      configHash: r.configHash,
      diverged: s.diverged,
      final: s.test?.[primary] ?? null,
      endpoint: s.endpoint?.[primary] ?? null,
      floor: s.floor ?? null,
      baseline: s.baseline ?? null,
      sparsity: r.finalSparsity,
      perMatrix: s.perMatrix ?? {},
      keptLengthRatio: s.locality ?? null,
      validByEpoch: store
        .epochs(r.id)
        .filter((e) => e.phase === 'train')
        .map((e) => e.valid[primary] ?? NaN),
      wallSeconds: r.result ? r.result.wallMs / 1000 : null,
      config: r.config,
    };
  });
}

export interface StudyDetail {
  info: StudyInfo;
  primary: string;
  runs: Array<{
    id: string;
    cell: string;
    seed: number;
    status: string;
    progress: number;
    etaMs: number | null;
    finalMetric: number | null;
    finalSparsity: number | null;
  }>;
  cells: CellSummary[];
  /** The authors' numbers and a verdict per claim of the paper (engine/study/paper.ts). */
  paper: PaperComparison;
  /** Time left for the unfinished runs at the current concurrency (study-progress.ts studyEtaMs), or null. */
  etaMs: number | null;
}

/** Everything the study view shows: the grid with per-run status and the report as it stands. */
export function studyDetail(store: RunStore, idOrPrefix: string, structure: StructureSource = true): StudyDetail {
  const study = loadStudy(store, idOrPrefix);
  const runs = study.runs.map((r) => ({
    id: r.id,
    cell: r.cell,
    seed: r.seed,
    status: r.status,
    progress: r.totalSteps ? (r.progressStep ?? 0) / r.totalSteps : r.status === 'finished' ? 1 : 0,
    etaMs: r.etaMs,
    finalMetric: r.finalMetric,
    finalSparsity: r.finalSparsity,
  }));
  const cells = summarizeStudy(reportRows(store, study, structure), study.primary);
  return { info: study.info, primary: study.primary, runs, cells, paper: paperComparison(study.info.task, cells), etaMs: studyEtaMs(study.runs) };
}

export interface StudyFigures {
  primary: string;
  /** Validation metric vs global sparsity along the pruning schedule, per configuration. */
  metricVsSparsity: Band[];
  /** Training loss binned on a common step grid, per configuration. */
  trainingLoss: Band[];
  /** Grid studies with one numeric axis (e.g. hidden=128, 256, …): final metric vs that axis per arm, mean ± 95 % CI. */
  metricVsAxis: { axis: string; bands: Band[] } | null;
  /** Kept fraction of W_hh vs geodesic distance per configuration, grouped by axis values ('' for a plain study). */
  distanceProfiles: Array<{ group: string; bands: Band[] }>;
}

/** The single numeric axis of a grid study's cell labels ("hidden=256" → hidden, 256), or null. */
function numericAxis(cells: string[]): { axis: string; valueOf: (cell: string) => number } | null {
  const groups = cells.map((c) => splitCell(c).group);
  const parsed = groups.map((g) => /^([A-Za-z_]\w*)=(-?[\d.eE+-]+)$/.exec(g));
  if (!parsed.length || parsed.some((m) => !m) || new Set(parsed.map((m) => m![1])).size !== 1) return null;
  return { axis: parsed[0]![1], valueOf: (cell) => Number(/=(.*)$/.exec(splitCell(cell).group)![1]) };
}

export function studyFigures(store: RunStore, idOrPrefix: string, o: { bins?: number; structure?: StructureSource } = {}): StudyFigures {
  const study = loadStudy(store, idOrPrefix);
  const { primary, runs } = study;
  const cells = [...new Set(runs.map((r) => r.cell))];
  const of = (cell: string) => runs.filter((r) => r.cell === cell);
  const axis = numericAxis(cells);
  // The same per-cell final values the report tests (finished, not diverged, finite).
  const finalValues = axis
    ? new Map(summarizeStudy(reportRows(store, study, false), primary).map((c) => [c.cell, c.metric.values]))
    : new Map<string, number[]>();
  const arms = [...new Set(cells.map((c) => splitCell(c).arm))];
  const structureOf = structureResolver(store, o.structure);
  const groups = [...new Set(cells.map((c) => splitCell(c).group))];
  const epochCurve = (r: StudyRunRecord) =>
    store.epochs(r.id).map((e) => ({ phase: e.phase, epoch: e.epoch, sparsity: e.sparsity.global, metric: e.valid[primary] }));
  const profilesOf = (cell: string) =>
    of(cell)
      .filter((r) => r.status === 'finished')
      .flatMap(
        (r) =>
          structureOf?.(r.id)
            ?.slice(0, 1)
            .map((m) => m.distanceProfile) ?? [],
      );
  return {
    primary,
    metricVsSparsity: cells.map((cell) => metricVsSparsity(cell, of(cell).map(epochCurve))),
    trainingLoss: cells.map((cell) =>
      binnedCurves(
        cell,
        of(cell).map((r) => store.series(r.id, 'loss', 100_000)),
        o.bins ?? 100,
      ),
    ),
    metricVsAxis: axis
      ? {
          axis: axis.axis,
          bands: arms.map((arm) =>
            metricVsAxis(
              arm,
              cells.filter((c) => splitCell(c).arm === arm).map((c) => ({ x: axis.valueOf(c), values: finalValues.get(c) ?? [] })),
            ),
          ),
        }
      : null,
    // The first recurrent layer's profile (a multi-layer language model shows layer 0).
    distanceProfiles: structureOf
      ? groups.map((group) => ({
          group,
          bands: cells.filter((c) => splitCell(c).group === group).map((cell) => distanceProfileBand(splitCell(cell).arm, profilesOf(cell))),
        }))
      : [],
  };
}

/** Finished runs of a study (their structure is what reports show). */
export function finishedStudyRuns(store: RunStore, idOrPrefix: string): string[] {
  return loadStudy(store, idOrPrefix)
    .runs.filter((r) => r.status === 'finished')
    .map((r) => r.id);
}

/** The configurations a study's runs were created with, by run id (for export to other machines). */
export function studyConfigs(store: RunStore, studyId: string): Array<{ id: string; cell: string; seed: number; config: ExperimentConfig }> {
  return store.studies.runs(studyId).map((r) => ({ id: r.id, cell: r.cell, seed: r.seed, config: r.config }));
}
