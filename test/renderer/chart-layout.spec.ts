// Every chart stays legible at the smallest size it is shown (360 × 240) with long series names, in the
// exported SVG (the same ECharts option the app draws): no two text boxes overlap, every text lies on the
// canvas, and every series is named in the legend. Text boxes are estimated from the SVG's text elements
// (position, anchor, baseline, font size; 0.55 em per character, 0.6 em bold: a sans-serif average).
import { describe, expect, it } from 'vitest';
import { buildBandOption } from '../../src-main/charts/band-option';
import { init } from 'echarts/core';
import { optionToSvg, screenOption } from '../../src-main/charts/export';
import { buildLineOption, type PlotSeries } from '../../src-main/charts/line-option';
import { overlaps, textBoxes } from './text-boxes';

const W = 360;
const H = 240;
const long = (name: string): PlotSeries => ({ name, steps: [0, 500, 1000, 1500, 2000], values: [0, 0.31, 0.62, 0.9, 0.9] });

function checkLegible(svg: string, names: string[]) {
  const boxes = textBoxes(svg);
  expect(overlaps(boxes)).toEqual([]);
  for (const b of boxes) {
    expect(b.x0, b.text).toBeGreaterThanOrEqual(-1);
    expect(b.x1, b.text).toBeLessThanOrEqual(W + 1);
    expect(b.y0, b.text).toBeGreaterThanOrEqual(-1);
    expect(b.y1, b.text).toBeLessThanOrEqual(H + 1);
  }
  for (const n of names)
    expect(
      boxes.some((b) => b.text === n),
      `legend entry '${n}'`,
    ).toBe(true);
}

describe('chart layout at the smallest size', () => {
  it('training-curve charts (the sparsity chart with per-matrix series and long names)', () => {
    const series = [long('sparsity'), long('sparsity/W_hh_l0'), long('sparsity/W_hh_l1'), long('small_weights/W_hh')];
    for (const [title, yName] of [
      ['Sparsity', 'fraction pruned'],
      ['Validation perplexity', 'perplexity'],
      ['Loss', 'loss'],
    ]) {
      checkLegible(
        optionToSvg(buildLineOption(series, { title, yName, smoothing: 0.6, logY: false, dark: false }), W, H),
        series.map((s) => s.name),
      );
    }
  });

  it('tiny and huge values keep tick labels clear of the axis name', () => {
    const series = [{ name: 'penalty', steps: [0, 1, 2], values: [1.23456e-6, 2.5e-5, 3.1e-4] }];
    checkLegible(optionToSvg(buildLineOption(series, { title: 'Penalty', yName: 'penalty term', smoothing: 0, logY: false, dark: false }), W, H), ['penalty']);
  });

  it('study band charts with long configuration names', () => {
    const cells = ['torus DoG⁻¹ · λ=0.01 · target=0.9', 'permuted DoG⁻¹ · λ=0.01 · target=0.9', 'no regulariser'];
    const bands = cells.map((cell) => ({ cell, x: [0, 0.5, 0.9], mean: [30, 20, 12], std: [2, 2, 1], n: [3, 3, 3] }));
    checkLegible(
      optionToSvg(
        buildBandOption(bands, { title: 'Validation error vs sparsity', xName: 'global sparsity (%)', yName: 'error_cm', xPercent: true, dark: false }),
        W,
        H,
      ),
      cells,
    );
  });
});

describe('on screen', () => {
  it('the legend wraps into rows instead of scrolling, every name whole, the frame grown by the extra rows', () => {
    const series = ['sparsity', 'sparsity/W_hh_l0', 'sparsity/W_hh_l1', 'small_weights/W_hh', 'small_weights/W_ih'].map(long);
    const { option, extraHeight } = screenOption(
      buildLineOption(series, { title: 'Sparsity', yName: 'fraction pruned', smoothing: 0, logY: false, dark: false }),
      W,
    );
    expect(extraHeight).toBeGreaterThan(0);
    const legends = option.legend as Array<{ type: string; data: string[] }>;
    expect(legends.every((l) => l.type === 'plain')).toBe(true);
    expect(legends.flatMap((l) => l.data)).toEqual(series.map((s) => s.name));
    expect((option.dataZoom as unknown[]).length).toBeGreaterThan(0); // the zoom slider stays on screen
    const chart = init(null, null, { renderer: 'svg', ssr: true, width: W, height: H + extraHeight });
    chart.setOption({ ...option, animation: false });
    const svg = chart.renderToSVGString();
    chart.dispose();
    const boxes = textBoxes(svg);
    expect(overlaps(boxes)).toEqual([]);
    for (const s of series)
      expect(
        boxes.some((b) => b.text === s.name),
        s.name,
      ).toBe(true);
  });

  it('one row of legend adds no height', () => {
    const { extraHeight } = screenOption(buildLineOption([long('loss')], { title: 'Loss', yName: 'loss', smoothing: 0, logY: false, dark: false }), W);
    expect(extraHeight).toBe(0);
  });
});

describe('axis tick labels', () => {
  it('keep ticks of a narrow range distinct and short', async () => {
    const { compactNumber } = await import('../../src-main/charts/line-option');
    expect([0.1655, 0.1658, 0.166].map(compactNumber)).toEqual(['0.1655', '0.1658', '0.166']);
    expect([128, 1024, 12.5, 2e-4, 3e6].map(compactNumber)).toEqual(['128', '1024', '12.5', '2.0e-4', '3.0e+6']);
  });
});
