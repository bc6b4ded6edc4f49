// Pruning markers, raw + smoothed exports.
import { describe, expect, it } from 'vitest';
import { pruningMarkers } from '../../src-main/charts/markers';
import { buildLineOption, seriesCsv } from '../../src-main/charts/line-option';

describe('pruning markers', () => {
  it('mark the start of every training epoch whose pruned fraction grew, not the lottery', () => {
    const epochs = [
      { phase: 'train', epoch: 0, step: 100, pruneAmount: 0 },
      { phase: 'train', epoch: 1, step: 200, pruneAmount: 0.45 },
      { phase: 'train', epoch: 2, step: 300, pruneAmount: 0.9 },
      { phase: 'train', epoch: 3, step: 400, pruneAmount: 0.9 },
      { phase: 'lottery', epoch: 0, step: 500, pruneAmount: 0.9 },
    ];
    expect(pruningMarkers(epochs)).toEqual([
      { x: 100, label: 'pruned to 45.0 % at the start of epoch 1' },
      { x: 200, label: 'pruned to 90.0 % at the start of epoch 2' },
    ]);
    const option = buildLineOption([{ name: 'loss', steps: [1, 2], values: [2, 1] }], {
      title: 'Loss',
      yName: 'loss',
      smoothing: 0,
      logY: true,
      dark: false,
      markers: pruningMarkers(epochs),
    }) as {
      series: Array<{ markLine?: { data: Array<{ xAxis: number }> } }>;
      yAxis: { type: string };
    };
    expect(option.series[0].markLine!.data.map((d) => d.xAxis)).toEqual([100, 200]);
    expect(option.yAxis.type).toBe('log');
  });
});

describe('CSV export', () => {
  it('with smoothing holds both the plotted (smoothed) and the raw values', () => {
    const csv = seriesCsv([{ name: 'loss', steps: [1, 2], values: [4, 0] }], 0.5);
    const [header, first, second] = csv.trim().split('\n');
    expect(header).toBe('step,loss,loss (raw)');
    expect(first).toBe('1,4,4');
    const [step, smoothed, raw] = second.split(',').map(Number);
    expect(step).toBe(2);
    expect(smoothed).toBeCloseTo(4 / 3, 12);
    expect(raw).toBe(0);
  });
});
