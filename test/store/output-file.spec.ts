// No output path can destroy data: a database (by name, link, hard link or content) is never written, an
// existing file only with overwrite, and a write lands whole.
import { execFile } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutputPath, writeOutputFile } from '../../src-main/store/output-file';
import { RunStore } from '../../src-main/store/run-store';
import { ExperimentConfig } from '../../src-main/schema/experiment';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'out-guard-'));

function moduli(...args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/moduli.mjs'), ...args],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, MODULI_DB: join(dir, 'default.sqlite') } },
      (error, _o, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, err: stderr }),
    );
  });
}

describe('output files', () => {
  const db = join(dir, 'runs.sqlite');
  const store = RunStore.open(db);
  store.createRun(ExperimentConfig.parse({ task: { task: 'adding' } }), { status: 'finished' });

  it.each([
    ['the database', db],
    ['its -wal file', `${db}-wal`],
    ['its -shm file', `${db}-shm`],
    ['a relative path to it', relative(process.cwd(), db)],
    ['a path with ./ and ..', join(dir, '.', 'x', '..', 'runs.sqlite')],
  ])('refuses %s, even with overwrite', (_what, path) => {
    expect(() => checkOutputPath(path, { overwrite: true, protect: [db] })).toThrow(/refusing to write .*database/);
  });

  it('refuses a symbolic or hard link to the database, and any SQLite file, even unnamed', () => {
    const sym = join(dir, 'link.mwb');
    symlinkSync(db, sym);
    const hard = join(dir, 'hard.mwb');
    linkSync(db, hard);
    for (const p of [sym, hard]) expect(() => checkOutputPath(p, { overwrite: true, protect: [db] })).toThrow(/database/);
    expect(() => checkOutputPath(hard, { overwrite: true })).toThrow(/SQLite database/);
  });

  it('an existing file is replaced only with overwrite; a new file is written whole', () => {
    const f = join(dir, 'figure.csv');
    writeOutputFile(f, 'a\n');
    expect(() => writeOutputFile(f, 'b\n')).toThrow(/already exists; pass --force/);
    expect(readFileSync(f, 'utf8')).toBe('a\n');
    writeOutputFile(f, 'b\n', { overwrite: true });
    expect(readFileSync(f, 'utf8')).toBe('b\n');
    expect(() => writeOutputFile(join(dir, 'missing', 'x.csv'), 'x')).toThrow(/does not exist/);
  });

  it('`runs export --out <database>` exits 2 and leaves the database intact; an existing file needs --force', async () => {
    const run = store.listRuns({})[0].id;
    store.close();
    for (const out of [db, `${db}-wal`, join(dir, 'link.mwb')]) {
      const r = await moduli('runs', 'export', run, '--out', out, '--db', db);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/refusing to write/);
    }
    expect(readFileSync(db).subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(RunStore.open(db).listRuns({})).toHaveLength(1);
    const existing = join(dir, 'notes.txt');
    writeFileSync(existing, 'keep me');
    expect((await moduli('runs', 'export', run, '--out', existing, '--db', db)).code).toBe(2);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    expect((await moduli('runs', 'export', run, '--out', existing, '--db', db, '--force')).code).toBe(0);
    expect(await moduli('geometry', 'embed', '--space', 'torus', '--n', '4', '--out', join(dir, 'default.sqlite'), '--force')).toMatchObject({ code: 2 });
  }, 120_000);
});
