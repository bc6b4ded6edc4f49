import { describe, expect, it } from 'vitest';
import { configDiff } from '../../src-renderer/src/charts/config-diff';
import { optionToSvg, toPgfplots } from '../../src-main/charts/export';
import { buildLineOption } from '../../src-main/charts/line-option';

const series = [
  { name: 'torus_dog', steps: [0, 10, 20], values: [3, 2, 1] },
  { name: 'l1', steps: [0, 10, 20], values: [3, 2.5, 2.2] },
];

describe('chart exports', () => {
  it('SVG is a standalone document with the legend entries and one path per series', () => {
    const svg = optionToSvg(buildLineOption(series, { title: 'Loss', yName: 'loss', smoothing: 0, logY: false, dark: false }), 600, 300);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/width="600"/);
    expect(svg).toContain('torus_dog');
    expect(svg).toContain('>l1<');
    expect(svg).toContain('Loss');
  });

  it('pgfplots has one escaped \\addplot with exactly the plotted coordinates per series', () => {
    const tex = toPgfplots(series, { title: 'Loss', xlabel: 'step', ylabel: 'loss', smoothing: 0 });
    expect(tex).toContain('\\addplot+[no marks] coordinates {(0,3) (10,2) (20,1)};');
    expect(tex).toContain('\\addlegendentry{torus\\_dog}');
    expect(tex.match(/\\addplot/g)).toHaveLength(2);
    expect(tex).toContain('\\begin{axis}');
  });
});

describe('config diff', () => {
  it('lists only the nested keys that differ, with each run’s value', () => {
    const rows = configDiff({
      a: { seed: 1, regularization: { lambda: 0.1, penalty: { space: 'torus', invert: true } } },
      b: { seed: 2, regularization: { lambda: 0.1, penalty: { space: 'klein', invert: true } } },
    });
    expect(rows).toEqual([
      { key: 'regularization.penalty.space', values: { a: 'torus', b: 'klein' } },
      { key: 'seed', values: { a: 1, b: 2 } },
    ]);
  });
});
