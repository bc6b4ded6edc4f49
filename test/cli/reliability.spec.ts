// Real CLI processes against real databases: Ctrl-C on `moduli serve`, a CLI `train` beside a server on one
// database, another program's SQLite file, a decompression bomb, typos in --set, runs too large for memory.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src-main/jobs/runner';
import { nodeForkHost } from '../../src-main/jobs/host';
import { RunStore } from '../../src-main/store/run-store';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'cli-rel-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function moduli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/moduli.mjs'), ...args],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MODULI_DB: join(dir, 'default.sqlite') } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

/** A long-lived CLI process; resolves the first stdout line matching `ready`. */
function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/moduli.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => ready.test(l));
      if (line) resolvePromise({ child, line, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
}

const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));

async function until<T>(fn: () => T | undefined | null | false, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ADDING = {
  backend: 'wasm',
  task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: 16 * 400, batchSize: 16, epochs: 30, stabiliserEpochs: 0, testSamples: 64 },
};

describe('moduli serve under signals', () => {
  it('Ctrl-C pauses running runs at a checkpoint, records them paused, and exits 0; the next process finds them paused, not interrupted', async () => {
    const db = join(dir, 'serve-sigint.sqlite');
    const { child, line } = await start(['serve', '--port', '0', '--db', db, '--no-token'], /^Moduli Workbench: /);
    const base = line.replace('Moduli Workbench: ', '').replace(/\/$/, '');
    const started = await fetch(`${base}/api/startRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ config: ADDING }]),
    });
    const [id] = ((await started.json()) as { result: string[] }).result;
    const store = RunStore.open(db);
    await until(() => (store.getRun(id)!.progressStep > 0 ? true : null));
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
    const run = store.getRun(id)!;
    expect(run.status).toBe('paused');
    expect(store.checkpoint(id)).not.toBeNull();
    const next = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 0 });
    expect(next.recover()).toEqual([]);
    expect(store.getRun(id)!.status).toBe('paused');
    next.dispose();
    store.close();
  });
});

describe('a terminal Ctrl-C reaches the whole process group', () => {
  // A terminal sends SIGINT to every process of the foreground group: the server and its workers alike. The
  // workers leave it to the server, which pauses them at a checkpoint; the server exits 0, every time.
  it.each([
    ['SIGINT', 1],
    ['SIGINT', 2],
    ['SIGINT', 3],
    ['SIGTERM', 1],
  ] as const)(
    'group %s (trial %i): the run is recorded paused with a checkpoint and the server exits 0',
    async (signal, trial) => {
      const db = join(dir, `serve-group-${signal}-${trial}.sqlite`);
      const child = spawn(process.execPath, [join(ROOT, 'bin/moduli.mjs'), 'serve', '--port', '0', '--db', db, '--no-token'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const line = await until(() => out.split('\n').find((l) => l.startsWith('Moduli Workbench: ')));
      const base = new URL(line.replace('Moduli Workbench: ', '')).origin;
      const started = await fetch(`${base}/api/startRuns`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([{ config: ADDING }]),
      });
      const [id] = ((await started.json()) as { result: string[] }).result;
      const store = RunStore.open(db);
      await until(() => (store.getRun(id)!.progressStep > 0 ? true : null));
      process.kill(-child.pid!, signal);
      expect(await exitOf(child)).toBe(0);
      expect(err).not.toMatch(/EPIPE|killed by SIG/);
      const run = store.getRun(id)!;
      expect(run.status).toBe('paused');
      expect(store.checkpoint(id)).not.toBeNull();
      store.close();
    },
    120_000,
  );
});

describe('a CLI train beside a server on one database', () => {
  it('the server leaves the CLI’s live run alone (no interrupted, no cancel) and marks it interrupted once the CLI is killed', async () => {
    const db = join(dir, 'two.sqlite');
    const cfg = join(dir, 'long.json');
    writeFileSync(cfg, JSON.stringify(ADDING));
    const train = spawn(process.execPath, [join(ROOT, 'bin/moduli.mjs'), 'train', '--config', cfg, '--db', db, '--quiet'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(train);
    let err = '';
    train.stderr!.on('data', (d) => (err += d));
    const id = await until(() => /run (\w+) \(recorded/.exec(err)?.[1]);
    const store = RunStore.open(db);
    const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, ownerKind: 'serve' });
    try {
      expect(runner.recover()).toEqual([]);
      expect(store.getRun(id)!.status).toBe('running');
      expect(() => runner.cancel(id)).toThrow(/being trained by process \d+/);
      expect(() => runner.resume(id)).toThrow(/being trained by process/);
      train.kill('SIGKILL');
      await exitOf(train);
      runner.sweep();
      expect(store.getRun(id)!.status).toBe('interrupted');
    } finally {
      runner.dispose();
      store.close();
    }
  });
});

describe('bad input to the CLI', () => {
  it('--db on another program’s SQLite file is refused without writing to it', async () => {
    const file = join(dir, 'foreign.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices (amount) VALUES (9.5);');
    other.close();
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    const r = await moduli('runs', 'list', '--db', file);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/SQLite database of another program \(tables: invoices\); it was not modified/);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(check.pragma('user_version', { simple: true })).toBe(0);
    check.close();
  });

  it('a decompression bomb is refused while decompressing, with the limit in the message', async () => {
    const file = join(dir, 'bomb.mwb');
    writeFileSync(file, gzipSync(Buffer.alloc(300 * 2 ** 20, 32), { level: 9 }));
    const r = await moduli('runs', 'import', file, '--db', join(dir, 'bomb.sqlite'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/decompresses to more than 256 MB \(the limit/);
  });

  it('--set with a path the config does not have is a usage error naming the nearest paths (nothing trains)', async () => {
    const r = await moduli('train', '--task', 'adding', '--set', 'task.hiddne=256', '--no-record');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown config path 'task\.hiddne'; did you mean 'task\.hidden'/);
    const proto = await moduli('train', '--task', 'adding', '--set', '__proto__.polluted=1', '--no-record');
    expect(proto.code).toBe(2);
    const file = join(dir, 'extra.json');
    writeFileSync(file, JSON.stringify({ task: { task: 'adding', hiddne: 8 } }));
    const extra = await moduli('train', '--config', file, '--print-config');
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/hiddne/);
  });

  it('a run too large for memory is refused before anything is allocated or recorded, with the estimate', async () => {
    const db = join(dir, 'mem.sqlite');
    for (const hidden of ['30000', '100000']) {
      const r = await moduli('train', '--task', 'navigation', '--set', `task.hidden=${hidden}`, '--db', db, '--max-memory', '4');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/needs about [\d.]+ GB of memory \(largest part: recurrent.*more than the limit of 4\.0 GB/);
    }
    const store = RunStore.open(db);
    expect(store.listRuns({})).toEqual([]);
    store.close();
  });
});

describe('the language-model corpus', () => {
  it('is checked before a run is created: the error names the split, --corpus and the README section', async () => {
    const db = join(dir, 'lm.sqlite');
    const r = await moduli('train', '--task', 'language', '--preset', 'quick', '--db', db);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the train split 'train\.txt' \(task\.corpus\.train\) is missing or empty\. Pass --corpus DIR/);
    const store = RunStore.open(db);
    expect(store.listRuns({})).toEqual([]);
    // A failed run of a missing corpus is not silently resumed into the same failure.
    const { presetConfig } = await import('../../src-main/schema/presets');
    const id = store.createRun(
      presetConfig('language', 'quick', {
        task: { task: 'language', corpus: { train: join(dir, 'nope.txt'), valid: join(dir, 'nope.txt'), test: join(dir, 'nope.txt') } },
      }),
      { status: 'failed' },
    ).id;
    const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1 });
    try {
      expect(() => runner.resume(id)).toThrow(/train split .* is missing or empty/);
      expect(store.getRun(id)!.status).toBe('failed');
    } finally {
      runner.dispose();
      store.close();
    }
  });
});
