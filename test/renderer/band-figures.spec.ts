// Study figures fit for a paper: bands never below what the quantity can take, and a grid axis ticked at the
// grid's own values (log₂ for sizes), in the SVG a user exports.
import { describe, expect, it } from 'vitest';
import { bandsPgfplots, buildBandOption } from '../../src-main/charts/band-option';
import { optionToSvg } from '../../src-main/charts/export';
import type { Band } from '../../src-main/engine/study/figures';

const band = (cell: string, x: number[], mean: number[], std: number[]): Band => ({ cell, x, mean, std, n: x.map(() => 3), spread: 'ci95' }) as Band;

describe('study band figures', () => {
  it('cut the band at 0 for a non-negative metric (in the chart and in pgfplots), keeping the mean', () => {
    const bands = [band('torus', [0.1, 0.5, 0.9], [0.2, 0.1, 0.05], [0.9, 0.3, 0.01])];
    const option = buildBandOption(bands, { title: 't', xName: 'x', yName: 'mse', dark: false }) as { series: Array<{ data: number[][] }> };
    expect(option.series[0].data.map((p) => p[1])).toEqual([0, 0, 0.05 - 0.01]);
    expect(option.series[1].data.map((p) => p[1])).toEqual([0.2, 0.1, 0.05]);
    const tex = bandsPgfplots(bands, { title: 't', xName: 'x', yName: 'mse' });
    expect(tex).toMatch(/name path=lower0.*\(0\.1,0\) \(0\.5,0\)/);
    expect(tex).not.toMatch(/,-0\.\d/);
  });

  it('tick a hidden-size axis at exactly the grid values on a log₂ scale', () => {
    const bands = [band('torus', [16, 32], [10, 9], [1, 1]), band('permuted', [16, 32], [10.5, 9.2], [1, 1])];
    const svg = optionToSvg(buildBandOption(bands, { title: 't', xName: 'hidden', yName: 'error_cm', dark: false, discreteX: true }), 600, 360);
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].trim());
    expect(labels).toContain('16');
    expect(labels).toContain('32');
    for (const wrong of ['15', '18', '20', '25', '30', '33']) expect(labels).not.toContain(wrong);
  });
});
