// The default database lives in the user's data folder, the same one Electron's app.getPath('userData')
// uses, so the app and the CLI share runs. MODULI_DB overrides it; the CLI's --db overrides both.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const PRODUCT_NAME = 'Moduli Workbench';

export function userDataDir(): string {
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), PRODUCT_NAME);
}

export function defaultDbPath(): string {
  return process.env.MODULI_DB ?? join(userDataDir(), 'runs.sqlite');
}

export function ensureParentDir(file: string): void {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
}
