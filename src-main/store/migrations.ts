// Versioned schema (PRAGMA user_version). Each migration runs once, in a transaction, in order.
// Never edit a released migration: add a new one.
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'runs, metric series, epochs, snapshots, checkpoints, tags, notes',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        task TEXT NOT NULL,
        space TEXT NOT NULL,
        weighting TEXT NOT NULL,
        config_json TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','paused','finished','failed','cancelled','interrupted')),
        priority INTEGER NOT NULL DEFAULT 0,
        backend TEXT,
        backend_notices TEXT,
        app_version TEXT NOT NULL,
        host TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        progress_step INTEGER NOT NULL DEFAULT 0,
        total_steps INTEGER,
        eta_ms INTEGER,
        error TEXT,
        result_json TEXT,
        final_metric REAL,
        final_sparsity REAL
      );
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_created ON runs(created_at);
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL,
        phase TEXT NOT NULL DEFAULT 'train'
      );
      CREATE INDEX metrics_series ON metrics(run_id, name, step);
      CREATE TABLE epochs (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        prune_amount REAL NOT NULL,
        threshold REAL NOT NULL,
        learning_rate REAL NOT NULL,
        sparsity_json TEXT NOT NULL,
        valid_json TEXT NOT NULL,
        PRIMARY KEY (run_id, phase, epoch)
      );
      CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        matrix TEXT NOT NULL,
        rows INTEGER NOT NULL,
        cols INTEGER NOT NULL,
        gates INTEGER NOT NULL,
        weights BLOB NOT NULL,
        mask BLOB,
        embedding_order BLOB NOT NULL
      );
      CREATE INDEX snapshots_run ON snapshots(run_id, matrix, step);
      CREATE TABLE checkpoints (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE tags (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'latest value per (run, metric) so run lists never scan the metric history (after MLflow)',
    sql: `
      CREATE TABLE latest_metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, name)
      );
      INSERT INTO latest_metrics (run_id, name, step, value)
        SELECT m.run_id, m.name, m.step, m.value FROM metrics m
        JOIN (SELECT run_id, name, MAX(step) AS step FROM metrics GROUP BY run_id, name) last
          ON last.run_id = m.run_id AND last.name = m.name AND last.step = m.step
        GROUP BY m.run_id, m.name;
      CREATE INDEX tags_tag ON tags(tag);
    `,
  },
  {
    version: 3,
    description: 'studies: named grids of runs; each run may belong to a study cell',
    sql: `
      CREATE TABLE studies (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      ALTER TABLE runs ADD COLUMN study_id TEXT REFERENCES studies(id) ON DELETE SET NULL;
      ALTER TABLE runs ADD COLUMN study_cell TEXT;
      CREATE INDEX runs_study ON runs(study_id, study_cell);
    `,
  },
  {
    version: 4,
    description: 'run ownership: the process that trains or queued a run holds a lease (pid, host, heartbeat)',
    sql: `
      CREATE TABLE owners (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        kind TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
      ALTER TABLE runs ADD COLUMN owner_id TEXT;
      -- A diverged run has NaN thresholds and learning rates: stored as NULL, which v1's NOT NULL refused.
      CREATE TABLE epochs_v4 (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        prune_amount REAL,
        threshold REAL,
        learning_rate REAL,
        sparsity_json TEXT NOT NULL,
        valid_json TEXT NOT NULL,
        PRIMARY KEY (run_id, phase, epoch)
      );
      INSERT INTO epochs_v4 SELECT run_id, phase, epoch, step, prune_amount, threshold, learning_rate, sparsity_json, valid_json FROM epochs;
      DROP TABLE epochs;
      ALTER TABLE epochs_v4 RENAME TO epochs;
    `,
  },
  {
    version: 5,
    description: 'the compute device a run used (WebGPU adapter or CUDA), beside its backend',
    sql: `
      ALTER TABLE runs ADD COLUMN backend_device TEXT;
    `,
  },
  {
    version: 6,
    description: 'the engine version that trained a run (a hash of the engine sources; "a+b" when a resume changed it)',
    sql: `
      ALTER TABLE runs ADD COLUMN engine_version TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
