// Which engine produced a run (recorded with it). Builds bake the hash in (electron.vite.config.ts,
// scripts/build-cli.mjs); run from the TypeScript sources (tests, `bin/run-ts.mjs`) it is computed from them.
import { fileURLToPath } from 'node:url';
import { engineSourceHash } from './version-hash';

declare const __MODULI_ENGINE_VERSION__: string | undefined;

let cached: string | null = null;

export function engineVersion(): string {
  if (cached) return cached;
  if (typeof __MODULI_ENGINE_VERSION__ === 'string') cached = __MODULI_ENGINE_VERSION__;
  else {
    try {
      cached = engineSourceHash(fileURLToPath(new URL('..', import.meta.url)));
    } catch {
      // Neither baked in nor beside its sources (should not happen): say so rather than guess.
      cached = 'unknown';
    }
  }
  return cached;
}
