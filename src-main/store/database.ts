// Opening the run database: WAL, foreign keys, migrations. A database written by a newer version is refused
// before anything is written (checked on a read-only handle first).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

export class DatabaseVersionError extends Error {}

/** PRAGMA application_id of a Moduli Workbench database ('MODU'): tells ours from another program's SQLite file. */
export const APPLICATION_ID = 0x4d4f4455;

interface Probe {
  userVersion: number;
  applicationId: number;
  tables: string[];
}

/** Ours: marked with our application id, or an older version of ours (unmarked, with a runs table). Empty: new. */
function isForeign(p: Probe): boolean {
  if (p.tables.length === 0 || p.applicationId === APPLICATION_ID) return false;
  return !(p.applicationId === 0 && p.userVersion >= 1 && p.tables.includes('runs'));
}

export interface OpenOptions {
  /** Apply only migrations up to this version (tests build older databases with it). */
  upToVersion?: number;
  /** better-sqlite3 native binding, for Electron builds that keep their own compiled module. */
  nativeBinding?: string;
  /**
   * How long one statement waits for another process's lock before SQLITE_BUSY (default 5 s). A wait blocks
   * the whole process (better-sqlite3 is synchronous): long-lived processes that answer requests and record
   * runs use EVENT_LOOP_BUSY_MS and retry instead (store/recorder.ts).
   */
  busyTimeoutMs?: number;
}

/** The busy timeout of processes that must keep answering (serve, the app, studies, in-process training). */
export const EVENT_LOOP_BUSY_MS = 100;

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const target = opts.upToVersion ?? SCHEMA_VERSION;
  if (path !== ':memory:' && existsSync(path)) {
    let probe: Probe;
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: opts.nativeBinding });
      try {
        probe = {
          userVersion: db.pragma('user_version', { simple: true }) as number,
          applicationId: db.pragma('application_id', { simple: true }) as number,
          tables: (
            db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>
          ).map((t) => t.name),
        };
      } finally {
        db.close();
      }
    } catch (e) {
      throw new DatabaseVersionError(`'${path}' is not a readable Moduli Workbench database: ${(e as Error).message}`);
    }
    if (isForeign(probe)) {
      const shown = probe.tables.slice(0, 5).join(', ') + (probe.tables.length > 5 ? ', …' : '');
      throw new DatabaseVersionError(
        `'${path}' is a SQLite database of another program (tables: ${shown}); it was not modified — choose another file for the run database`,
      );
    }
    const found = probe.userVersion;
    if (found > SCHEMA_VERSION) {
      throw new DatabaseVersionError(
        `database '${path}' has schema version ${found}, newer than this Moduli Workbench supports (${SCHEMA_VERSION}); open it with a newer version — it was not modified`,
      );
    }
  }
  const db = new Database(path, { nativeBinding: opts.nativeBinding });
  // First: another process may be creating or migrating this file right now; wait for it rather than fail.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db, target);
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(opts.busyTimeoutMs ?? 5000))}`);
  return db;
}

/**
 * Brings the schema to `target` in one write transaction taken up front (BEGIN IMMEDIATE), reading the
 * version inside it: when two processes open a new file at once, the second waits and then finds it migrated
 * (reading the version before locking made it re-run migration 1: "table runs already exists").
 */
export function migrate(db: Db, target = SCHEMA_VERSION): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
    if ((db.pragma('application_id', { simple: true }) as number) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
