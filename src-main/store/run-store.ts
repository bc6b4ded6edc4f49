// The run database: runs, their metric series, epochs, weight snapshots, checkpoints, tags and notes.
// One writer per database file (the job host); readers may be many (WAL).
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ExperimentConfig } from '../schema/experiment';
import { MAX_NOTES_PER_RUN, MAX_TAGS_PER_RUN, RunFilter, type RunRecord, type RunStatus, type Series } from '../schema/run';
import { defaultRunName } from '../schema/run-name';
import { openDatabase, type Db, type OpenOptions } from './database';
import { minMaxDownsample } from './downsample';
import { ConflictError, NotFoundError } from './errors';
import { liveOwnerIds, ownerAlive, OwnerLease, type OwnerRow } from './owners';
import { StudyStore } from './studies';

export const APP_VERSION = '0.1.0';

interface RunRow {
  id: string;
  name: string;
  task: string;
  space: string;
  weighting: string;
  config_json: string;
  config_hash: string;
  seed: number;
  status: RunStatus;
  priority: number;
  backend: string | null;
  backend_notices: string | null;
  backend_device: string | null;
  engine_version: string | null;
  app_version: string;
  host: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress_step: number;
  total_steps: number | null;
  eta_ms: number | null;
  error: string | null;
  result_json: string | null;
  final_metric: number | null;
  final_sparsity: number | null;
  owner_id: string | null;
}

export interface SnapshotMeta {
  id: number;
  phase: string;
  epoch: number;
  step: number;
  matrix: string;
  rows: number;
  cols: number;
  gates: number;
}

export interface SnapshotData extends SnapshotMeta {
  weights: Float32Array;
  mask: Float32Array | null;
  order: Int32Array;
}

export interface EpochRow {
  phase: string;
  epoch: number;
  step: number;
  pruneAmount: number;
  threshold: number;
  learningRate: number;
  sparsity: { global: number; perMatrix: Record<string, number>; smallWeightFraction: Record<string, number> };
  valid: Record<string, number>;
}

export function configHash(config: ExperimentConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const i32 = (b: Buffer) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const buf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export class RunStore {
  /** The studies table and the study columns of runs. */
  readonly studies: StudyStore;

  private constructor(readonly db: Db) {
    this.studies = new StudyStore(db);
  }

  /** The database file's path (':memory:' for in-memory databases). */
  get path(): string {
    return this.db.name;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Runs `fn` in one transaction: everything or nothing is written. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  static open(path: string, opts?: OpenOptions): RunStore {
    return new RunStore(openDatabase(path, opts));
  }

  close(): void {
    this.db.close();
  }

  /** Registers this process as an owner of runs (see owners.ts); release() it when the process stops. */
  registerOwner(kind: string): OwnerLease {
    return new OwnerLease(this.db, kind);
  }

  createRun(config: ExperimentConfig, opts: { status?: RunStatus; priority?: number; id?: string; owner?: string } = {}): RunRecord {
    const id = opts.id ?? newRunId();
    this.db
      .prepare(
        `INSERT INTO runs (id, name, task, space, weighting, config_json, config_hash, seed, status, priority, app_version, host, created_at, owner_id)
         VALUES (@id, @name, @task, @space, @weighting, @config, @hash, @seed, @status, @priority, @version, @host, @now, @owner)`,
      )
      .run({
        id,
        name: config.name || defaultRunName(config),
        task: config.task.task,
        space: config.regularization.penalty.space,
        weighting: config.regularization.penalty.weighting,
        config: JSON.stringify(config),
        hash: configHash(config),
        seed: config.seed,
        status: opts.status ?? 'queued',
        priority: opts.priority ?? 0,
        version: APP_VERSION,
        host: hostname(),
        now: Date.now(),
        owner: opts.owner ?? null,
      });
    return this.getRun(id)!;
  }

  private toRecord(r: RunRow, tags: string[]): RunRecord {
    return {
      id: r.id,
      name: r.name,
      task: r.task,
      space: r.space,
      weighting: r.weighting,
      seed: r.seed,
      status: r.status,
      priority: r.priority,
      config: JSON.parse(r.config_json),
      configHash: r.config_hash,
      backend: r.backend,
      backendNotices: r.backend_notices ? JSON.parse(r.backend_notices) : [],
      backendDevice: r.backend_device,
      engineVersion: r.engine_version,
      appVersion: r.app_version,
      host: r.host,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      progressStep: r.progress_step,
      totalSteps: r.total_steps,
      etaMs: r.eta_ms,
      error: r.error,
      result: r.result_json ? JSON.parse(r.result_json) : null,
      finalMetric: r.final_metric,
      finalSparsity: r.final_sparsity,
      ownerId: r.owner_id,
      tags,
    };
  }

  getRun(id: string): RunRecord | null {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!r) return null;
    const tags = (this.db.prepare('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').all(id) as Array<{ tag: string }>).map((t) => t.tag);
    return this.toRecord(r, tags);
  }

  /**
   * The engine version training a run, recorded at every start: a resume on another engine leaves "a+b", so a
   * run trained by two engines never passes for one.
   */
  recordEngineVersion(id: string, version: string): void {
    this.db
      .prepare(
        "UPDATE runs SET engine_version = CASE WHEN engine_version IS NULL OR engine_version = @v OR engine_version LIKE '%+' || @v THEN @v ELSE engine_version || '+' || @v END WHERE id = @id",
      )
      .run({ id, v: version });
  }

  /** The backend the most recently started run loaded, with its fallback notices. */
  latestBackend(): { backend: string; device: string | null; notices: string[] } | null {
    const r = this.db.prepare('SELECT backend, backend_device, backend_notices FROM runs WHERE backend IS NOT NULL ORDER BY started_at DESC LIMIT 1').get() as
      { backend: string; backend_device: string | null; backend_notices: string | null } | undefined;
    return r ? { backend: r.backend, device: r.backend_device, notices: r.backend_notices ? JSON.parse(r.backend_notices) : [] } : null;
  }

  /** Resolves a full id or a unique prefix. */
  resolveId(idOrPrefix: string): string {
    const rows = this.db.prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 2").all(`${idOrPrefix.replace(/[%_\\]/g, '\\$&')}%`) as Array<{
      id: string;
    }>;
    if (rows.length === 0) throw new NotFoundError(`no run with id '${idOrPrefix}'`);
    if (rows.length > 1) throw new NotFoundError(`run id prefix '${idOrPrefix}' is ambiguous`);
    return rows[0].id;
  }

  listRuns(filterInput: RunFilter = {}): RunRecord[] {
    const f = RunFilter.parse(filterInput);
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.status?.length) {
      where.push(`status IN (${f.status.map((_, i) => `@s${i}`).join(',')})`);
      f.status.forEach((s, i) => (params[`s${i}`] = s));
    }
    const equals = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = @${column}`);
      params[column] = value;
    };
    equals('task', f.task);
    equals('space', f.space);
    if (f.tag) {
      where.push('id IN (SELECT run_id FROM tags WHERE tag = @tag)');
      params.tag = f.tag;
    }
    if (f.search) {
      // Names, ids, tasks, any config value, and tags.
      where.push(
        "(name LIKE @q ESCAPE '\\' OR id LIKE @q ESCAPE '\\' OR task LIKE @q ESCAPE '\\' OR space LIKE @q ESCAPE '\\' OR weighting LIKE @q ESCAPE '\\' OR config_json LIKE @q ESCAPE '\\' OR id IN (SELECT run_id FROM tags WHERE tag LIKE @q ESCAPE '\\'))",
      );
      params.q = `%${f.search.replace(/[%_\\]/g, '\\$&')}%`;
    }
    if (f.createdAfter !== undefined) {
      where.push('created_at >= @after');
      params.after = f.createdAfter;
    }
    if (f.createdBefore !== undefined) {
      where.push('created_at < @before');
      params.before = f.createdBefore;
    }
    const column = { created: 'created_at', finalMetric: 'final_metric', finalSparsity: 'final_sparsity', status: 'status', task: 'task' }[f.sort];
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY ${column} IS NULL, ${column} ${f.order === 'asc' ? 'ASC' : 'DESC'}, created_at DESC LIMIT ${f.limit}`;
    const rows = this.db.prepare(sql).all(params) as RunRow[];
    const tagRows = this.db.prepare('SELECT run_id, tag FROM tags').all() as Array<{ run_id: string; tag: string }>;
    const tags = new Map<string, string[]>();
    for (const t of tagRows) tags.set(t.run_id, [...(tags.get(t.run_id) ?? []), t.tag]);
    return rows.map((r) => this.toRecord(r, tags.get(r.id) ?? []));
  }

  update(
    id: string,
    fields: Partial<{
      status: RunStatus;
      backend: string;
      backendDevice: string | null;
      backendNotices: string[];
      startedAt: number;
      finishedAt: number;
      error: string | null;
      progressStep: number;
      totalSteps: number;
      etaMs: number | null;
      result: unknown;
      finalMetric: number | null;
      finalSparsity: number | null;
      name: string;
    }>,
  ): void {
    const map: Record<string, [string, unknown]> = {
      status: ['status', fields.status],
      backend: ['backend', fields.backend],
      backendNotices: ['backend_notices', fields.backendNotices && JSON.stringify(fields.backendNotices)],
      backendDevice: ['backend_device', fields.backendDevice],
      startedAt: ['started_at', fields.startedAt],
      finishedAt: ['finished_at', fields.finishedAt],
      error: ['error', fields.error],
      progressStep: ['progress_step', fields.progressStep],
      totalSteps: ['total_steps', fields.totalSteps],
      etaMs: ['eta_ms', fields.etaMs],
      result: ['result_json', fields.result === undefined ? undefined : JSON.stringify(fields.result)],
      finalMetric: ['final_metric', fields.finalMetric],
      finalSparsity: ['final_sparsity', fields.finalSparsity],
      name: ['name', fields.name],
    };
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, [column, value]] of Object.entries(map)) {
      if (!(key in fields)) continue;
      sets.push(`${column} = @${key}`);
      params[key] = value ?? null;
    }
    if (sets.length) this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  /**
   * Runs whose owner process is gone: 'running' ones become 'interrupted' (resumable from their checkpoint);
   * 'queued' ones are adopted by `adopter` (so they start here) when given. Runs of live owners are untouched.
   */
  recoverOrphans(adopter?: string): { interrupted: string[]; adopted: string[] } {
    return this.db.transaction(() => {
      const live = liveOwnerIds(this.db);
      const orphans = (status: string) =>
        (this.db.prepare('SELECT id, owner_id FROM runs WHERE status = ?').all(status) as Array<{ id: string; owner_id: string | null }>)
          .filter((r) => r.owner_id === null || !live.has(r.owner_id))
          .map((r) => r.id);
      const interrupted = orphans('running');
      const interrupt = this.db.prepare(
        "UPDATE runs SET status = 'interrupted', owner_id = NULL, eta_ms = NULL, error = COALESCE(error, 'the process running it stopped unexpectedly') WHERE id = ? AND status = 'running'",
      );
      for (const id of interrupted) interrupt.run(id);
      const adopted = adopter ? orphans('queued') : [];
      const adopt = this.db.prepare("UPDATE runs SET owner_id = ? WHERE id = ? AND status = 'queued'");
      for (const id of adopted) adopt.run(adopter, id);
      // Leases of dead processes are no longer needed by anyone.
      this.db.prepare(`DELETE FROM owners WHERE id NOT IN (${[...live].map(() => '?').join(',') || "''"})`).run(...live);
      return { interrupted, adopted };
    })();
  }

  /** On startup: runs left 'running' by a process that died become 'interrupted'. Returns their ids. */
  markStaleRunning(): string[] {
    return this.recoverOrphans().interrupted;
  }

  /** The next run this owner queued, by priority then age. */
  nextQueued(owner: string): string | null {
    const r = this.db.prepare("SELECT id FROM runs WHERE status = 'queued' AND owner_id = ? ORDER BY priority DESC, created_at ASC LIMIT 1").get(owner) as
      { id: string } | undefined;
    return r?.id ?? null;
  }

  /** queued → running for its owner, atomically; false when another process changed it first. */
  claimRun(id: string, owner: string): boolean {
    return (
      this.db
        .prepare("UPDATE runs SET status = 'running', started_at = ?, error = NULL WHERE id = ? AND status = 'queued' AND owner_id = ?")
        .run(Date.now(), id, owner).changes === 1
    );
  }

  /** Puts a stopped run back in the queue of `owner` (resume). */
  requeue(id: string, owner: string, from: readonly RunStatus[]): boolean {
    const marks = from.map(() => '?').join(',');
    return (
      this.db.prepare(`UPDATE runs SET status = 'queued', owner_id = ?, error = NULL WHERE id = ? AND status IN (${marks})`).run(owner, id, ...from).changes ===
      1
    );
  }

  /** queued → `status` (cancelled, paused) unless a process claimed the run first. */
  unqueue(id: string, status: RunStatus): boolean {
    return this.db.prepare("UPDATE runs SET status = ?, eta_ms = NULL WHERE id = ? AND status = 'queued'").run(status, id).changes === 1;
  }

  /** The live process that owns a run, or null (no owner, or the owner died). */
  liveOwner(id: string): { id: string; pid: number; host: string; kind: string } | null {
    const r = this.db
      .prepare(
        'SELECT o.id, o.pid, o.host, o.kind, o.started_at AS startedAt, o.heartbeat_at AS heartbeatAt FROM runs r JOIN owners o ON o.id = r.owner_id WHERE r.id = ?',
      )
      .get(id) as OwnerRow | undefined;
    if (!r || !ownerAlive(r)) return null;
    return { id: r.id, pid: r.pid, host: r.host, kind: r.kind };
  }

  /** Runs running in other live processes (their progress is read from the database, not from events). */
  foreignRunning(self: string): Array<{ id: string; status: RunStatus; progressStep: number; etaMs: number | null }> {
    const rows = this.db
      .prepare(
        "SELECT id, status, owner_id, progress_step AS progressStep, eta_ms AS etaMs FROM runs WHERE status = 'running' AND owner_id IS NOT NULL AND owner_id != ?",
      )
      .all(self) as Array<{
      id: string;
      status: RunStatus;
      owner_id: string;
      progressStep: number;
      etaMs: number | null;
    }>;
    return rows.map(({ owner_id: _o, ...r }) => r);
  }

  private readonly insertMetric = () => this.db.prepare('INSERT INTO metrics (run_id, name, step, value, phase) VALUES (?, ?, ?, ?, ?)');
  private readonly upsertLatest = () =>
    this.db.prepare(
      'INSERT INTO latest_metrics (run_id, name, step, value) VALUES (?, ?, ?, ?) ON CONFLICT(run_id, name) DO UPDATE SET step = excluded.step, value = excluded.value WHERE excluded.step >= latest_metrics.step',
    );

  /** Appends metric rows in one transaction. */
  appendMetrics(runId: string, rows: Array<{ name: string; step: number; value: number; phase: string }>): void {
    if (!rows.length) return;
    const ins = this.insertMetric();
    const latest = this.upsertLatest();
    this.db.transaction(() => {
      for (const r of rows) {
        const v = Number.isFinite(r.value) ? r.value : null;
        ins.run(runId, r.name, r.step, v, r.phase);
        latest.run(runId, r.name, r.step, v);
      }
    })();
  }

  latestMetrics(runId: string): Record<string, number | null> {
    const rows = this.db.prepare('SELECT name, value FROM latest_metrics WHERE run_id = ?').all(runId) as Array<{ name: string; value: number | null }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  seriesNames(runId: string): string[] {
    return (this.db.prepare('SELECT name FROM latest_metrics WHERE run_id = ? ORDER BY name').all(runId) as Array<{ name: string }>).map((r) => r.name);
  }

  /** One series, downsampled to at most ~maxPoints with min/max buckets (extremes survive; see downsample.ts). */
  series(runId: string, name: string, maxPoints = 2000): Series {
    const rows = this.db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step').raw().all(runId, name) as Array<
      [number, number | null]
    >;
    const steps = new Float64Array(rows.length);
    const values = new Float64Array(rows.length);
    rows.forEach(([s, v], i) => {
      steps[i] = s;
      values[i] = v ?? NaN;
    });
    const d = minMaxDownsample(steps, values, maxPoints);
    return { name, steps: Array.from(d.steps), values: Array.from(d.values), total: rows.length, downsampled: d.steps.length < rows.length };
  }

  /** The same series of several runs, for overlays in the compare view. */
  compareSeries(runIds: string[], name: string, maxPoints = 2000): Array<Series & { runId: string }> {
    return runIds.map((runId) => ({ runId, ...this.series(runId, name, maxPoints) }));
  }

  recordEpoch(runId: string, e: EpochRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO epochs (run_id, phase, epoch, step, prune_amount, threshold, learning_rate, sparsity_json, valid_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, e.phase, e.epoch, e.step, e.pruneAmount, e.threshold, e.learningRate, JSON.stringify(e.sparsity), JSON.stringify(e.valid));
  }

  epochs(runId: string): EpochRow[] {
    const rows = this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY phase DESC, epoch').all(runId) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      phase: r.phase as string,
      epoch: r.epoch as number,
      step: r.step as number,
      pruneAmount: (r.prune_amount as number | null) ?? NaN,
      threshold: (r.threshold as number | null) ?? NaN,
      learningRate: (r.learning_rate as number | null) ?? NaN,
      sparsity: JSON.parse(r.sparsity_json as string),
      valid: JSON.parse(r.valid_json as string),
    }));
  }

  addSnapshot(runId: string, s: Omit<SnapshotData, 'id'>): number {
    const r = this.db
      .prepare(
        `INSERT INTO snapshots (run_id, phase, epoch, step, matrix, rows, cols, gates, weights, mask, embedding_order)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, s.phase, s.epoch, s.step, s.matrix, s.rows, s.cols, s.gates, buf(s.weights), s.mask ? buf(s.mask) : null, buf(s.order));
    return Number(r.lastInsertRowid);
  }

  snapshots(runId: string): SnapshotMeta[] {
    return this.db
      .prepare('SELECT id, phase, epoch, step, matrix, rows, cols, gates FROM snapshots WHERE run_id = ? ORDER BY step, matrix')
      .all(runId) as SnapshotMeta[];
  }

  snapshot(id: number): SnapshotData | null {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!r) return null;
    return {
      id: r.id as number,
      phase: r.phase as string,
      epoch: r.epoch as number,
      step: r.step as number,
      matrix: r.matrix as string,
      rows: r.rows as number,
      cols: r.cols as number,
      gates: r.gates as number,
      weights: f32(r.weights as Buffer),
      mask: r.mask ? f32(r.mask as Buffer) : null,
      order: i32(r.embedding_order as Buffer),
    };
  }

  saveCheckpoint(runId: string, c: { phase: string; epoch: number; step: number; bytes: Uint8Array }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO checkpoints (run_id, phase, epoch, step, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, c.phase, c.epoch, c.step, Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength), Date.now());
  }

  checkpoint(runId: string): { phase: string; epoch: number; step: number; bytes: Uint8Array } | null {
    const r = this.db.prepare('SELECT phase, epoch, step, bytes FROM checkpoints WHERE run_id = ?').get(runId) as
      { phase: string; epoch: number; step: number; bytes: Buffer } | undefined;
    return r ? { ...r, bytes: new Uint8Array(r.bytes) } : null;
  }

  tag(runId: string, tag: string): void {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM tags WHERE run_id = ? AND tag != ?').get(runId, tag) as { n: number };
    if (n >= MAX_TAGS_PER_RUN) throw new ConflictError(`run ${runId} already has ${n} tags (at most ${MAX_TAGS_PER_RUN}); remove one first`);
    this.db.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)').run(runId, tag);
  }

  untag(runId: string, tag: string): void {
    this.db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?').run(runId, tag);
  }

  addNote(runId: string, text: string): void {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM notes WHERE run_id = ?').get(runId) as { n: number };
    if (n >= MAX_NOTES_PER_RUN) throw new ConflictError(`run ${runId} already has ${n} notes (at most ${MAX_NOTES_PER_RUN})`);
    this.db.prepare('INSERT INTO notes (run_id, created_at, text) VALUES (?, ?, ?)').run(runId, Date.now(), text);
  }

  notes(runId: string): Array<{ createdAt: number; text: string }> {
    return (this.db.prepare('SELECT created_at, text FROM notes WHERE run_id = ? ORDER BY id').all(runId) as Array<{ created_at: number; text: string }>).map(
      (n) => ({ createdAt: n.created_at, text: n.text }),
    );
  }

  deleteRun(runId: string): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  }
}
