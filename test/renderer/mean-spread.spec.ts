// Summaries never show a spread that was not measured: one value reads "(n = 1)", none reads "–".
import { describe, expect, it } from 'vitest';
import { meanSpread } from '../../src-main/math/summary';
import { renderReport, type CellSummary } from '../../src-main/engine/study/report';

describe('mean ± spread', () => {
  it('n ≥ 2 shows the std; n = 1 says so; n = 0 or NaN is a dash', () => {
    expect(meanSpread(9.8765, 0.123, 3)).toBe('9.877 ± 0.12');
    expect(meanSpread(9.8765, 0, 1)).toBe('9.877 (n = 1)');
    expect(meanSpread(NaN, NaN, 0)).toBe('–');
  });

  it('a study report with one seed per cell never prints ± 0.0', () => {
    const cell: CellSummary = {
      cell: 'torus',
      runs: 1,
      finished: 1,
      diverged: 0,
      metric: { mean: 9.8, std: 0, values: [9.8] },
      sparsity: 0.9,
      lottery: null,
      locality: null,
      worseThanBaseline: null,
      floor: null,
      aboveFloor: null,
      endpoint: null,
      perMatrix: null,
      vs: {},
    };
    const md = renderReport([cell], 'md', { title: 't', primary: 'error_cm' });
    expect(md).toContain('9.800 (n = 1)');
    expect(md).not.toMatch(/± 0(\.0+)?\b/);
  });
});
