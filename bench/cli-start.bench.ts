// CLI start-up: wall time of common commands through bin/moduli.mjs (built bundle when fresh, else the
// TypeScript sources through tsx), median of 5. Prints one JSON line per command. Run: npm run bench:cli
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const db = join(mkdtempSync(join(tmpdir(), 'bench-cli-')), 'runs.sqlite');
const commands = [
  ['--help'],
  ['runs', 'list', '--db', db],
  ['train', '--task', 'adding', '--print-config'],
  ['geometry', 'distance', '--space', 'klein', '0.5,2', '9.5,8'],
  ['study', 'templates'],
];
for (const args of commands) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin/moduli.mjs'), ...args], { encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`moduli ${args.join(' ')} failed: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      bench: 'cli-start',
      command: args.slice(0, 2).join(' '),
      bundle: existsSync(join(root, 'out/cli/moduli.mjs')),
      medianMs: Math.round(times[2]),
    }) + '\n',
  );
}
