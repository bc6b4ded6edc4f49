// Study figures (seed bands), the band chart's exports, the run-level structure analysis, and the study
// form's spec building: pure functions against hand-computed values.
import { describe, expect, it } from 'vitest';
import { bandsCsv, bandsPgfplots, buildBandOption } from '../../src-main/charts/band-option';
import { optionToSvg } from '../../src-main/charts/export';
import { binnedCurves, metricVsSparsity } from '../../src-main/engine/study/figures';
import { runStructure } from '../../src-main/engine/study/structure';
import { ARMS } from '../../src-main/engine/study/templates';
import { distanceMatrix, embedNeurons } from '../../src-main/engine/geometry/penalty';
import { deriveRng } from '../../src-main/engine/random';
import { layerSeed } from '../../src-main/engine/learning/regularizer';
import { PenaltySpec } from '../../src-main/schema/penalty';
import { buildStudySpec, type StudyFormState } from '../../src-renderer/src/study-form';

describe('study figures', () => {
  it('metric vs sparsity: per training epoch, mean sparsity and mean ± sample std of the metric over seeds', () => {
    const run = (m: number[], s: number[]) => m.map((metric, epoch) => ({ phase: 'train', epoch, sparsity: s[epoch], metric }));
    const band = metricVsSparsity('torus', [
      run([10, 6, 4], [0, 0.45, 0.9]),
      run([12, 8, 6], [0, 0.45, 0.9]),
      [...run([11], [0]), { phase: 'lottery', epoch: 0, sparsity: 0.9, metric: 99 }],
    ]);
    expect(band.x).toEqual([0, 0.45, 0.9]);
    expect(band.mean).toEqual([11, 7, 5]);
    expect(band.std[0]).toBeCloseTo(1, 12); // sample std of 10, 12, 11
    expect(band.std[1]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.n).toEqual([3, 2, 2]); // the third seed only reached epoch 0; its lottery phase is not plotted
  });

  it('binned curves: each run averaged inside a bin first, then mean ± std across runs', () => {
    const a = { steps: [0, 1, 2, 3], values: [4, 2, 1, 1] };
    const b = { steps: [0, 1, 2, 3], values: [6, 4, 3, NaN] };
    const band = binnedCurves('L1', [a, b], 2); // bins [0, 1.5) and [1.5, 3]
    expect(band.x).toEqual([0.75, 2.25]);
    // bin 0: run means 3 and 5; bin 1: run a (1 + 1)/2 = 1, run b 3 (its NaN is dropped, not averaged in)
    expect(band.mean).toEqual([4, 2]);
    expect(band.std[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.std[1]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.n).toEqual([2, 2]);
  });

  it('band charts render to SVG with the legend, and export exactly the plotted points', () => {
    const bands = [{ cell: 'torus DoG⁻¹', x: [0, 0.9], mean: [2, 1], std: [0.5, 0.25], n: [3, 3] }];
    const svg = optionToSvg(buildBandOption(bands, { title: 'err vs sparsity', xName: 'sparsity', yName: 'error', dark: false, xPercent: true }), 600, 300);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('torus DoG⁻¹');
    expect(svg).toMatch(/<path d="M[^"]+Z"[^>]*fill-opacity="0.18"|opacity="0.18"/);
    expect(bandsCsv(bands, 'sparsity')).toBe('configuration,sparsity,mean,std,n\ntorus DoG⁻¹,0,2,0.5,3\ntorus DoG⁻¹,0.9,1,0.25,3\n');
    expect(bandsCsv(bands, 'sparsity (%)', true).split('\n')[2]).toBe('torus DoG⁻¹,90,1,0.25,3');
    const tex = bandsPgfplots(bands, { title: 't', xName: 'sparsity', yName: 'error', xPercent: true });
    expect(tex).toContain('coordinates {(0,2.5) (90,1.25)}');
    expect(tex).toContain('fill between[of=upper0 and lower0]');
    expect(tex).toContain('\\addlegendentry{torus DoG$^{-1}$}');
  });
});

describe('structure of a run', () => {
  const n = 48;
  const seed = 3;
  const torus = PenaltySpec.parse({ space: 'torus' });
  const emb = embedNeurons(torus, n, deriveRng(layerSeed(seed, 0), 'embedding'));
  const D = distanceMatrix(emb.space!, emb.rows!, emb.cols!);
  const sorted = [...D].sort((x, y) => x - y);
  const cutoff = sorted[Math.floor(0.2 * n * n)];
  const localMask = Float32Array.from(D, (d) => (d <= cutoff ? 0.5 : 0));

  it('the nearest 20 % of pairs in the run’s own embedding give a ratio well below 1', () => {
    const [m] = runStructure(torus, seed, [{ name: 'W_hh', rows: n, cols: n, gates: 1, weights: localMask }]);
    expect(m.measuredIn).toBe('torus');
    expect(m.kept).toBe(localMask.filter((x) => x !== 0).length);
    expect(m.localityRatio).toBeLessThan(0.5);
  });

  it('runs without a geometry are measured in the torus embedding of the same seed (one ruler for every arm)', () => {
    const none = PenaltySpec.parse({ space: 'none' });
    const [m] = runStructure(none, seed, [{ name: 'W_hh', rows: n, cols: n, gates: 1, weights: localMask }]);
    expect(m.measuredIn).toBe('torus');
    expect(m.localityRatio).toBe(runStructure(torus, seed, [{ name: 'W_hh', rows: n, cols: n, gates: 1, weights: localMask }])[0].localityRatio);
  });

  it('gated cells: a connection counts as kept when any gate keeps it', () => {
    const gates = 4;
    const w = new Float32Array(gates * n * n);
    w[2 * n * n + 5] = 1; // gate 2 keeps 0 ← 5
    w[0 * n * n + 5] = 1; // gate 0 keeps the same connection
    w[3 * n * n + 7] = 1; // gate 3 keeps 0 ← 7
    const [m] = runStructure(torus, seed, [{ name: 'W_hh_l0', rows: gates * n, cols: n, gates, weights: w }]);
    expect(m.kept).toBe(2);
    expect(m.meanKeptLength).toBeCloseTo((D[5] + D[7]) / 2, 12);
  });
});

describe('study form', () => {
  const form = (o: Partial<StudyFormState> = {}): StudyFormState => ({
    name: 'demo',
    task: 'adding',
    scale: 'quick',
    corpusDir: '',
    hidden: '',
    arms: ['torus DoG⁻¹', 'L1'],
    lambdas: [],
    targets: [],
    learnEmbedding: [],
    lottery: [],
    seeds: '1-3',
    ...o,
  });
  const arms = ARMS as unknown as Record<string, Record<string, unknown>>;

  it('run count = configurations × axis values × seeds, exactly what the server expands', () => {
    expect(buildStudySpec(form(), arms)).toMatchObject({ runs: 6, error: '' });
    const r = buildStudySpec(form({ targets: [0.8, 0.9], lottery: [false, true] }), arms);
    expect(r.runs).toBe(2 * 2 * 2 * 3);
    expect(r.cells).toContain('L1 · target=0.8 · enabled=true');
  });

  it('a single selected value sets every arm, except λ on the no-regulariser control', () => {
    const r = buildStudySpec(form({ arms: ['torus DoG⁻¹', 'no regulariser'], lambdas: [0.01], seeds: '1' }), arms);
    expect(r.runs).toBe(2);
    const [torus, none] = r.spec!.arms!;
    expect(torus.overrides['regularization.lambda']).toBe(0.01);
    expect(none.overrides['regularization.lambda']).toBe(0);
  });

  it('several hidden sizes make an N axis (a scaling study); one sets the base', () => {
    const r = buildStudySpec(form({ hidden: '128, 256 512', seeds: '1' }), arms);
    expect(r.spec!.axes).toEqual({ 'task.hidden': [128, 256, 512] });
    expect(r.cells).toContain('L1 · hidden=256');
    expect(r.runs).toBe(2 * 3);
    expect(buildStudySpec(form({ hidden: '64' }), arms).spec!.base).toMatchObject({ task: { hidden: 64 } });
    expect(buildStudySpec(form({ hidden: '64, x' }), arms).error).toMatch(/hidden/);
  });

  it('explains what is missing instead of launching', () => {
    expect(buildStudySpec(form({ arms: [] }), arms).error).toMatch(/at least one configuration/);
    expect(buildStudySpec(form({ seeds: 'x' }), arms).error).toMatch(/seeds: /);
    expect(buildStudySpec(form({ seeds: '2, 5-6' }), arms).spec!.seeds).toEqual([2, 5, 6]);
    expect(buildStudySpec(form({ task: 'language' }), arms).error).toMatch(/corpus folder/);
    expect(buildStudySpec(form({ hidden: '-4' }), arms).error).toMatch(/hidden/);
  });
});

describe('structure edge cases', () => {
  it('a fully pruned matrix has no kept-length ratio (NaN, shown as –), not a misleading 0', async () => {
    const { structureMetrics } = await import('../../src-main/engine/study/structure');
    const m = structureMetrics(new Float32Array(9), 3, [0, 1, 2, 1, 0, 1, 2, 1, 0], [0, 1, 2]);
    expect(m.kept).toBe(0);
    expect(m.localityRatio).toBeNaN();
  });
});
