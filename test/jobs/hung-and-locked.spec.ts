// A worker that stops answering (SIGSTOP stands in for a deadlock or a stuck driver), and a database another
// process holds locked while runs train: neither may leave a run 'running' forever, fail it, lose its records,
// or stall the host's event loop.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import { nodeForkHost, type WorkerHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { EVENT_LOOP_BUSY_MS } from '../../src-main/store/database';
import { RunStore } from '../../src-main/store/run-store';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'hung-'));
let k = 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const adding = (epochs = 3, steps = 30) =>
  ExperimentConfig.parse({
    seed: 5,
    backend: 'wasm',
    threads: 1,
    task: {
      task: 'adding',
      sequenceLength: 8,
      hidden: 16,
      samplesPerEpoch: 16 * steps,
      batchSize: 16,
      epochs,
      stabiliserEpochs: 0,
      learningRate: 5e-3,
      testSamples: 64,
    },
    regularization: { lambda: 1e-2 },
    pruning: { target: 0.5 },
  });

function setup(opts: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  const file = join(dir, `runs${k++}.sqlite`);
  const store = RunStore.open(file, { busyTimeoutMs: EVENT_LOOP_BUSY_MS });
  const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, metricsEvery: 1, ...opts });
  cleanups.push(() => {
    runner.dispose();
    if (store.db.open) store.close();
  });
  return { file, store, runner };
}

/** Real worker processes whose pids the test can see (to stop them). */
function trackedHosts(): { factory: () => WorkerHost; hosts: WorkerHost[] } {
  const hosts: WorkerHost[] = [];
  return {
    hosts,
    factory: () => {
      const h = nodeForkHost();
      hosts.push(h);
      cleanups.push(() => h.kill('SIGKILL'));
      return h;
    },
  };
}

const until = async (cond: () => boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a hung worker', () => {
  it('is noticed by its silence, killed, and its run becomes interrupted (resumable); the queue moves on; resume finishes it', async () => {
    const { hosts, factory } = trackedHosts();
    const { store, runner } = setup({ createHost: factory, silenceLimitMs: 2500 });
    const hung = runner.enqueue(adding(3, 200));
    const next = runner.enqueue(adding(1, 5));
    // Stop it after its first epoch checkpoint, mid-training.
    await until(() => store.checkpoint(hung) !== null);
    process.kill(hosts[0].pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    await runner.wait(hung);
    const run = store.getRun(hung)!;
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/stopped responding/);
    // Detected within its silence limit (5× its longest earlier silence may raise it) plus the watchdog tick.
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    await runner.wait(next);
    expect(store.getRun(next)!.status).toBe('finished');
    runner.resume(hung);
    await runner.wait(hung);
    expect(store.getRun(hung)!.status).toBe('finished');
  }, 120_000);

  it('pause on a hung worker does not hang: the worker is killed after the grace period and the run is interrupted', async () => {
    const { hosts, factory } = trackedHosts();
    const { store, runner } = setup({ createHost: factory, silenceLimitMs: 600_000, pauseGraceMs: 1500 });
    const id = runner.enqueue(adding(3, 200));
    await until(() => store.getRun(id)!.progressStep > 0);
    process.kill(hosts[0].pid!, 'SIGSTOP');
    const t0 = Date.now();
    const paused = await runner.pauseAll();
    expect(paused).toEqual([id]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(store.getRun(id)!.status).toBe('interrupted');
    expect(store.getRun(id)!.error).toMatch(/did not pause/);
  }, 60_000);
});

/** Another process that holds the database's write lock for `ms` (BEGIN IMMEDIATE), `times` times with 300 ms gaps. */
function lockHolder(file: string, ms: number, times: number): Promise<void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    const sleep = (t) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, t);
    for (let i = 0; i < ${times}; i++) {
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      sleep(${ms});
      db.exec('COMMIT');
      sleep(300);
    }`;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  return new Promise((r) => child.once('exit', () => r()));
}

describe('a database another process holds locked', () => {
  it('never fails a running run nor loses its records, and never blocks the event loop for long', async () => {
    const reference = setup();
    const refId = reference.runner.enqueue(adding(4, 60));
    await reference.runner.wait(refId);
    const metricRows = (s: RunStore, id: string) => (s.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').get(id) as { n: number }).n;
    const expectedRows = metricRows(reference.store, refId);

    const { file, store, runner } = setup();
    let maxLag = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      const now = Date.now();
      maxLag = Math.max(maxLag, now - last - 20);
      last = now;
    }, 20);
    cleanups.push(() => clearInterval(tick));
    const id = runner.enqueue(adding(4, 60));
    await until(() => store.getRun(id)!.status === 'running');
    // Locked 6 s at a time (longer than any busy timeout), twice: across epoch ends, checkpoints and the end.
    const holder = lockHolder(file, 6000, 2);
    await runner.wait(id);
    await holder;
    const run = store.getRun(id)!;
    expect(run.error).toBeNull();
    expect(run.status).toBe('finished');
    expect(metricRows(store, id)).toBe(expectedRows);
    expect(store.epochs(id)).toHaveLength(4);
    expect(maxLag).toBeLessThan(1000);
  }, 120_000);
});
