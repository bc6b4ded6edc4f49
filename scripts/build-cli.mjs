#!/usr/bin/env node
// Builds the headless CLI and its training worker into out/cli/ (plain JavaScript, dependencies external), so
// `npx moduli` starts without compiling TypeScript at run time. Runs on `npm install` (prepare) and
// `npm run build`; bin/moduli.mjs falls back to the TypeScript sources when the bundle is missing or older
// than them.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The engine version is baked in (src-main/engine/version.ts): the bundle has no sources to hash.
const { register } = await import('tsx/esm/api');
register();
const { engineSourceHash } = await import('../src-main/engine/version-hash.ts');
const engineVersion = engineSourceHash(fileURLToPath(new URL('../src-main', import.meta.url)));
const started = Date.now();
// Chunk names carry content hashes: clear the folder so old chunks do not pile up beside the new ones.
rmSync(new URL('../out/cli', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { moduli: 'src-main/cli/main.ts', worker: 'src-main/jobs/worker.ts' },
  outdir: 'out/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Chunks for dynamic imports: heavy modules (tfjs, the server) load only in the commands that use them.
  splitting: true,
  // Chunks beside the entries: host.ts (in a chunk) finds worker.mjs next to itself.
  chunkNames: 'chunk-[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  define: { __MODULI_ENGINE_VERSION__: JSON.stringify(engineVersion) },
  // Some dependencies are CommonJS and use require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
process.stderr.write(`built out/cli/moduli.mjs and out/cli/worker.mjs (engine ${engineVersion}) in ${Date.now() - started} ms\n`);
