import { describe, expect, it } from 'vitest';
import { expandStudy } from '../../src-main/schema/study-grid';
import { brownForsythe, compareMeans, mean, sampleStd, studentTwoSidedP, welchTTest } from '../../src-main/engine/study/stats';
import { judgeClaims } from '../../src-main/engine/study/paper';
import { renderReport } from '../../src-main/engine/study/report';
import { structureMetrics } from '../../src-main/engine/study/structure';
import { presetConfig } from '../../src-main/schema/presets';

const base = presetConfig('adding', 'quick');

describe('study grid expansion', () => {
  it('arms × axis combinations × seeds, each a validated config with its cell label', () => {
    const { cells, runs } = expandStudy({
      name: 'controls',
      base,
      arms: [
        { name: 'torus DoG⁻¹', overrides: { 'regularization.penalty.space': 'torus' } },
        {
          name: 'L1',
          overrides: { 'regularization.penalty.space': 'standard', 'regularization.penalty.weighting': 'distance', 'regularization.penalty.invert': false },
        },
      ],
      axes: { 'regularization.lambda': [0.001, 0.01], 'pruning.target': [0.9] },
      seeds: [1, 2, 3],
    });
    expect(cells.map((c) => c.label)).toEqual([
      'torus DoG⁻¹ · lambda=0.001 · target=0.9',
      'torus DoG⁻¹ · lambda=0.01 · target=0.9',
      'L1 · lambda=0.001 · target=0.9',
      'L1 · lambda=0.01 · target=0.9',
    ]);
    expect(runs).toHaveLength(12);
    const l1 = runs.find((r) => r.cell === 'L1 · lambda=0.01 · target=0.9' && r.seed === 2)!;
    expect(l1.config.regularization).toMatchObject({ lambda: 0.01, penalty: { space: 'standard', weighting: 'distance', invert: false } });
    expect(l1.config.task).toEqual(base.task);
  });

  it('names the cell whose configuration is invalid', () => {
    expect(() => expandStudy({ name: 's', base, axes: { 'pruning.target': [0.5, 2] }, seeds: [1] })).toThrow(/cell 'target=2': pruning\.target/);
  });
});

describe('statistics', () => {
  it('Welch t and df match the hand computation', () => {
    // a: mean 3, var 2.5; b: mean 6, var 10 → t = −3/√(0.5 + 2), df = 2.5² / (0.5²/4 + 2²/4).
    const r = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])!;
    expect(r.t).toBeCloseTo(-3 / Math.sqrt(2.5), 12);
    expect(r.df).toBeCloseTo(6.25 / (0.0625 + 1), 12);
    expect(mean([1, 2, 3])).toBe(2);
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('the two-sided p-value equals the numerically integrated Student t tail', () => {
    for (const [t, df] of [
      [1.8974, 5.882],
      [2.5, 3],
      [0.3, 12.5],
      [4, 30],
    ]) {
      const logC = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Math.log(df * Math.PI);
      const pdf = (x: number) => Math.exp(logC - ((df + 1) / 2) * Math.log(1 + (x * x) / df));
      // Simpson on [|t|, 2000] with a substitution-free fine grid near |t|.
      let area = 0;
      const steps = 200000;
      const hi = 2000;
      const h = (hi - t) / steps;
      for (let k = 0; k <= steps; k++) area += (k === 0 || k === steps ? 1 : k % 2 ? 4 : 2) * pdf(t + k * h);
      expect(studentTwoSidedP(t, df)).toBeCloseTo((2 * (area * h)) / 3, 4);
    }
  });

  it('returns null without at least two values per group or with zero variance', () => {
    expect(welchTTest([1], [2, 3])).toBeNull();
    expect(welchTTest([1, 1], [1, 1])).toBeNull();
  });
});

function lgamma(x: number): number {
  // Stirling series, accurate for x ≥ 1.5 (all uses above), shifted for small x.
  let shift = 0;
  while (x < 8) {
    shift -= Math.log(x);
    x += 1;
  }
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}

describe('structure metrics of a pruned W_hh', () => {
  // Five neurons on a line, distance |i − j|, embedding order = identity.
  const n = 5;
  const D = Array.from({ length: n * n }, (_, k) => Math.abs(Math.floor(k / n) - (k % n)));
  const order = [0, 1, 2, 3, 4];

  it('a tridiagonal mask is local: bandwidth 1, mean kept length below the all-pairs mean', () => {
    const W = Array.from({ length: n * n }, (_, k) => (Math.abs(Math.floor(k / n) - (k % n)) <= 1 ? 1 : 0));
    const m = structureMetrics(W, n, D, order);
    expect(m.kept).toBe(13);
    expect(m.bandwidth).toBe(1);
    expect(m.meanKeptLength).toBeCloseTo(8 / 13, 12);
    expect(m.meanPairLength).toBeCloseTo(40 / 25, 12);
    expect(m.localityRatio).toBeLessThan(0.5);
    expect(m.profile).toBe(5);
    expect(m.inDegree).toEqual([2, 3, 3, 3, 2]);
  });

  it('a corner-to-corner connection sets the bandwidth; the order is what is measured', () => {
    const W = new Array(n * n).fill(0);
    W[0 * n + 4] = 1;
    expect(structureMetrics(W, n, D, order).bandwidth).toBe(4);
    expect(structureMetrics(W, n, D, [0, 4, 1, 2, 3]).bandwidth).toBe(1);
    expect(structureMetrics(W, n, D, order).outDegree).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('study reports', () => {
  const row = (cell: string, seed: number, mse: number, extra: Partial<import('../../src-main/engine/study/report').StudyRow> = {}) => ({
    cell,
    seed,
    status: 'finished',
    test: { mse },
    lottery: null,
    sparsity: 0.9,
    diverged: false,
    ...extra,
  });

  it('summarises per cell with mean ± std, diverged counts and Welch markers against the controls', async () => {
    const { summarizeStudy, renderReport, marker } = await import('../../src-main/engine/study/report');
    const rows = [
      row('torus DoG⁻¹', 1, 0.01),
      row('torus DoG⁻¹', 2, 0.012),
      row('torus DoG⁻¹', 3, 0.011),
      row('L1', 1, 0.1),
      row('L1', 2, 0.12),
      row('L1', 3, 0.11),
      row('no regulariser', 1, 0.1),
      row('no regulariser', 2, NaN, { diverged: true }),
      row('no regulariser', 3, 0.13),
    ];
    const s = summarizeStudy(rows, 'mse');
    const torus = s.find((c) => c.cell === 'torus DoG⁻¹')!;
    expect(torus.metric.mean).toBeCloseTo(0.011, 12);
    expect(torus.metric.std).toBeCloseTo(0.001, 12);
    expect(marker(torus.vs.L1)).toBe('**↓');
    expect(s.find((c) => c.cell === 'no regulariser')!.diverged).toBe(1);
    const md = renderReport(s, 'md', { title: 'demo', primary: 'mse' });
    expect(md).toContain('| torus DoG⁻¹ | 3/3 | 0.01100 ± 0.0010 | 90.0 % | – | 0 |');
    expect(renderReport(s, 'latex', { title: 'demo', primary: 'mse' })).toContain('$\\pm$');
    expect(renderReport(s, 'csv', { title: 'demo', primary: 'mse' }).split('\n')[0]).toBe(
      'configuration,runs,mse (mean ± std),sparsity,lottery mse,diverged,vs no regulariser,vs L1',
    );
  });

  it('counts the runs that end worse than the trivial baseline (or diverge) per cell', async () => {
    const { summarizeStudy, renderReport } = await import('../../src-main/engine/study/report');
    const rows = [
      row('torus DoG⁻¹', 1, 10, { baseline: 19 }),
      row('torus DoG⁻¹', 2, 25, { baseline: 19.5 }),
      row('torus DoG⁻¹', 3, 12, { baseline: 20 }),
      row('no regulariser', 1, 12, { baseline: 19 }),
      row('no regulariser', 2, NaN, { baseline: 19.5, diverged: true }),
      row('no regulariser', 3, 11, { baseline: 20 }),
    ];
    const s = summarizeStudy(rows, 'mse');
    expect(s.map((c) => c.worseThanBaseline)).toEqual([
      { count: 1, of: 3 },
      { count: 1, of: 3 },
    ]);
    expect(renderReport(s, 'md', { title: 't', primary: 'mse' })).toMatch(/\| torus DoG⁻¹ \| 3\/3 \|.*\| 0 \| 1\/3 \|/);
    // Without baselines (older runs) the column is left out.
    expect(renderReport(summarizeStudy([row('a', 1, 1), row('a', 2, 2)], 'mse'), 'md', { title: 't', primary: 'mse' })).not.toContain('worse than trivial');
  });

  it('grid studies compare each arm with the controls and judge claims at the same axis values', async () => {
    const { summarizeStudy, splitCell } = await import('../../src-main/engine/study/report');
    expect(splitCell('torus DoG⁻¹ · hidden=256')).toEqual({ arm: 'torus DoG⁻¹', group: 'hidden=256' });
    expect(splitCell('L1')).toEqual({ arm: 'L1', group: '' });
    expect(splitCell('a · b · lambda=0.1 · hidden=128')).toEqual({ arm: 'a · b', group: 'lambda=0.1 · hidden=128' });
    // At N = 128 the torus beats L1; at N = 256 it does not: a comparison across sizes would hide both.
    const rows = [
      ...[10, 11, 12].map((v, i) => row('torus DoG⁻¹ · hidden=128', i + 1, v)),
      ...[30, 31, 32].map((v, i) => row('L1 · hidden=128', i + 1, v)),
      ...[40, 41, 42].map((v, i) => row('torus DoG⁻¹ · hidden=256', i + 1, v)),
      ...[20, 21, 22].map((v, i) => row('L1 · hidden=256', i + 1, v)),
    ];
    const s = summarizeStudy(rows, 'mse');
    expect(s.find((c) => c.cell === 'torus DoG⁻¹ · hidden=128')!.vs.L1!.t).toBeLessThan(0);
    expect(s.find((c) => c.cell === 'torus DoG⁻¹ · hidden=256')!.vs.L1!.t).toBeGreaterThan(0);
    const verdicts = judgeClaims('navigation', s);
    expect(verdicts.map((v) => [v.group, v.verdict])).toEqual([
      ['hidden=128', 'holds'],
      ['hidden=256', 'does not hold'],
    ]);
  });

  it('figures of a grid study: metric vs a numeric axis with 95 % CIs, distance profiles as kept fractions', async () => {
    const { metricVsAxis, distanceProfileBand, ci95HalfWidth } = await import('../../src-main/engine/study/figures');
    // t(0.975, 4) = 2.776445; std of 1..5 = 1.581139.
    expect(ci95HalfWidth([1, 2, 3, 4, 5])).toBeCloseTo((2.776445 * 1.581139) / Math.sqrt(5), 4);
    const band = metricVsAxis('torus', [
      { x: 512, values: [1, 2, 3] },
      { x: 128, values: [10, 12] },
      { x: 256, values: [] },
    ]);
    expect(band).toMatchObject({ x: [128, 512], mean: [11, 2], n: [2, 3], spread: 'ci95' });
    const profile = distanceProfileBand('torus', [
      { edges: [0, 1, 2], pairs: [10, 20], kept: [5, 2] },
      { edges: [0, 1, 2], pairs: [10, 20], kept: [7, 4] },
    ]);
    expect(profile.x).toEqual([0.25, 0.75]);
    expect(profile.mean[0]).toBeCloseTo(0.6, 12);
    expect(profile.mean[1]).toBeCloseTo(0.15, 12);
  });

  it('the scaling template crosses torus, its permuted control and L1 with hidden sizes', async () => {
    const { studyTemplate } = await import('../../src-main/engine/study/templates');
    const { runs, cells } = expandStudy(studyTemplate('navigation-scaling', 'quick', [1, 2]));
    expect(cells.map((c) => c.label)).toContain('permuted DoG⁻¹ · hidden=256');
    expect(runs).toHaveLength(3 * 2 * 2);
    expect(runs.find((r) => r.cell === 'L1 · hidden=256')!.config.task).toMatchObject({ hidden: 256 });
  });

  it('study work for the ETA weighs runs by N²: a finished N = 128 run is a quarter of an N = 256 one', async () => {
    const { studyWork } = await import('../../src-main/queries/study-progress');
    const run = (hidden: number, status: string, progressStep: number | null = null, totalSteps: number | null = null) => ({
      status,
      progressStep,
      totalSteps,
      config: { task: { hidden } } as import('../../src-main/schema/experiment').ExperimentConfig,
    });
    expect(studyWork([run(128, 'finished'), run(256, 'queued')])).toEqual({ done: 128 ** 2, total: 128 ** 2 + 256 ** 2 });
    expect(studyWork([run(256, 'running', 500, 2000), run(256, 'failed')])).toEqual({ done: 256 ** 2 * 1.25, total: 2 * 256 ** 2 });
  });

  it('templates fix the reference controls: L1 is an all-ones penalty and "no regulariser" has λ = 0', async () => {
    const { studyTemplate } = await import('../../src-main/engine/study/templates');
    const { runs } = expandStudy(studyTemplate('navigation-controls', 'quick', [1]));
    const l1 = runs.find((r) => r.cell === 'L1')!.config.regularization;
    expect(l1.penalty).toMatchObject({ space: 'standard', invert: false });
    expect(runs.find((r) => r.cell === 'no regulariser')!.config.regularization.lambda).toBe(0);
    expect(runs.find((r) => r.cell === 'permuted DoG⁻¹')!.config.regularization.penalty).toMatchObject({ permute: true, invert: true, weighting: 'dog' });
    expect(runs).toHaveLength(5);
  });
});

describe('reports against the paper', () => {
  const cell = (name: string, values: number[]) => ({
    cell: name,
    runs: values.length,
    finished: values.length,
    diverged: 0,
    metric: { mean: values.reduce((a, b) => a + b, 0) / values.length, std: 0, values },
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

  it('effect sizes: Welch difference, 95 % CI and Cohen d; Brown–Forsythe spread test (checked against scipy)', () => {
    const d = compareMeans([1, 2, 3, 4, 5], [3, 4, 5, 6, 7])!;
    expect(d.diff).toBe(-2);
    expect(d.p).toBeCloseTo(0.0805162, 5);
    expect(d.ci[0]).toBeCloseTo(-4.306004, 4);
    expect(d.ci[1]).toBeCloseTo(0.306004, 4);
    expect(d.d).toBeCloseTo(-1.264911, 5);
    // scipy.stats.levene(a, b, center='median')
    expect(brownForsythe([1, 2, 3, 4, 5], [1, 1.5, 2, 2.5, 3])!.p).toBeCloseTo(0.1894037, 5);
    expect(brownForsythe([400, 401, 402, 401, 400, 402], [380, 450, 400, 420, 370, 430])!.p).toBeCloseTo(0.0015105, 6);
    // One failed seed does not make a spread difference (the classic F-test gives p = 3e-6 here; scipy 0.274).
    const torus = [0.00351, 0.00629, 0.0141, 0.00155, 0.00258, 0.00808, 0.00417, 0.0164];
    const none = [0.0303, 0.00459, 0.00322, 0.00909, 0.00513, 0.167, 0.00632, 0.0213];
    expect(brownForsythe(torus, none)!.p).toBeCloseTo(0.2742372, 5);
  });

  it('verdict per claim: holds, does not hold, not shown at this scale, not testable here', () => {
    const holds = judgeClaims('navigation', [cell('torus DoG⁻¹', [5, 6, 7, 6, 5]), cell('no regulariser', [70, 80, 75, 90, 60])]);
    expect(holds.map((v) => v.verdict)).toEqual(['holds']);
    expect(holds[0].evidence).toMatch(/Welch t-test p = .*95 % CI .*Cohen's d .*n = 5 \+ 5/);
    const against = judgeClaims('navigation', [cell('torus DoG⁻¹', [20, 21, 22, 20, 21]), cell('permuted DoG⁻¹', [10, 11, 10, 12, 11])]);
    expect(against.map((v) => v.verdict)).toEqual(['does not hold']);
    const unclear = judgeClaims('navigation', [cell('torus DoG⁻¹', [10, 30, 15, 25]), cell('permuted DoG⁻¹', [12, 28, 20, 22])]);
    expect(unclear.map((v) => v.verdict)).toEqual(['not shown at this scale']);
    const few = judgeClaims('navigation', [cell('torus DoG⁻¹', [10]), cell('L1', [12, 13])]);
    expect(few.map((v) => v.verdict)).toEqual(['not testable here']);
    const steadier = judgeClaims('language', [cell('torus DoG⁻¹', [400, 401, 402, 401, 400, 402]), cell('no regulariser', [380, 450, 400, 420, 370, 430])]);
    expect(steadier.find((v) => v.claim.kind === 'steadier')!.verdict).toBe('holds');
  });

  it('the navigation report carries the authors’ column (their "L1" with no regulariser) and the verdicts; the language report says why it has none', () => {
    const cells = [cell('torus DoG⁻¹', [5, 6, 7]), cell('L1', [30, 40, 50]), cell('no regulariser', [70, 80, 75])];
    const md = renderReport(cells, 'md', { title: 't', primary: 'error_cm', task: 'navigation' });
    expect(md).toContain('authors, mean (population std)');
    expect(md).toMatch(/\| torus DoG⁻¹ \|.*\| 6\.29 \(1\.17\), n = 5 \|/);
    expect(md).toMatch(/\| L1 \|.*\| – \|/);
    expect(md).toMatch(/\| no regulariser \|.*78\.64 \(12\.64\), n = 5; their 'L1' \(C ≡ 0\) is a second such sample: 72\.96 \(20\.30\) \|/);
    expect(md).toMatch(/- \*\*holds\*\* — the torus penalty keeps the decoding error/);
    const json = JSON.parse(renderReport(cells, 'json', { title: 't', primary: 'error_cm', task: 'navigation' }));
    expect(json.verdicts.map((v: { verdict: string }) => v.verdict)).toEqual(['holds', 'holds']);
    expect(renderReport(cells, 'md', { title: 't', primary: 'perplexity', task: 'language' })).toMatch(
      /No authors' column: the authors published no per-seed language-model numbers/,
    );
  });
});
