#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .electron-native/better_sqlite3.node, leaving the Node build in
// node_modules untouched for the CLI, web mode and tests (Electron 45 embeds its own Node, the tools run on Node 20).
// The main process opens the store with better-sqlite3's `nativeBinding` option pointing here.
// Runs before `npm start` and `npm run package`; does nothing when the stamp matches.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = resolve('.electron-native');
const want = {
  electron: require('electron/package.json').version,
  betterSqlite3: require('better-sqlite3/package.json').version,
  platform: process.platform,
  arch: process.arch,
};
const stampFile = join(OUT, 'stamp.json');
const target = join(OUT, 'better_sqlite3.node');
if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === JSON.stringify(want)) process.exit(0);

const work = join(OUT, 'work');
try {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  const src = resolve('node_modules/better-sqlite3');
  cpSync(src, join(work, 'node_modules/better-sqlite3'), {
    recursive: true,
    filter: (p) => !p.startsWith(join(src, 'build') + sep) && p !== join(src, 'build'),
  });
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'electron-native', version: '1.0.0', dependencies: { 'better-sqlite3': want.betterSqlite3 } }),
  );
  process.stderr.write(`building better-sqlite3 ${want.betterSqlite3} for Electron ${want.electron} (${want.platform}-${want.arch})…\n`);
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: work, electronVersion: want.electron, onlyModules: ['better-sqlite3'], force: true });
  copyFileSync(join(work, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), target);
  writeFileSync(stampFile, JSON.stringify(want));
  rmSync(work, { recursive: true, force: true });
} catch (e) {
  process.stderr.write(
    `moduli: could not build better-sqlite3 for Electron ${want.electron}: ${String(e?.message ?? e).split('\n')[0]}\n` +
      '  It needs the Electron headers (downloaded from electronjs.org; set npm_config_disturl or ELECTRON_MIRROR to a mirror)\n' +
      '  and a C++ toolchain. The CLI and web mode (npx moduli serve) do not need it.\n',
  );
  process.exit(1);
}
