// A study's life outside the happy path, driven through the real CLI: interrupted half-way and resumed, a
// host killed outright, and exported to Slurm, the array tasks run by bash as Slurm would, then imported.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { createStudy } from '../../src-main/jobs/study';
import { studyDetail } from '../../src-main/queries/study';
import { RunStore } from '../../src-main/store/run-store';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'bin/moduli.mjs');

// Asynchronous on purpose: a spawnSync of a minute-long `study resume` blocks this vitest worker's event loop,
// and vitest then fails the whole run with "Timeout calling onTaskUpdate" (seen in CI on 2 cores).
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}
const moduli = (...args: string[]) => run(process.execPath, [CLI, ...args]);

function tinySpec(epochs: number, samples: number, seeds = [1]) {
  return {
    name: 'lifecycle',
    base: {
      backend: 'wasm',
      task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: samples, batchSize: 16, epochs, stabiliserEpochs: 0, testSamples: 32 },
      pruning: { target: 0.5 },
    },
    arms: [
      { name: 'torus DoG⁻¹', overrides: { 'regularization.penalty.space': 'torus' } },
      { name: 'no regulariser', overrides: { 'regularization.penalty.space': 'none', 'regularization.lambda': 0 } },
    ],
    seeds,
  };
}

const statuses = (db: string) => {
  const s = RunStore.open(db);
  const rows = s.db.prepare('SELECT id, status, finished_at FROM runs ORDER BY rowid').all() as Array<{
    id: string;
    status: string;
    finished_at: number | null;
  }>;
  s.close();
  return rows;
};

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('study lifecycle', () => {
  it('Ctrl-C half-way pauses the running run and starts no more; `study resume` finishes the study and leaves finished runs alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-life-'));
    const db = join(dir, 'runs.sqlite');
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(tinySpec(8, 640, [1, 2])));
    const cli = spawn(process.execPath, [CLI, 'study', 'run', join(dir, 'spec.json'), '--db', db, '--concurrency', '1'], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    // Wait for: first run finished and the second one a few epochs in (it has a checkpoint).
    await until(() => existsSync(db) && statuses(db)[0]?.status === 'finished' && statuses(db)[1]?.status === 'running', 120_000);
    const second = statuses(db)[1].id;
    await until(() => {
      const s = RunStore.open(db);
      const c = s.checkpoint(second);
      s.close();
      return !!c && c.epoch >= 1;
    }, 120_000);
    const firstFinishedAt = statuses(db)[0].finished_at;
    cli.kill('SIGINT');
    await new Promise((r) => cli.on('exit', r));
    expect(statuses(db).map((r) => r.status)).toEqual(['finished', 'paused', 'queued', 'queued']);
    const studyId = /study (\w+):/.exec(out)![1];

    const resumed = await moduli('study', 'resume', studyId, '--db', db, '--concurrency', '2');
    expect(resumed.code).toBe(0);
    const after = statuses(db);
    expect(after.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(after[0].finished_at).toBe(firstFinishedAt);
    // The resumed run continued: its step metrics are not duplicated from step 0 and it reached the end.
    const s = RunStore.open(db);
    const run = s.getRun(second)!;
    expect(run.progressStep).toBe(run.totalSteps);
    const report = await moduli('study', 'report', studyId, '--db', db, '--format', 'json');
    const cells = JSON.parse(report.out).cells as Array<{ cell: string; finished: number }>;
    expect(cells.map((c) => c.finished)).toEqual([2, 2]);
    s.close();
  }, 300_000);

  it('a host killed outright leaves runs that become interrupted on restart and resume to the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-kill-'));
    const db = join(dir, 'runs.sqlite');
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(tinySpec(8, 640)));
    const cli = spawn(process.execPath, [CLI, 'study', 'run', join(dir, 'spec.json'), '--db', db, '--concurrency', '1'], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    // The first run starts inside `study run` before it prints the study id: wait for both.
    await until(() => /study (\w+):/.test(out) && existsSync(db) && statuses(db)[0]?.status === 'running', 120_000);
    // Kill only the host (the CLI process). Killing its children first raced: the still-living host saw the
    // worker die, recorded it failed and started the next run. The worker must notice by itself and exit.
    cli.kill('SIGKILL');
    await new Promise((r) => cli.on('exit', r));
    // The orphaned worker notices the lost channel and exits; nothing finishes after the host died.
    await new Promise((r) => setTimeout(r, 1500));
    expect(statuses(db).map((r) => r.status)).toEqual(['running', 'queued']);
    const studyId = /study (\w+):/.exec(out)![1];
    const resumed = await moduli('study', 'resume', studyId, '--db', db, '--concurrency', '1');
    expect(resumed.code).toBe(0);
    expect(statuses(db).map((r) => r.status)).toEqual(['finished', 'finished']);
  }, 300_000);

  it('export-slurm writes an array job; running its tasks and `study import` merges the results idempotently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-slurm-'));
    const db = join(dir, 'runs.sqlite');
    const store = RunStore.open(db);
    const { studyId, runIds } = createStudy(store, new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 0 }), tinySpec(2, 160));
    store.close();
    const cluster = join(dir, 'shared-fs');
    const exp = await moduli(
      'study',
      'export-slurm',
      studyId,
      '--db',
      db,
      '--dir',
      cluster,
      '--gpus',
      '0',
      '--partition',
      'gpu',
      '--max-parallel',
      '4',
      '--moduli',
      `"${process.execPath}" "${CLI}"`,
    );
    expect(exp.code, exp.err).toBe(0);
    const script = readFileSync(join(cluster, 'study.sbatch'), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-1%4$/m);
    expect(script).toMatch(/^#SBATCH --partition=gpu$/m);
    expect(script).not.toMatch(/--gres/);
    expect(readFileSync(join(cluster, 'run-ids.txt'), 'utf8').trim().split('\n')).toEqual(runIds);
    // Parked so the desktop app does not train them too.
    expect(statuses(db).map((r) => r.status)).toEqual(['paused', 'paused']);

    // Before any task ran, import finds nothing to merge.
    expect((await moduli('study', 'import', cluster, '--db', db)).out).toMatch(/imported 0, already here 0, not finished 0, no result yet 2/);
    // Slurm runs the script once per index with SLURM_ARRAY_TASK_ID set; #SBATCH lines are comments to bash.
    for (const i of [0, 1]) {
      const task = await run('bash', [join(cluster, 'study.sbatch')], { ...process.env, SLURM_ARRAY_TASK_ID: String(i) });
      expect(task.code, task.err).toBe(0);
    }
    // A requeued task that already finished does nothing.
    const again = await run('bash', [join(cluster, 'study.sbatch')], { ...process.env, SLURM_ARRAY_TASK_ID: '0' });
    expect(again.out).toMatch(/already finished/);

    expect((await moduli('study', 'import', cluster, '--db', db)).out).toMatch(/imported 2, already here 0/);
    expect((await moduli('study', 'import', cluster, '--db', db)).out).toMatch(/imported 0, already here 2/);
    const s = RunStore.open(db);
    const detail = studyDetail(s, studyId);
    expect(detail.runs.map((r) => [r.id, r.status])).toEqual(runIds.map((id) => [id, 'finished']));
    expect(detail.cells.every((c) => c.finished === 1 && Number.isFinite(c.metric.mean))).toBe(true);
    expect(s.series(runIds[0], 'loss').values.length).toBeGreaterThan(0);
    s.close();

    // Into a fresh database the study comes along.
    const other = join(dir, 'other.sqlite');
    expect((await moduli('study', 'import', cluster, '--db', other)).out).toMatch(/imported 2/);
    expect((await moduli('study', 'list', '--db', other)).out).toMatch(new RegExp(`${studyId}  2/2 finished`));
  }, 300_000);

  it('study run --arms/--axis/--name shape a template; bad names are refused before anything is queued', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'grid-')), 'runs.sqlite');
    const ok = await moduli(
      'study',
      'run',
      'navigation-scaling',
      '--arms',
      'torus DoG⁻¹,L1',
      '--axis',
      'task.hidden=32,48',
      '--set',
      'regularization.lambdaExponent=2',
      '--name',
      'λ·N² check',
      '--seeds',
      '2',
      '--no-wait',
      '--db',
      db,
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/8 runs queued/);
    const s = RunStore.open(db);
    const rows = s.db
      .prepare(
        "SELECT study_cell AS cell, json_extract(config_json, '$.task.hidden') AS n, json_extract(config_json, '$.regularization.lambdaExponent') AS k FROM runs ORDER BY created_at",
      )
      .all() as Array<{ cell: string; n: number; k: number }>;
    expect([...new Set(rows.map((r) => r.cell))]).toEqual(['torus DoG⁻¹ · hidden=32', 'torus DoG⁻¹ · hidden=48', 'L1 · hidden=32', 'L1 · hidden=48']);
    expect(rows.every((r) => r.k === 2 && r.n === Number(r.cell.split('=')[1]))).toBe(true);
    expect((s.db.prepare('SELECT name FROM studies').get() as { name: string }).name).toBe('λ·N² check');
    s.close();
    const bad = await moduli('study', 'run', 'navigation-scaling', '--arms', 'torus', '--no-wait', '--db', db);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--arms: no configuration 'torus'.*'torus DoG⁻¹'/);
    const badAxis = await moduli('study', 'run', 'navigation-scaling', '--axis', 'task.hiddn=1,2', '--no-wait', '--db', db);
    expect(badAxis.err).toMatch(/--axis unknown config path 'task.hiddn'; did you mean 'task.hidden'/);
  }, 60_000);

  it('import refuses a folder without a manifest with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-bad-'));
    const r = await moduli('study', 'import', dir, '--db', join(dir, 'x.sqlite'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no manifest\.json: not a folder written by `moduli study export-slurm`/);
  });
});
