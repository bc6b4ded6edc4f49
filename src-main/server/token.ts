// The web mode's access token persists per installation (a file in the user data folder, readable by its
// owner only), so bookmarks and open tabs keep working across server restarts. `--rotate-token` replaces it,
// which signs every browser out.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newToken } from './http';
import { InvalidInputError } from '../schema/errors';
import { checkOutputPath } from '../store/output-file';

const VALID = /^[A-Za-z0-9_-]{32,}$/;

/**
 * The token stored in `file`, created on first use or when `rotate` is set. Only a token file (or an empty
 * one) is ever replaced: `--token-file` naming the run database, or any other file with content, is refused
 * (store/output-file.ts), since writing the token would destroy it.
 */
export function persistentToken(file: string, rotate = false, protect: readonly string[] = []): { token: string; created: boolean } {
  let ours = false;
  if (existsSync(file)) {
    const text = readFileSync(file).subarray(0, 4096).toString('utf8').trim();
    ours = VALID.test(text) || text === '';
    if (!rotate && VALID.test(text)) return { token: text, created: false };
    if (!ours) throw new InvalidInputError(`token file '${file}' holds something else (not a token); it was not modified — choose another --token-file`);
  }
  mkdirSync(dirname(file), { recursive: true });
  checkOutputPath(file, { overwrite: ours, protect });
  const token = newToken();
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}
