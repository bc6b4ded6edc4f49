// The Slurm round trip on a real scheduler: a single-node Slurm (Debian's slurm-wlm + munge, started by
// scripts/slurm-local.sh) runs the exported array job with `sbatch --wait`, then `study import` merges the
// results. Needs root and the two packages (.ci/run installs them and sets MODULI_REQUIRE_SLURM, so a missing
// scheduler fails there); elsewhere the test is skipped with the reason printed. The bash-only version of the
// same round trip, which needs no scheduler, is in study-lifecycle.spec.ts.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { createStudy } from '../../src-main/jobs/study';
import { studyDetail } from '../../src-main/queries/study';
import { RunStore } from '../../src-main/store/run-store';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'bin/moduli.mjs');
const SLURM = join(ROOT, 'scripts/slurm-local.sh');

function run(file: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}
const moduli = (...args: string[]) => run(process.execPath, [CLI, ...args]);

const missing = [
  process.getuid?.() !== 0 ? 'root' : null,
  ...['sbatch', 'slurmctld', 'slurmd', 'munged'].map((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`]);
      return null;
    } catch {
      return c;
    }
  }),
].filter(Boolean);
if (missing.length) console.warn(`real-Slurm test skipped: missing ${missing.join(', ')} (apt-get install slurm-wlm munge, as root)`);

const state = mkdtempSync(join(tmpdir(), 'slurm-state-'));
afterAll(async () => {
  if (!missing.length) await run('bash', [SLURM, 'stop', state]);
});

describe('Slurm (real scheduler)', () => {
  it.runIf(missing.length && process.env.MODULI_REQUIRE_SLURM)('CI provides a Slurm to test against', () => {
    expect.fail(`missing ${missing.join(', ')}`);
  });

  it.runIf(!missing.length)(
    'export-slurm → sbatch --wait on a single-node Slurm → study import: every run finished and merged',
    async () => {
      const started = await run('bash', [SLURM, 'start', state]);
      expect(started.code, started.err).toBe(0);

      const dir = mkdtempSync(join(tmpdir(), 'study-real-slurm-'));
      const db = join(dir, 'runs.sqlite');
      const store = RunStore.open(db);
      const spec = {
        name: 'real slurm',
        base: {
          backend: 'wasm',
          task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: 160, batchSize: 16, epochs: 2, stabiliserEpochs: 0, testSamples: 32 },
          pruning: { target: 0.5 },
        },
        arms: [
          { name: 'torus DoG⁻¹', overrides: { 'regularization.penalty.space': 'torus' } },
          { name: 'no regulariser', overrides: { 'regularization.penalty.space': 'none', 'regularization.lambda': 0 } },
        ],
        seeds: [1, 2],
      };
      const { studyId, runIds } = createStudy(store, new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 0 }), spec);
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
        'debug',
        '--cpus',
        '1',
        '--mem',
        '500M',
        '--time',
        '00:10:00',
        '--moduli',
        `"${process.execPath}" "${CLI}"`,
      );
      expect(exp.code, exp.err).toBe(0);

      const t0 = Date.now();
      const job = await run('sbatch', ['--wait', join(cluster, 'study.sbatch')]);
      const logs = existsSync(join(cluster, 'logs'))
        ? readdirSync(join(cluster, 'logs'))
            .map((f) => `${f}:\n${readFileSync(join(cluster, 'logs', f), 'utf8').slice(-800)}`)
            .join('\n')
        : '(no logs)';
      expect(job.code, `${job.err}\n${logs}`).toBe(0);
      expect(job.out).toMatch(/Submitted batch job \d+/);
      console.log(`real Slurm: ${runIds.length} array tasks finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(readdirSync(join(cluster, 'results')).filter((f) => f.endsWith('.done'))).toHaveLength(runIds.length);

      const imported = await moduli('study', 'import', cluster, '--db', db);
      expect(imported.out).toMatch(new RegExp(`imported ${runIds.length}, already here 0`));
      const s = RunStore.open(db);
      const detail = studyDetail(s, studyId);
      expect(detail.runs.map((r) => [r.id, r.status])).toEqual(runIds.map((id) => [id, 'finished']));
      expect(detail.cells.every((c) => c.finished === 2 && Number.isFinite(c.metric.mean))).toBe(true);
      s.close();
    },
    300_000,
  );
});
