import { EVENT_LOOP_BUSY_MS } from '../store/database';
import { RunStore } from '../store/run-store';
import { defaultDbPath, ensureParentDir } from '../store/paths';

/**
 * Opens the run database named by --db, MODULI_DB, or the default in the user data folder. `longLived`: a
 * process that serves requests or trains (a lock held by another process must not stall it for seconds).
 */
export function openStore(path?: string, opts: { longLived?: boolean } = {}): RunStore {
  const file = path ?? defaultDbPath();
  ensureParentDir(file);
  return RunStore.open(file, opts.longLived ? { busyTimeoutMs: EVENT_LOOP_BUSY_MS } : {});
}
