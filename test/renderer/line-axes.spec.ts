// Training-curve axes a researcher can read: integer steps in the tooltip, an x axis that ends with the run,
// and a log y axis with 1-2-5 labels inside a narrow range.
import { describe, expect, it } from 'vitest';
import { buildLineOption, formatX, logTicks } from '../../src-main/charts/line-option';
import { optionToSvg } from '../../src-main/charts/export';

const labels = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].trim());

describe('line chart axes', () => {
  it('heads the tooltip with the step as an integer, and names every series', () => {
    expect(formatX(1660)).toBe('1660');
    expect(formatX(0.12345)).toBe('0.1235');
    const option = buildLineOption([{ name: 'loss <a>', steps: [1660], values: [0.5] }], {
      title: 't',
      yName: 'loss',
      smoothing: 0,
      logY: false,
      dark: false,
    }) as {
      tooltip: { formatter: (ps: unknown[]) => string };
    };
    expect(option.tooltip.formatter([{ marker: '', seriesName: 'loss <a>', value: [1660, 0.5] }])).toBe('step 1660<br/>loss &lt;a&gt; <b>0.5000</b>');
  });

  it('ends the x axis at the last step', () => {
    const svg = optionToSvg(
      buildLineOption([{ name: 'loss', steps: [1, 1300, 2600], values: [3, 2, 1] }], { title: 't', yName: 'loss', smoothing: 0, logY: false, dark: false }),
      600,
      300,
    );
    expect(labels(svg)).not.toContain('3000');
  });

  it('labels a log axis at 1-2-5 steps within the data', () => {
    expect(logTicks(1.6, 4.8)).toEqual([2]);
    expect(logTicks(0.03, 4.8)).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    const svg = optionToSvg(
      buildLineOption([{ name: 'loss', steps: [1, 2, 3], values: [4.8, 1, 0.03] }], { title: 't', yName: 'loss', smoothing: 0, logY: true, dark: false }),
      600,
      300,
    );
    const ls = labels(svg);
    for (const t of ['0.05', '0.2', '0.5', '2']) expect(ls).toContain(t);
  });
});
