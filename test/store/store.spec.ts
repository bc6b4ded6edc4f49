import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import { BundleError, exportBundle, importBundle } from '../../src-main/store/bundle';
import { DatabaseVersionError, openDatabase, schemaVersion } from '../../src-main/store/database';
import { minMaxDownsample } from '../../src-main/store/downsample';
import { SCHEMA_VERSION } from '../../src-main/store/migrations';
import { RunStore } from '../../src-main/store/run-store';

const dir = mkdtempSync(join(tmpdir(), 'store-'));
let n = 0;
const dbFile = () => join(dir, `db${n++}.sqlite`);
const config = (over: Record<string, unknown> = {}) => ExperimentConfig.parse({ task: { task: 'adding' }, ...over });

function seeded(store: RunStore) {
  const run = store.createRun(config({ name: 'torus run' }), { status: 'finished' });
  store.appendMetrics(
    run.id,
    Array.from({ length: 100 }, (_, i) => ({ name: 'loss', step: i + 1, value: 1 / (i + 1), phase: 'train' })),
  );
  store.recordEpoch(run.id, {
    phase: 'train',
    epoch: 0,
    step: 100,
    pruneAmount: 0.5,
    threshold: 0.01,
    learningRate: 1e-3,
    sparsity: { global: 0.5, perMatrix: { W_hh: 0.6 }, smallWeightFraction: { W_hh: 0.6 } },
    valid: { mse: 0.1 },
  });
  store.addSnapshot(run.id, {
    phase: 'train',
    epoch: 0,
    step: 100,
    matrix: 'W_hh',
    rows: 2,
    cols: 2,
    gates: 1,
    weights: Float32Array.from([1, 0, -2, 3]),
    mask: Float32Array.from([1, 0, 1, 1]),
    order: Int32Array.from([1, 0]),
  });
  store.saveCheckpoint(run.id, { phase: 'train', epoch: 1, step: 0, bytes: Uint8Array.from([1, 2, 3]) });
  store.tag(run.id, 'baseline');
  store.addNote(run.id, 'first try');
  return run.id;
}

describe('run store', () => {
  it('records a run with its metrics, epochs, snapshots, checkpoint, tags and notes', () => {
    const store = RunStore.open(dbFile());
    const id = seeded(store);
    const run = store.getRun(id)!;
    expect(run.tags).toEqual(['baseline']);
    expect(store.series(id, 'loss').values).toHaveLength(100);
    expect(store.latestMetrics(id).loss).toBeCloseTo(0.01, 9);
    expect(store.epochs(id)[0].valid.mse).toBe(0.1);
    const snap = store.snapshot(store.snapshots(id)[0].id)!;
    expect(Array.from(snap.weights)).toEqual([1, 0, -2, 3]);
    expect(Array.from(snap.order)).toEqual([1, 0]);
    expect(Array.from(store.checkpoint(id)!.bytes)).toEqual([1, 2, 3]);
    expect(store.notes(id)[0].text).toBe('first try');
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.deleteRun(id);
    expect(store.db.prepare('SELECT COUNT(*) c FROM metrics').get()).toEqual({ c: 0 });
    store.close();
  });

  it('filters and sorts runs by status, task, space, tag, text and final metric', () => {
    const store = RunStore.open(dbFile());
    const a = store.createRun(config({ regularization: { penalty: { space: 'klein' } } }), { status: 'finished' }).id;
    const b = store.createRun(config(), { status: 'failed' }).id;
    store.update(a, { finalMetric: 0.5 });
    store.update(b, { finalMetric: 0.1 });
    store.tag(b, 'control');
    expect(store.listRuns({ status: ['finished'] }).map((r) => r.id)).toEqual([a]);
    expect(store.listRuns({ space: 'klein' }).map((r) => r.id)).toEqual([a]);
    expect(store.listRuns({ tag: 'control' }).map((r) => r.id)).toEqual([b]);
    expect(store.listRuns({ search: 'kle' }).map((r) => r.id)).toEqual([a]);
    expect(store.listRuns({ sort: 'finalMetric', order: 'asc' }).map((r) => r.id)).toEqual([b, a]);
    expect(store.resolveId(a.slice(0, 6))).toBe(a);
    store.close();
  });

  it('marks runs left running by a dead process as interrupted', () => {
    const file = dbFile();
    const store = RunStore.open(file);
    const id = store.createRun(config(), { status: 'running' }).id;
    store.close();
    const reopened = RunStore.open(file);
    expect(reopened.markStaleRunning()).toEqual([id]);
    expect(reopened.getRun(id)!.status).toBe('interrupted');
    reopened.close();
  });

  it('migrates a database from schema version 1, keeping its runs and back-filling the latest-metric table', () => {
    const file = dbFile();
    const old = openDatabase(file, { upToVersion: 1 });
    expect(schemaVersion(old)).toBe(1);
    old
      .prepare(
        `INSERT INTO runs (id, task, space, weighting, config_json, config_hash, seed, status, app_version, host, created_at) VALUES ('old1', 'adding', 'torus', 'dog', ?, 'h', 1, 'finished', '0.0.9', 'lab', 1)`,
      )
      .run(JSON.stringify(config()));
    old.prepare("INSERT INTO metrics (run_id, name, step, value) VALUES ('old1', 'loss', 1, 0.9), ('old1', 'loss', 2, 0.4)").run();
    old.close();
    const store = RunStore.open(file);
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(store.getRun('old1')!.status).toBe('finished');
    expect(store.latestMetrics('old1')).toEqual({ loss: 0.4 });
    // v5: the device column exists, empty for old runs, and takes a value.
    expect(store.getRun('old1')!.backendDevice).toBeNull();
    store.update('old1', { backend: 'webgpu', backendDevice: 'nvidia hopper (driver 580)' });
    expect(store.getRun('old1')!.backendDevice).toBe('nvidia hopper (driver 580)');
    expect(store.latestBackend()).toEqual({ backend: 'webgpu', device: 'nvidia hopper (driver 580)', notices: [] });
    store.close();
  });

  it('refuses a database from a newer version and leaves it untouched', () => {
    const file = dbFile();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);
    expect(() => RunStore.open(file)).toThrow(DatabaseVersionError);
    expect(() => RunStore.open(file)).toThrow(/newer than this Moduli Workbench supports/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not a database', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'hello, not sqlite');
    expect(() => RunStore.open(file)).toThrow(/not a readable Moduli Workbench database/);
  });
});

describe('bundles', () => {
  it('round-trips a run between databases', () => {
    const a = RunStore.open(dbFile());
    const id = seeded(a);
    const bundle = exportBundle(a, [id]);
    const b = RunStore.open(dbFile());
    expect(importBundle(b, bundle)).toEqual([id]);
    expect(b.series(id, 'loss').values).toEqual(a.series(id, 'loss').values);
    expect(Array.from(b.snapshot(b.snapshots(id)[0].id)!.mask!)).toEqual([1, 0, 1, 1]);
    expect(b.getRun(id)!.tags).toEqual(['baseline']);
    expect(() => importBundle(b, bundle)).toThrow(/already in this database/);
    a.close();
    b.close();
  });

  it('rejects a truncated or altered bundle and writes nothing', () => {
    const a = RunStore.open(dbFile());
    const bundle = exportBundle(a, [seeded(a)]);
    const b = RunStore.open(dbFile());
    expect(() => importBundle(b, bundle.subarray(0, Math.floor(bundle.length / 2)))).toThrow(BundleError);
    expect(() => importBundle(b, Buffer.from('garbage'))).toThrow(/not a readable bundle/);
    expect(b.listRuns()).toHaveLength(0);
    expect(b.db.prepare('SELECT COUNT(*) c FROM metrics').get()).toEqual({ c: 0 });
    a.close();
    b.close();
  });
});

describe('downsampling', () => {
  it('keeps the minimum and maximum of every bucket, so spikes survive', () => {
    const n = 10000;
    const steps = Float64Array.from({ length: n }, (_, i) => i);
    const values = Float64Array.from({ length: n }, (_, i) => (i === 4321 ? 100 : Math.sin(i / 100)));
    const d = minMaxDownsample(steps, values, 200);
    expect(d.steps.length).toBeLessThanOrEqual(200);
    expect(Math.max(...d.values)).toBe(100);
    expect(Array.from(d.steps)).toEqual([...d.steps].sort((x, y) => x - y));
  });
});

describe('two processes opening a new database at once', () => {
  it('both succeed: the second waits for the first one’s migration instead of re-running it', async () => {
    const { fork } = await import('node:child_process');
    const { mkdtempSync: mk } = await import('node:fs');
    const { tmpdir: tmp } = await import('node:os');
    const { join: j } = await import('node:path');
    const file = j(mk(j(tmp(), 'race-')), 'runs.sqlite');
    const script = j(mk(j(tmp(), 'race-script-')), 'open.mts');
    const { writeFileSync: w } = await import('node:fs');
    // Each child loads the store first, then waits for a common instant, so the opens really coincide.
    w(
      script,
      `import { RunStore } from ${JSON.stringify(j(__dirname, '../../src-main/store/run-store.ts'))};\nconst at = Number(process.argv[3]);\nwhile (Date.now() < at) {}\nconst s = RunStore.open(process.argv[2]);\ns.close();\n`,
    );
    const at = String(Date.now() + 6000);
    const run = () =>
      new Promise<number>((resolve) => {
        const child = fork(script, [file, at], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    const codes = await Promise.all([run(), run(), run(), run()]);
    expect(codes).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
