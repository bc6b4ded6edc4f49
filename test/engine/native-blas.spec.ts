// Matrix products through the platform's BLAS (engine/blas): the kernel against tfjs's own for every shape
// and transpose, the library search, and whole runs of the three tasks on the native path against the
// built-in path. CI installs OpenBLAS and sets MODULI_REQUIRE_BLAS=1, so the native tests cannot be skipped
// there; on a machine without a BLAS they are skipped and the built-in path is what every other test runs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { acquireNativeBlas, activeBlas, blasLookup } from '../../src-main/engine/blas/runtime';
import { blasCandidates, findBlas } from '../../src-main/engine/blas/native-blas';
import { registerBatchMatMul } from '../../src-main/engine/threads/parallel-matmul';
import { decodeCheckpoint } from '../../src-main/engine/training/checkpoint';
import type { TrainingEvent } from '../../src-main/engine/training/events';
import { runExperiment } from '../../src-main/engine/training/trainer';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import { CURVE_CONFIGS } from '../../scripts/record-loss-curves';

beforeAll(async () => {
  await selectBackend('wasm');
});

const found = blasLookup();
if (!found.blas && process.env.MODULI_REQUIRE_BLAS === '1') throw new Error(`MODULI_REQUIRE_BLAS=1 but ${found.blas === null ? found.reason : ''}`);
const withBlas = found.blas ? describe : describe.skip;

describe('finding a BLAS', () => {
  it('MODULI_BLAS=off, a missing file and a library without CBLAS give the built-in path with the reason', () => {
    expect(findBlas({ MODULI_BLAS: 'off' })).toMatchObject({ blas: null, reason: 'MODULI_BLAS=off' });
    const missing = findBlas({ MODULI_BLAS: '/nonexistent/libblas.so' });
    expect(missing.blas).toBeNull();
    expect(!missing.blas && missing.reason).toMatch(/MODULI_BLAS='\/nonexistent\/libblas.so' could not be used/);
    if (process.platform === 'linux') {
      const libc = findBlas({ MODULI_BLAS: 'libc.so.6' });
      expect(!libc.blas && libc.reason).toMatch(/no cblas_sgemm/);
    }
    expect(findBlas({}, ['/nonexistent/a.so', '/nonexistent/b.so'])).toMatchObject({
      blas: null,
      reason: 'no BLAS library found (tried /nonexistent/a.so, /nonexistent/b.so)',
    });
  });

  it('searches a documented list per platform: OpenBLAS and MKL on Linux, Accelerate on macOS, DLLs on Windows', () => {
    expect(blasCandidates('linux')).toEqual(expect.arrayContaining(['libopenblas.so.0', 'libmkl_rt.so.2']));
    expect(blasCandidates('darwin')[0]).toMatch(/Accelerate\.framework/);
    expect(blasCandidates('win32')).toContain('libopenblas.dll');
  });

  it('blas: off keeps the built-in path even where a BLAS exists', () => {
    const lease = acquireNativeBlas('off', 1, registerBatchMatMul);
    expect(lease.label).toBeNull();
    expect(activeBlas()).toBeNull();
  });
});

withBlas('products through the native BLAS', () => {
  it('every rank, transpose and broadcast gives tfjs’s product to float rounding; empty shapes work', () => {
    const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [];
    for (const ta of [false, true]) for (const tb of [false, true]) cases.push({ a: ta ? [33, 7] : [7, 33], b: tb ? [19, 33] : [33, 19], ta, tb });
    cases.push(
      { a: [3, 5, 8], b: [3, 8, 4], ta: false, tb: false },
      { a: [3, 5, 8], b: [8, 4], ta: false, tb: false },
      { a: [5, 8], b: [2, 4, 8], ta: false, tb: true },
      { a: [4, 0], b: [0, 3], ta: false, tb: false },
      { a: [0, 6], b: [6, 2], ta: false, tb: false },
    );
    const inputs = cases.map((c, i) => [tf.randomNormal(c.a, 0, 1, 'float32', i), tf.randomNormal(c.b, 0, 1, 'float32', 50 + i)] as const);
    const builtIn = inputs.map(([a, b], i) => tf.matMul(a, b, cases[i].ta, cases[i].tb));
    const lease = acquireNativeBlas('auto', 2, registerBatchMatMul);
    expect(lease.label).toMatch(/OpenBLAS|MKL|BLIS|Accelerate/);
    try {
      inputs.forEach(([a, b], i) => {
        const native = tf.matMul(a, b, cases[i].ta, cases[i].tb);
        expect(native.shape).toEqual(builtIn[i].shape);
        const x = native.dataSync();
        const y = builtIn[i].dataSync();
        x.forEach((v, j) => expect(Math.abs(v - y[j])).toBeLessThan(1e-5 * (1 + Math.abs(y[j]))));
      });
    } finally {
      lease.release();
    }
    expect(activeBlas()).toBeNull();
  });
});

/**
 * Per-step losses, native against built-in, for 24–30 steps of each task (pruning included). Tolerance 2e-5
 * relative, argued: both compute float32 products exactly rounded per multiply-add but sum K terms in a
 * different order, so a product differs by at most ~K·2⁻²⁴ relative (≈ 4·10⁻⁶ at K = 64); a loss averages
 * such products, and 30 Adam steps amplify the difference little this early. Measured maxima: navigation
 * 0, adding 1.5·10⁻⁷, language 2.5·10⁻⁶ (8× under the bound). Checked to fail: scaling every native product
 * by 1.001 moves adding by 5.6·10⁻⁵ and the language model by 1.4·10⁻³ (the tiny navigation net's loss,
 * near log Np, moves 2·10⁻⁷: there the kernel test above is what catches it); a wrong transpose, a stale
 * heap view or a missed batch entry moves every loss by far more.
 */
withBlas('whole runs on the native path', () => {
  async function curve(name: keyof typeof CURVE_CONFIGS, blas: 'auto' | 'off', resume?: Uint8Array) {
    const events: TrainingEvent[] = [];
    await runExperiment(ExperimentConfig.parse({ ...CURVE_CONFIGS[name], blas }), { metricsEvery: 1, resume, onEvent: (e) => events.push(e) });
    return events;
  }
  const losses = (events: TrainingEvent[]) => events.flatMap((e) => (e.type === 'metrics' && e.phase === 'train' ? [[e.step, e.values.loss] as const] : []));

  it.each(['navigation', 'adding', 'language'] as const)(
    '%s: every step’s loss within 2e-5 relative of the built-in path; pruned weights exactly zero; recorded as native',
    async (name) => {
      const native = await curve(name, 'auto');
      const builtIn = await curve(name, 'off');
      const a = losses(native);
      const b = losses(builtIn);
      expect(a.length).toBeGreaterThanOrEqual(20);
      expect(a.map(([s]) => s)).toEqual(b.map(([s]) => s));
      a.forEach(([, x], i) => expect(Math.abs(x - b[i][1]) / Math.abs(b[i][1]), `step ${i}`).toBeLessThan(2e-5));
      const started = native.find((e) => e.type === 'started') as Extract<TrainingEvent, { type: 'started' }>;
      expect(started.backend.blas).toBe(found.blas!.label);
      const last = native.filter((e) => e.type === 'snapshot').at(-1) as Extract<TrainingEvent, { type: 'snapshot' }>;
      let pruned = 0;
      for (const m of last.matrices) m.mask?.forEach((k, j) => k === 0 && (pruned++, expect(Math.abs(m.weights[j])).toBe(0)));
      expect(pruned).toBeGreaterThan(0);
    },
    120_000,
  );

  it('resume on the native path repeats the uninterrupted run exactly', async () => {
    const full = await curve('adding', 'auto');
    const ckpt = full.find((e) => e.type === 'checkpoint') as Extract<TrainingEvent, { type: 'checkpoint' }>;
    const resumed = await curve('adding', 'auto', ckpt.bytes);
    const from = decodeCheckpoint(ckpt.bytes).meta.globalStep;
    const after = (ev: TrainingEvent[]) => losses(ev).filter(([s]) => s > from);
    expect(after(resumed).length).toBeGreaterThan(5);
    expect(after(resumed)).toEqual(after(full));
  }, 120_000);
});

withBlas('sparse kernels against native dense products', () => {
  // W_hh pruned to 95 % at the start of the last epoch (scope recurrent): the sparse kernels qualify, and the
  // run measures them against dense products once, records the choice, and keeps it across a pause.
  const config = () =>
    ExperimentConfig.parse({
      seed: 4,
      backend: 'wasm',
      task: { task: 'navigation', hidden: 96, placeCells: 32, sequenceLength: 8, batchSize: 24, stepsPerEpoch: 6, epochs: 3, validationBatches: 1 },
      regularization: { lambda: 0.01 },
      pruning: { target: 0.95, scope: 'recurrent' },
    });
  const trainLosses = (ev: TrainingEvent[]) => ev.flatMap((e) => (e.type === 'metrics' && e.phase === 'train' ? [[e.step, e.values.loss] as const] : []));

  it('records the decision with both times; a run paused after it resumes on the carried path, step for step', async () => {
    const full: TrainingEvent[] = [];
    await runExperiment(config(), { metricsEvery: 1, onEvent: (e) => full.push(e) });
    const raced = full.filter((e): e is Extract<TrainingEvent, { type: 'metrics' }> => e.type === 'metrics' && 'sparse_recurrence' in e.values);
    expect(raced.length).toBeGreaterThan(0);
    const { sparse_recurrence, sparse_recurrence_ms, dense_recurrence_ms } = raced[0].values;
    expect([0, 1]).toContain(sparse_recurrence);
    expect(sparse_recurrence).toBe(sparse_recurrence_ms <= dense_recurrence_ms ? 1 : 0);
    // Pause two steps into the last epoch (after the decision), then resume from that checkpoint.
    const pauseAt = raced[0].step + 1;
    const first: TrainingEvent[] = [];
    let step = 0;
    await runExperiment(config(), {
      metricsEvery: 1,
      control: () => (step >= pauseAt ? 'pause' : 'run'),
      onEvent: (e) => {
        first.push(e);
        if (e.type === 'metrics') step = e.step;
      },
    }).catch(() => {});
    const ckpt = first.filter((e) => e.type === 'checkpoint').at(-1) as Extract<TrainingEvent, { type: 'checkpoint' }>;
    const carried = decodeCheckpoint(ckpt.bytes).meta.taskState.sparse_recurrence;
    expect([0, 1]).toContain(carried);
    // Two continuations from the checkpoint take the carried path, not a new measurement, and agree exactly.
    const resume = async () => {
      const ev: TrainingEvent[] = [];
      await runExperiment(config(), { metricsEvery: 1, resume: ckpt.bytes, onEvent: (e) => ev.push(e) });
      return ev;
    };
    const [r1, r2] = [await resume(), await resume()];
    const from = decodeCheckpoint(ckpt.bytes).meta.globalStep;
    const after = (ev: TrainingEvent[]) => trainLosses(ev).filter(([s]) => s > from);
    expect(after(r1).length).toBeGreaterThan(2);
    for (const r of [r1, r2]) {
      const m = r.find((e) => e.type === 'metrics' && 'sparse_recurrence' in e.values) as Extract<TrainingEvent, { type: 'metrics' }>;
      expect(m.values.sparse_recurrence).toBe(carried);
    }
    expect(after(r2)).toEqual(after(r1));
    // The uninterrupted run measured for itself; where it chose the same path, the continuation repeats it.
    if (sparse_recurrence === carried) expect(after(r1)).toEqual(after(full));
  }, 120_000);
});
