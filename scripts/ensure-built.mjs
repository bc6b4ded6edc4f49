#!/usr/bin/env node
// Before the browser tests: build the renderer (and the CLI) when out/ is missing or older than the sources,
// so `npm test` works on a fresh clone without a separate `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const built = join(root, 'out/renderer/index.html');
const sources = Math.max(newest(join(root, 'src-renderer')), newest(join(root, 'src-main')));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  process.stderr.write('building the renderer for the browser tests (out/ is missing or older than the sources)…\n');
  execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { cwd: root, stdio: 'inherit' });
}
