// Errors that say what kind of failure they are, so every front end answers alike: the HTTP server maps
// NotFoundError to 404 and ConflictError to 409, the CLI prints the message, IPC passes it to the renderer.

/** The run, study or snapshot named does not exist. */
export class NotFoundError extends Error {}

/** The request is well formed but the object is in a state that does not allow it (cancel a finished run). */
export class ConflictError extends Error {}

/** The database cannot take more data (disk or quota full): runs fail with this reason, the process stays up. */
export class StorageFullError extends Error {}

/** True for better-sqlite3's "database or disk is full" and the OS's ENOSPC/EDQUOT. */
export function isStorageFull(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** True when another connection holds the lock SQLite needed (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}
