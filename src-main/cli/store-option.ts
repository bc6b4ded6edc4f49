import { RunStore } from '../store/run-store';
import { defaultDbPath, ensureParentDir } from '../store/paths';

/** Opens the run database named by --db, MODULI_DB, or the default in the user data folder. */
export function openStore(path?: string): RunStore {
  const file = path ?? defaultDbPath();
  ensureParentDir(file);
  return RunStore.open(file);
}
