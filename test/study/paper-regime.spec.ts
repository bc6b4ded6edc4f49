// What the paper-regime study needs from the workbench (docs/studies/paper-regime.md): the decoding floor,
// the metric at the last pruning epoch, per-matrix sparsity and an equivalence test in every report, the
// engine version per run, and the paper-regime preset.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { judgeClaims } from '../../src-main/engine/study/paper';
import { renderReport, summarizeStudy, type StudyRow } from '../../src-main/engine/study/report';
import { renderResultsCsv } from '../../src-main/engine/study/results';
import { equivalenceTest, fisherExact } from '../../src-main/engine/study/stats';
import { navigationDecodingFloor, testTrajectories } from '../../src-main/engine/tasks/navigation/decoding-floor';
import { NavigationTask } from '../../src-main/engine/tasks/navigation/task';
import { runExperiment } from '../../src-main/engine/training/trainer';
import { engineVersion } from '../../src-main/engine/version';
import { engineSourceHash } from '../../src-main/engine/version-hash';
import { assertSameEngine, studyEtaMs } from '../../src-main/queries/study-progress';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import { presetConfig, PresetError, presetsFor } from '../../src-main/schema/presets';
import { ConflictError } from '../../src-main/store/errors';

beforeAll(async () => {
  await selectBackend('wasm');
});

const smallNavigation = (over: Record<string, unknown> = {}) =>
  ExperimentConfig.parse({
    seed: 4,
    task: {
      task: 'navigation',
      hidden: 16,
      placeCells: 32,
      placeCellCode: 'gaussian',
      sequenceLength: 6,
      batchSize: 8,
      stepsPerEpoch: 4,
      epochs: 3,
      learningRate: 1e-2,
      validationBatches: 2,
    },
    regularization: { lambda: 0.01, penalty: { space: 'torus', weighting: 'dog', invert: true } },
    ...over,
  });

describe('decoding floor', () => {
  it('is the error of a perfect predictor: the true place code as logits, through the task’s own decoder', async () => {
    const config = smallNavigation();
    if (config.task.task !== 'navigation') throw new Error('navigation');
    const task = new NavigationTask(config.task, config.seed);
    try {
      const errs: number[] = [];
      for (const traj of testTrajectories(config.task, config.seed)) {
        const batch = task.makeBatch(traj);
        // The target code itself as logits: softmax is monotone, so the decoder sees the true top-3 cells.
        errs.push(...(await task.decodingErrors(batch.targetCode, batch.positions)));
        tf.dispose([batch.velocity, batch.initCode, batch.targetCode]);
      }
      const perfect = (100 * errs.reduce((a, b) => a + b, 0)) / errs.length;
      const floor = navigationDecodingFloor(config.task, config.seed);
      expect(floor.meanCm).toBeCloseTo(perfect, 6);
      expect(task.baselines().decoding_floor_cm).toBeCloseTo(perfect, 6);
      expect(floor.standardErrorCm).toBeGreaterThan(0);
      expect(floor.standardErrorCm).toBeLessThan(floor.meanCm);
    } finally {
      task.dispose();
    }
  });

  it('falls as place cells get denser (the metric’s resolution)', () => {
    const at = (placeCells: number) => {
      const c = smallNavigation({ task: { ...smallNavigation().task, placeCells } });
      return navigationDecodingFloor(c.task as Extract<typeof c.task, { task: 'navigation' }>, 1).meanCm;
    };
    expect(at(512)).toBeLessThan(at(128));
    expect(at(128)).toBeLessThan(at(32));
  });
});

describe('the metric at the last pruning epoch', () => {
  it('is measured before recovery epochs and equals the final metric without them', async () => {
    const withRecovery = await runExperiment(smallNavigation({ pruning: { target: 0.8, recoveryEpochs: 2 } }), { sparseTraining: false });
    expect(withRecovery.endpoint?.error_cm).toBeGreaterThan(0);
    expect(withRecovery.endpoint?.error_cm).not.toBe(withRecovery.test.error_cm);
    const without = await runExperiment(smallNavigation({ pruning: { target: 0.8 } }), { sparseTraining: false });
    expect(without.endpoint).toEqual(without.test);
    // The same run's endpoint is the recovery-free run's final test: the first 3 epochs are identical.
    expect(withRecovery.endpoint!.error_cm).toBeCloseTo(without.test.error_cm, 4);
  });
});

describe('engine version', () => {
  it('is a hash of the engine sources that changes when one changes, and a study refuses another engine', () => {
    const v = engineVersion();
    expect(v).toMatch(/^e[0-9a-f]{12}$/);
    const copy = mkdtempSync(join(tmpdir(), 'engine-'));
    cpSync(join(__dirname, '../../src-main/engine'), join(copy, 'engine'), { recursive: true });
    cpSync(join(__dirname, '../../src-main/schema'), join(copy, 'schema'), { recursive: true });
    expect(engineSourceHash(copy)).toBe(v);
    // A report module is not the engine; a training module is.
    writeFileSync(join(copy, 'engine/study/report.ts'), '// edited\n', { flag: 'a' });
    expect(engineSourceHash(copy)).toBe(v);
    writeFileSync(join(copy, 'engine/training/step.ts'), '// edited\n', { flag: 'a' });
    expect(engineSourceHash(copy)).not.toBe(v);

    expect(() => assertSameEngine([{ engineVersion: v }, { engineVersion: null }], 's1', v)).not.toThrow();
    expect(() => assertSameEngine([{ engineVersion: v }, { engineVersion: 'eaaaaaaaaaaaa' }], 's1', v)).toThrow(ConflictError);
    expect(() => assertSameEngine([{ engineVersion: `eaaaaaaaaaaaa+${v}` }], 's1', v)).toThrow(/trained by engine eaaaaaaaaaaaa/);
  });
});

describe('statistics for the decisive test', () => {
  it('Fisher’s exact test matches scipy.stats.fisher_exact', () => {
    expect(fisherExact(3, 8, 6, 8)).toBeCloseTo(0.3146853, 6);
    expect(fisherExact(0, 10, 5, 10)).toBeCloseTo(0.0325077, 6);
    expect(fisherExact(1, 9, 11, 14)).toBeCloseTo(0.0027595, 6);
  });

  it('TOST: two one-sided Welch tests against ±margin', () => {
    // diff −0.5, se 1, df 8: p = P(T > 0.5) with 8 df; 90 % CI −0.5 ± 1.8595.
    const wide = equivalenceTest([1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 5.5], 1)!;
    expect(wide.p).toBeCloseTo(0.315268, 5);
    expect(wide.ci90[1]).toBeCloseTo(1.359548, 5);
    expect(wide.verdict).toBe('inconclusive');
    expect(equivalenceTest([10, 10.2, 9.8, 10.1, 9.9, 10], [10.1, 10, 9.9, 10.2, 9.8, 10.05], 1)!.verdict).toBe('equivalent');
    expect(equivalenceTest([10, 10.2, 9.8, 10.1, 9.9, 10], [12.1, 12, 11.9, 12.2, 11.8, 12.05], 1)!.verdict).toBe('different');
  });

  it('a claim the Welch test does not show is "equivalent" when the 90 % CI lies within ±1 cm', () => {
    const cell = (name: string, values: number[]) => ({
      cell: name,
      runs: values.length,
      finished: values.length,
      diverged: 0,
      metric: { mean: 0, std: 0, values },
      sparsity: 0.9,
      lottery: null,
      locality: null,
      worseThanBaseline: null,
      floor: null,
      aboveFloor: null,
      endpoint: null,
      perMatrix: null,
      vs: {},
    });
    const v = judgeClaims('navigation', [cell('torus DoG⁻¹', [10, 10.2, 9.8, 10.1, 9.9, 10]), cell('permuted DoG⁻¹', [10.1, 10, 9.9, 10.2, 9.8, 10.05])]);
    expect(v[0].verdict).toBe('equivalent');
    expect(v[0].evidence).toMatch(/equivalence within ±1 cm \(TOST\): p = .*90 % CI/);
  });
});

describe('navigation reports', () => {
  const row = (cell: string, seed: number, error: number, extra: Partial<StudyRow> = {}): StudyRow => ({
    cell,
    seed,
    status: 'finished',
    test: { error_cm: error },
    lottery: null,
    sparsity: 0.9,
    diverged: false,
    baseline: 40,
    floor: 6,
    endpoint: { error_cm: error + 10 },
    perMatrix: { encoder: 0.9, W_hh: 0.99 },
    ...extra,
  });

  it('state the floor, the error above it, the endpoint, per-matrix sparsity and Fisher’s test on failures', () => {
    const rows = [
      row('torus DoG⁻¹', 1, 10),
      row('torus DoG⁻¹', 2, 12),
      row('no regulariser', 1, 50, { perMatrix: { encoder: 0.8, W_hh: 1 } }),
      row('no regulariser', 2, 45),
    ];
    const s = summarizeStudy(rows, 'error_cm');
    expect(s[0].aboveFloor!.mean).toBeCloseTo(5, 12);
    expect(s[0].endpoint!.mean).toBeCloseTo(21, 12);
    expect(s[1].perMatrix!.encoder).toBeCloseTo(0.85, 12);
    expect(s[1].perMatrix!.W_hh).toBeCloseTo(0.995, 12);
    const md = renderReport(s, 'md', { title: 't', primary: 'error_cm', task: 'navigation' });
    expect(md).toMatch(/\| torus DoG⁻¹ \| 2\/2 \| 11\.00 ± 1\.4 \| 6\.00 ± 0\.0 \| 5\.000 ± 1\.4 \| 21\.00 ± 1\.4 \|/);
    expect(md).toContain('encoder 85.0 · W_hh 99.5 %');
    expect(md).toContain('torus DoG⁻¹ vs no regulariser: 0/2 vs 2/2 worse than trivial, Fisher exact p = 0.33');
    expect(md).toMatch(/Decoding floor: the error a perfect predictor/);
    // Without recovery epochs the endpoint is the final metric: no column repeats it.
    const same = summarizeStudy([row('a', 1, 10, { endpoint: { error_cm: 10 } }), row('a', 2, 11, { endpoint: { error_cm: 11 } })], 'error_cm');
    expect(renderReport(same, 'md', { title: 't', primary: 'error_cm' })).not.toContain('last pruning epoch |');
  });

  it('per-run results as CSV from which the tables can be recomputed', () => {
    const csv = renderResultsCsv(
      [
        {
          id: 'r1',
          cell: 'torus, "quoted"',
          seed: 1,
          status: 'finished',
          engineVersion: 'e0123456789ab',
          configHash: 'h',
          diverged: false,
          final: 10,
          endpoint: 12,
          floor: 6,
          baseline: 40,
          sparsity: 0.9,
          perMatrix: { W_hh: 0.99 },
          keptLengthRatio: 0.9,
          validByEpoch: [50, NaN, 12],
          wallSeconds: 300,
          config: { a: 1 },
        },
      ],
      'error_cm',
      'start_position_error_cm',
    );
    const [header, line] = csv.trim().split('\n');
    expect(header).toBe(
      'run_id,cell,seed,status,engine_version,config_hash,diverged,error_cm,endpoint_error_cm,decoding_floor_cm,start_position_error_cm,sparsity,sparsity/W_hh,kept_length_ratio,valid_error_cm_by_epoch,wall_s,config_json',
    );
    expect(line).toBe('r1,"torus, ""quoted""",1,finished,e0123456789ab,h,0,10,12,6,40,0.9,0.99,0.9,"[50,null,12]",300,"{""a"":1}"');
  });
});

describe('the paper-regime preset', () => {
  it('is the paper’s recipe at N = 256 for navigation only', () => {
    const c = presetConfig('navigation', 'paper-regime');
    expect(c.task).toMatchObject({ hidden: 256, placeCells: 256, sequenceLength: 50, batchSize: 64 });
    expect(c.pruning).toMatchObject({ schedule: 'linear', recoveryEpochs: 0, scope: 'reference', target: 0.9 });
    expect(c.regularization.lambda).toBe(0.02);
    expect(presetsFor('adding')).not.toContain('paper-regime');
    expect(() => presetConfig('adding', 'paper-regime')).toThrow(PresetError);
    expect(() => presetConfig('adding', 'paper-regime')).toThrow(/exists for navigation only/);
  });
});

describe('study ETA', () => {
  const row = (status: string, o: { progress?: number; started?: number; finished?: number } = {}) => ({
    status,
    progressStep: o.progress === undefined ? null : o.progress * 100,
    totalSteps: 100,
    config: { task: { hidden: 128 } } as ExperimentConfig,
    startedAt: o.started ?? null,
    finishedAt: o.finished ?? null,
  });

  it('is the work left at the measured pace, divided among the runs training at once', () => {
    const now = 1_000_000;
    // Two runs took 60 s each; two run side by side at half way; two wait: 3 runs' work over 2 lanes = 90 s.
    const rows = [
      row('finished', { started: 0, finished: 60_000 }),
      row('finished', { started: 0, finished: 60_000 }),
      row('running', { progress: 0.5, started: now - 30_000 }),
      row('running', { progress: 0.5, started: now - 30_000 }),
      row('queued'),
      row('queued'),
    ];
    expect(studyEtaMs(rows, now)).toBeCloseTo(90_000, 6);
    // Before anything could be timed there is no estimate rather than a guess.
    expect(studyEtaMs([row('running', { progress: 0, started: now }), row('queued')], now)).toBeNull();
    // Without finished runs the running ones are timed: 30 s for 25 % → 120 s per run, 0.75 + 1 runs on one lane.
    expect(studyEtaMs([row('running', { progress: 0.25, started: now - 30_000 }), row('queued')], now)).toBeCloseTo(210_000, 6);
  });
});

describe('per-matrix allocation of the cut', () => {
  it('prunes each matrix to the target by its own threshold, where the global threshold empties the small-weight one', async () => {
    const { MaskSet } = await import('../../src-main/engine/learning/pruning');
    // W_hh's weights are 100× smaller than the encoder's: a global 50 % cut takes W_hh whole.
    const make = () => [
      { name: 'encoder', variable: tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4])) },
      { name: 'W_hh', variable: tf.variable(tf.tensor2d([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08], [2, 4])) },
    ];
    const global = new MaskSet(make());
    await global.pruneTo(0.5);
    expect((await global.sparsity()).perMatrix).toEqual({ encoder: 0, W_hh: 1 });
    const perMatrix = new MaskSet(make(), 'per-matrix');
    await perMatrix.pruneTo(0.5);
    expect((await perMatrix.sparsity()).perMatrix).toEqual({ encoder: 0.5, W_hh: 0.5 });
    // The smallest half of each is what went; masks stay nested at the next cut.
    expect(Array.from(await perMatrix.masks.get('W_hh')!.data())).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    await perMatrix.pruneTo(0.75);
    expect(Array.from(await perMatrix.masks.get('encoder')!.data())).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    expect(ExperimentConfig.parse({ task: { task: 'adding' } }).pruning.allocation).toBe('global');
  });
});
