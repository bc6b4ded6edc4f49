// Creating and reading studies: expand the spec, enqueue every run tagged with its study and cell, and
// gather what reports, figures and the study view need.
import { randomBytes } from 'node:crypto';
import { binnedCurves, distanceProfileBand, metricVsAxis, metricVsSparsity, type Band } from '../engine/study/figures';
import { expandStudy, type StudyRun } from '../schema/study-grid';
import { ENDED_STATUSES } from '../schema/run';
import { paperComparison, type PaperComparison } from '../engine/study/paper';
import { splitCell, summarizeStudy, type CellSummary, type StudyRow } from '../engine/study/summary';
import type { RunResultRow } from '../engine/study/results';
import { runStructure, type MatrixStructure } from '../engine/study/structure';
import { NavigationTask as NavigationTaskConfig, type ExperimentConfig } from '../schema/experiment';
import type { RunResult } from '../engine/training/events';
import { navigationDecodingFloor } from '../engine/tasks/navigation/decoding-floor';
import { StudySpec, type StudySpecInput } from '../schema/study';
import { primaryMetricOf, TASKS, TRIVIAL_BASELINE, type TaskName } from '../schema/experiment';
import type { RunStore } from '../store/run-store';
import { ConflictError, NotFoundError } from '../store/errors';
import { engineVersion } from '../engine/version';
import type { StudyListRow, StudyRunRow } from '../store/studies';
import type { JobRunner } from './runner';

export function createStudy(store: RunStore, runner: JobRunner, input: StudySpecInput): { studyId: string; runIds: string[] } {
  const { spec, runs } = expandStudy(input);
  const studyId = randomBytes(5).toString('hex');
  // One transaction: a reader (the study view, another process, a crash) sees the whole study or none of it,
  // never a first run already running beside runs not yet created.
  const runIds = store.transaction(() => {
    store.studies.insert(studyId, spec.name, spec);
    return enqueueCellRuns(store, runner, studyId, runs);
  });
  return { studyId, runIds };
}

/** Queues runs and tags each with its study and cell (inside the caller's transaction). */
function enqueueCellRuns(store: RunStore, runner: JobRunner, studyId: string, runs: StudyRun[]): string[] {
  return runs.map((r) => {
    const id = runner.enqueue(r.config);
    store.studies.assignRun(id, studyId, r.cell);
    return id;
  });
}

/**
 * More seeds for an existing study: the runs of every cell for the seeds it lacks are queued beside the old
 * ones (same base, arms and axes), so the report and its tests cover all seeds. Seeds it has are kept.
 */
export function extendStudy(store: RunStore, runner: JobRunner, idOrPrefix: string, seeds: number[]): { studyId: string; runIds: string[] } {
  const info = studyInfo(store, idOrPrefix);
  assertSameEngine(studyRunRows(store, info.id), info.id);
  const have = new Set(info.spec.seeds);
  const added = seeds.filter((s) => !have.has(s));
  const { spec, runs } = expandStudy({ ...info.spec, seeds: [...info.spec.seeds, ...added] });
  const existing = new Set(studyRunRows(store, info.id).map((r) => `${r.study_cell}\u0000${r.seed}`));
  const runIds = store.transaction(() => {
    store.studies.updateSpec(info.id, spec);
    return enqueueCellRuns(store, runner, info.id, runs.filter((r) => !existing.has(`${r.cell}\u0000${r.seed}`)));
  });
  return { studyId: info.id, runIds };
}

/**
 * How much of a study's work is done, for its ETA: each run weighs N² (the recurrence dominates a step and grows
 * like N²; runs of one study share their schedule), finished or failed runs count whole, running ones by their
 * progress. Counting runs instead would give a grid over N = 128 … 512 an ETA several times too short.
 */
/** A run's share of its study's work: N² (the recurrence dominates a step and grows like N²). */
function runWeight(r: Pick<StudyRunRow, 'config_json'>): number {
  return ((JSON.parse(r.config_json) as { task?: { hidden?: number } }).task?.hidden ?? 1) ** 2;
}

export function studyWork(rows: Array<Pick<StudyRunRow, 'status' | 'progress_step' | 'total_steps' | 'config_json'>>): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const r of rows) {
    const weight = runWeight(r);
    total += weight;
    if (ENDED_STATUSES.includes(r.status)) done += weight;
    else if (r.status === 'running' && r.total_steps) done += (weight * (r.progress_step ?? 0)) / r.total_steps;
  }
  return { done, total };
}

/**
 * A study's runs must come from one engine: the engine versions its runs recorded (engine/version.ts) must all
 * be this process's, or a table would mix results of different code. Runs not yet started have none.
 */
export function assertSameEngine(rows: Array<Pick<StudyRunRow, 'engine_version'>>, studyId: string, current = engineVersion()): void {
  const recorded = [...new Set(rows.flatMap((r) => (r.engine_version ? r.engine_version.split('+') : [])))];
  const other = recorded.filter((v) => v !== current);
  if (other.length) {
    throw new ConflictError(
      `study ${studyId} was trained by engine ${recorded.join(', ')}; this is engine ${current}. Mixing them would put results of different code in one table: ` +
        `run it from a checkout whose engine is ${other[0]} (the commit that trained it), or start a new study`,
    );
  }
}

/**
 * Time left for a study's unfinished runs, or null before any run has trained long enough to time: the time per
 * unit of work (N² per step, as studyWork) measured on the finished runs (else the running ones), times the
 * work left, divided by the runs training at once. Per-run ETAs summed over the queue ignored that runs train
 * side by side (a 72 s study once read "about 30 min left").
 */
export function studyEtaMs(rows: Array<Pick<StudyRunRow, 'status' | 'progress_step' | 'total_steps' | 'config_json' | 'started_at' | 'finished_at'>>, now = Date.now()): number | null {
  const progress = (r: (typeof rows)[number]) => (r.total_steps ? (r.progress_step ?? 0) / r.total_steps : 0);
  const running = rows.filter((r) => r.status === 'running');
  const timed = rows.filter((r) => r.status === 'finished' && r.started_at && r.finished_at);
  const samples = timed.length
    ? timed.map((r) => (r.finished_at! - r.started_at!) / runWeight(r))
    : running.filter((r) => r.started_at && progress(r) > 0.02).map((r) => (now - r.started_at!) / progress(r) / runWeight(r));
  if (!samples.length) return null;
  const perUnit = samples.sort((a, b) => a - b)[samples.length >> 1];
  const left = rows.filter((r) => !ENDED_STATUSES.includes(r.status)).reduce((a, r) => a + runWeight(r) * (1 - (r.status === 'running' ? progress(r) : 0)), 0);
  return (left * perUnit) / Math.max(1, running.length);
}

/** Paused, interrupted and failed runs of a study continue from their checkpoints; queued ones start. */
export function resumeStudy(store: RunStore, runner: JobRunner, idOrPrefix: string): { studyId: string; resumed: string[] } {
  const { id } = studyInfo(store, idOrPrefix);
  assertSameEngine(studyRunRows(store, id), id);
  const ids = store.studies.runIdsWithStatus(id, ['interrupted', 'paused', 'failed']);
  for (const r of ids) runner.resume(r);
  runner.kick();
  return { studyId: id, resumed: ids };
}

export interface StudyInfo {
  id: string;
  name: string;
  task: TaskName;
  createdAt: number;
  spec: StudySpec;
}

export function studyInfo(store: RunStore, idOrPrefix: string): StudyInfo {
  const row = store.studies.find(idOrPrefix);
  const spec = StudySpec.parse(JSON.parse(row.specJson));
  const named = (spec.base as { task?: { task?: unknown } }).task?.task;
  // The spec's base config was validated when the study was created, so the task is there.
  const task: TaskName = TASKS.find((t) => t === named) ?? 'adding';
  return { id: row.id, name: row.name, task, createdAt: row.createdAt, spec };
}

/** A study with its run counts by status (the store's row, as the API returns it). */
export type StudyListItem = StudyListRow;

export function listStudies(store: RunStore): StudyListItem[] {
  return store.studies.list();
}

function studyRunRows(store: RunStore, studyId: string): StudyRunRow[] {
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
  const metrics = runStructure(run.config.regularization.penalty, run.config.seed, finalSnaps.map((s) => ({ name: s.matrix, rows: s.rows, cols: s.cols, gates: s.gates, weights: s.weights })));
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
function floorOf(r: StudyRunRow, result: RunResult): number | null {
  const recorded = result.baselines?.decoding_floor_cm;
  if (typeof recorded === 'number') return recorded;
  const config = JSON.parse(r.config_json) as ExperimentConfig;
  return config.task.task === 'navigation' ? navigationDecodingFloor(NavigationTaskConfig.parse(config.task), config.seed).meanCm : null;
}

export function studyRows(store: RunStore, studyId: string, o: { structure?: StructureSource } = {}): StudyRow[] {
  const structureOf = structureResolver(store, o.structure);
  const baselineKey = TRIVIAL_BASELINE[studyInfo(store, studyId).task];
  return studyRunRows(store, studyId).map((r) => {
    const result = r.result_json ? (JSON.parse(r.result_json) as RunResult) : null;
    return {
      cell: r.study_cell,
      seed: r.seed,
      status: r.status,
      test: result?.test ?? null,
      lottery: result?.lottery ?? null,
      sparsity: r.final_sparsity,
      diverged: result?.diverged ?? false,
      locality: structureOf && r.status === 'finished' ? meanLocality(structureOf(r.id)) : null,
      baseline: result?.baselines?.[baselineKey] ?? null,
      floor: result ? floorOf(r, result) : null,
      endpoint: result?.endpoint ?? null,
      perMatrix: result?.sparsity?.perMatrix ?? null,
    };
  });
}

/** Every run of a study with the numbers its tables use (engine/study/results.ts writes them as CSV). */
export function studyResults(store: RunStore, idOrPrefix: string, o: { structure?: StructureSource } = {}): RunResultRow[] {
  const info = studyInfo(store, idOrPrefix);
  const primary = primaryMetricOf(info.task);
  const rows = studyRunRows(store, info.id);
  const summaries = studyRows(store, info.id, o);
  return rows.map((r, i) => {
    const s = summaries[i];
    const run = store.getRun(r.id)!;
    const result = run.result as RunResult | null;
    return {
      id: r.id,
      cell: r.study_cell,
      seed: r.seed,
      status: r.status,
      engineVersion: r.engine_version,
      configHash: run.configHash,
      diverged: s.diverged,
      final: s.test?.[primary] ?? null,
      endpoint: s.endpoint?.[primary] ?? null,
      floor: s.floor ?? null,
      baseline: s.baseline ?? null,
      sparsity: r.final_sparsity,
      perMatrix: s.perMatrix ?? {},
      keptLengthRatio: s.locality ?? null,
      validByEpoch: store.epochs(r.id).filter((e) => e.phase === 'train').map((e) => e.valid[primary] ?? NaN),
      wallSeconds: result ? result.wallMs / 1000 : null,
      config: run.config,
    };
  });
}

export interface StudyDetail {
  info: StudyInfo;
  primary: string;
  runs: Array<{ id: string; cell: string; seed: number; status: string; progress: number; etaMs: number | null; finalMetric: number | null; finalSparsity: number | null }>;
  cells: CellSummary[];
  /** The authors' numbers and a verdict per claim of the paper (engine/study/paper.ts). */
  paper: PaperComparison;
  /** Time left for the unfinished runs at the current concurrency (studyEtaMs), or null. */
  etaMs: number | null;
}

/** Everything the study view shows: the grid with per-run status and the report as it stands. */
export function studyDetail(store: RunStore, idOrPrefix: string, structure: StructureSource = true): StudyDetail {
  const info = studyInfo(store, idOrPrefix);
  const primary = primaryMetricOf(info.task);
  const runs = studyRunRows(store, info.id).map((r) => ({
    id: r.id,
    cell: r.study_cell,
    seed: r.seed,
    status: r.status,
    progress: r.total_steps ? (r.progress_step ?? 0) / r.total_steps : r.status === 'finished' ? 1 : 0,
    etaMs: r.eta_ms,
    finalMetric: r.final_metric,
    finalSparsity: r.final_sparsity,
  }));
  const cells = summarizeStudy(studyRows(store, info.id, { structure }), primary);
  return { info, primary, runs, cells, paper: paperComparison(info.task, cells), etaMs: studyEtaMs(studyRunRows(store, info.id)) };
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
  const info = studyInfo(store, idOrPrefix);
  const primary = primaryMetricOf(info.task);
  const rows = studyRunRows(store, info.id);
  const cells = [...new Set(rows.map((r) => r.study_cell))];
  const of = (cell: string) => rows.filter((r) => r.study_cell === cell);
  const axis = numericAxis(cells);
  // The same per-cell final values the report tests (finished, not diverged, finite).
  const finalValues = axis ? new Map(summarizeStudy(studyRows(store, info.id), primary).map((c) => [c.cell, c.metric.values])) : new Map<string, number[]>();
  const arms = [...new Set(cells.map((c) => splitCell(c).arm))];
  const structureOf = structureResolver(store, o.structure);
  const groups = [...new Set(cells.map((c) => splitCell(c).group))];
  return {
    primary,
    metricVsSparsity: cells.map((cell) =>
      metricVsSparsity(
        cell,
        of(cell).map((r) => store.epochs(r.id).map((e) => ({ phase: e.phase, epoch: e.epoch, sparsity: e.sparsity.global, metric: e.valid[primary] }))),
      ),
    ),
    trainingLoss: cells.map((cell) =>
      binnedCurves(
        cell,
        of(cell).map((r) => store.series(r.id, 'loss', 100_000)),
        o.bins ?? 100,
      ),
    ),
    metricVsAxis: axis
      ? { axis: axis.axis, bands: arms.map((arm) => metricVsAxis(arm, cells.filter((c) => splitCell(c).arm === arm).map((c) => ({ x: axis.valueOf(c), values: finalValues.get(c) ?? [] })))) }
      : null,
    // The first recurrent layer's profile (a multi-layer language model shows layer 0).
    distanceProfiles: structureOf
      ? groups.map((group) => ({
          group,
          bands: cells
            .filter((c) => splitCell(c).group === group)
            .map((cell) => distanceProfileBand(splitCell(cell).arm, of(cell).filter((r) => r.status === 'finished').flatMap((r) => structureOf(r.id)?.slice(0, 1).map((m) => m.distanceProfile) ?? []))),
        }))
      : [],
  };
}

/** Finished runs of a study (their structure is what reports show). */
export function finishedStudyRuns(store: RunStore, idOrPrefix: string): string[] {
  const info = studyInfo(store, idOrPrefix);
  return studyRunRows(store, info.id)
    .filter((r) => r.status === 'finished')
    .map((r) => r.id);
}

/** The configurations a study's runs were created with, by run id (for export to other machines). */
export function studyConfigs(store: RunStore, studyId: string): Array<{ id: string; cell: string; seed: number; config: ExperimentConfig }> {
  return studyRunRows(store, studyId).map((r) => ({ id: r.id, cell: r.study_cell, seed: r.seed, config: JSON.parse(r.config_json) as ExperimentConfig }));
}
