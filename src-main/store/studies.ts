// The studies table and the study columns of runs: every SQL statement about studies lives here. Rows leave
// parsed and camel-cased (queries/study.ts builds the study's views from them; nothing else parses columns).
import type { RunResult } from '../engine/training/events';
import type { ExperimentConfig } from '../schema/experiment';
import { StudySpec } from '../schema/study';
import type { Db } from './database';
import { NotFoundError } from './errors';

export interface StudyRecord {
  id: string;
  name: string;
  spec: StudySpec;
  createdAt: number;
}

export interface StudyListRow {
  id: string;
  name: string;
  createdAt: number;
  runs: number;
  finished: number;
  failed: number;
  running: number;
}

/** One run of a study, as reports and the study view read it. */
export interface StudyRunRecord {
  id: string;
  cell: string;
  seed: number;
  status: string;
  config: ExperimentConfig;
  configHash: string;
  result: RunResult | null;
  finalSparsity: number | null;
  finalMetric: number | null;
  progressStep: number | null;
  totalSteps: number | null;
  etaMs: number | null;
  engineVersion: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

interface StudyRunColumns {
  id: string;
  study_cell: string;
  seed: number;
  status: string;
  config_json: string;
  config_hash: string;
  result_json: string | null;
  final_sparsity: number | null;
  final_metric: number | null;
  progress_step: number | null;
  total_steps: number | null;
  eta_ms: number | null;
  engine_version: string | null;
  started_at: number | null;
  finished_at: number | null;
}

const toRecord = (r: StudyRunColumns): StudyRunRecord => ({
  id: r.id,
  cell: r.study_cell,
  seed: r.seed,
  status: r.status,
  config: JSON.parse(r.config_json) as ExperimentConfig,
  configHash: r.config_hash,
  result: r.result_json ? (JSON.parse(r.result_json) as RunResult) : null,
  finalSparsity: r.final_sparsity,
  finalMetric: r.final_metric,
  progressStep: r.progress_step,
  totalSteps: r.total_steps,
  etaMs: r.eta_ms,
  engineVersion: r.engine_version,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const like = (prefix: string) => `${prefix.replace(/[%_\\]/g, '\\$&')}%`;

export class StudyStore {
  constructor(private readonly db: Db) {}

  insert(id: string, name: string, spec: unknown): void {
    this.db.prepare('INSERT INTO studies (id, name, spec_json, created_at) VALUES (?, ?, ?, ?)').run(id, name, JSON.stringify(spec), Date.now());
  }

  /** A study's spec after it grew (more seeds): the runs it lists are the runs it has. */
  updateSpec(id: string, spec: unknown): void {
    this.db.prepare('UPDATE studies SET spec_json = ? WHERE id = ?').run(JSON.stringify(spec), id);
  }

  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM studies WHERE id = ?').get(id) !== undefined;
  }

  /** A study by full id or unique prefix. */
  find(idOrPrefix: string): StudyRecord {
    const rows = this.db
      .prepare("SELECT id, name, spec_json AS specJson, created_at AS createdAt FROM studies WHERE id LIKE ? ESCAPE '\\' LIMIT 2")
      .all(like(idOrPrefix)) as Array<{ id: string; name: string; specJson: string; createdAt: number }>;
    if (rows.length !== 1) throw new NotFoundError(rows.length ? `study id prefix '${idOrPrefix}' is ambiguous` : `no study with id '${idOrPrefix}'`);
    const { specJson, ...row } = rows[0];
    return { ...row, spec: StudySpec.parse(JSON.parse(specJson)) };
  }

  /** Every study with its run counts by status, newest first. */
  list(): StudyListRow[] {
    return this.db
      .prepare(
        `SELECT s.id, s.name, s.created_at AS createdAt, COUNT(r.id) AS runs,
                COALESCE(SUM(r.status = 'finished'), 0) AS finished, COALESCE(SUM(r.status = 'failed'), 0) AS failed,
                COALESCE(SUM(r.status = 'running'), 0) AS running
           FROM studies s LEFT JOIN runs r ON r.study_id = s.id GROUP BY s.id ORDER BY s.created_at DESC`,
      )
      .all() as StudyListRow[];
  }

  assignRun(runId: string, studyId: string, cell: string): void {
    this.db.prepare('UPDATE runs SET study_id = ?, study_cell = ? WHERE id = ?').run(studyId, cell, runId);
  }

  /** The study's runs in creation order. */
  runs(studyId: string): StudyRunRecord[] {
    const columns =
      'id, study_cell, seed, status, config_json, config_hash, result_json, final_sparsity, final_metric, progress_step, total_steps, eta_ms, engine_version, started_at, finished_at';
    return (this.db.prepare(`SELECT ${columns} FROM runs WHERE study_id = ? ORDER BY rowid`).all(studyId) as StudyRunColumns[]).map(toRecord);
  }

  /** Ids of the study's runs whose status is one of `statuses`, in creation order. */
  runIdsWithStatus(studyId: string, statuses: readonly string[]): string[] {
    const marks = statuses.map(() => '?').join(',');
    return (
      this.db.prepare(`SELECT id FROM runs WHERE study_id = ? AND status IN (${marks}) ORDER BY rowid`).all(studyId, ...statuses) as Array<{ id: string }>
    ).map((r) => r.id);
  }

  /** Runs handed to another machine (Slurm) wait here as paused, with where they went. */
  park(runIds: readonly string[], reason: string): void {
    const park = this.db.prepare("UPDATE runs SET status = 'paused', error = ? WHERE id = ? AND status != 'finished'");
    this.db.transaction(() => {
      for (const id of runIds) park.run(reason, id);
    })();
  }
}
