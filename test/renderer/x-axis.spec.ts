import { describe, expect, it } from 'vitest';
import { anchorsFor, epochAnchors, mapStep, markersOnAxis, onAxis, timeAnchors } from '../../src-main/charts/x-axis';

const epochs = [
  { phase: 'train', epoch: 0, step: 100 },
  { phase: 'train', epoch: 1, step: 200 },
  { phase: 'lottery', epoch: 0, step: 300 },
];

describe('chart x axis: step, epoch or wall time', () => {
  it('epoch anchors count epochs across phases; steps inside an epoch interpolate linearly', () => {
    const a = epochAnchors(epochs);
    expect(a).toEqual([
      [0, 0],
      [100, 1],
      [200, 2],
      [300, 3],
    ]);
    expect(mapStep(a, 50)).toBe(0.5);
    expect(mapStep(a, 250)).toBe(2.5);
    expect(mapStep(a, 300)).toBe(3);
  });

  it('extrapolates past the last anchor (a live run in its first unfinished epoch)', () => {
    expect(mapStep(epochAnchors(epochs), 350)).toBe(3.5);
    expect(mapStep(epochAnchors([]), 40)).toBe(40); // no epoch finished yet: one anchor, x = step
  });

  it('time anchors come from the recorded wall-time series, skipping non-increasing steps and gaps', () => {
    const a = timeAnchors({ name: 'wall_time_s', steps: [10, 20, 20, 30], values: [2, 4, 99, NaN] });
    expect(a).toEqual([
      [0, 0],
      [10, 2],
      [20, 4],
    ]);
    expect(mapStep(a, 15)).toBe(3);
    expect(mapStep(a, 30)).toBe(6);
  });

  it('maps series and pruning markers; the step axis leaves them untouched', () => {
    const s = [{ name: 'loss', steps: [0, 100, 150], values: [3, 2, 1] }];
    const a = anchorsFor('epoch', epochs, undefined);
    expect(onAxis(s, a)[0].steps).toEqual([0, 1, 1.5]);
    expect(onAxis(s, a)[0].values).toEqual([3, 2, 1]);
    expect(markersOnAxis([{ x: 100, label: 'pruned' }], a)).toEqual([{ x: 1, label: 'pruned' }]);
    expect(onAxis(s, anchorsFor('step', epochs, undefined))).toBe(s);
  });
});
