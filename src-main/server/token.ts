// The web mode's access token persists per installation (a file in the user data folder, readable by its
// owner only), so bookmarks and open tabs keep working across server restarts. `--rotate-token` replaces it,
// which signs every browser out.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newToken } from './http';

const VALID = /^[A-Za-z0-9_-]{32,}$/;

/** The token stored in `file`, created on first use or when `rotate` is set (or the file is unusable). */
export function persistentToken(file: string, rotate = false): { token: string; created: boolean } {
  if (!rotate && existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (VALID.test(text)) return { token: text, created: false };
  }
  const token = newToken();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}
