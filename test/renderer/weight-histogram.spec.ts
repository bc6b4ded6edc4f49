import { describe, expect, it } from 'vitest';
import { weightHistogram } from '../../src-renderer/src/charts/weight-histogram';

describe('weight histogram', () => {
  it('counts kept weights in bins symmetric about 0, leaving pruned entries out', () => {
    const h = weightHistogram([-1, -0.2, 0, 0.1, 1, 5], [1, 1, 0, 1, 1, 0], 4);
    // Kept: −1, −0.2, 0.1, 1 → edge 1, bins of width 0.5: [−1, −0.5) [−0.5, 0) [0, 0.5) [0.5, 1].
    expect(h.kept).toBe(4);
    expect(h.centres).toEqual([-0.75, -0.25, 0.25, 0.75]);
    expect(h.counts).toEqual([1, 1, 1, 1]);
    expect(weightHistogram([0, 0], [0, 0]).counts).toEqual([]);
    expect(weightHistogram([2, -2, 2], null, 2).counts).toEqual([1, 2]);
  });
});
