// Opening the run database: WAL, foreign keys, migrations. A database written by a newer version is refused
// before anything is written (checked on a read-only handle first).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

export class DatabaseVersionError extends Error {}

export interface OpenOptions {
  /** Apply only migrations up to this version (tests build older databases with it). */
  upToVersion?: number;
  /** better-sqlite3 native binding, for Electron builds that keep their own compiled module. */
  nativeBinding?: string;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const target = opts.upToVersion ?? SCHEMA_VERSION;
  if (path !== ':memory:' && existsSync(path)) {
    let found: number;
    try {
      const probe = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: opts.nativeBinding });
      try {
        found = probe.pragma('user_version', { simple: true }) as number;
      } finally {
        probe.close();
      }
    } catch (e) {
      throw new DatabaseVersionError(`'${path}' is not a readable Moduli Workbench database: ${(e as Error).message}`);
    }
    if (found > SCHEMA_VERSION) {
      throw new DatabaseVersionError(
        `database '${path}' has schema version ${found}, newer than this Moduli Workbench supports (${SCHEMA_VERSION}); open it with a newer version — it was not modified`,
      );
    }
  }
  const db = new Database(path, { nativeBinding: opts.nativeBinding });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db, target);
  return db;
}

export function migrate(db: Db, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
