// Export escaping: user text (study, arm, run and series names) in CSV and LaTeX can execute nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, texComment, texText } from '../../src-main/math/export-escape';
import { bandsCsv, bandsPgfplots } from '../../src-main/charts/band-option';
import { toPgfplots } from '../../src-main/charts/export';
import { renderReport, type CellSummary } from '../../src-main/engine/study/report';

/** How a spreadsheet reads one unquoted-or-quoted CSV field back (RFC 4180). */
function parseCell(field: string): string {
  return field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field;
}

describe('CSV formula injection', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1+cmd|/c calc', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])('%j is text, not a formula', (name) => {
    const cell = parseCell(csvCell(name));
    expect(cell.startsWith("'")).toBe(true);
    expect(cell.slice(1)).toBe(name);
  });

  it('numbers and numeric text stay numbers', () => {
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell('-1.5')).toBe('-1.5');
    expect(csvCell('+2e-3')).toBe('+2e-3');
  });

  it('property: no parsed cell starts with a formula trigger unless it is a plain number', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const cell = parseCell(csvCell(s));
        return !/^[=+\-@\t\r]/.test(cell) || /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cell);
      }),
    );
  });

  it('figure CSV and report CSV escape arm names', () => {
    const band = { cell: '=cmd|calc', x: [0.5], mean: [1], std: [0.1], n: [3], spread: 'std' as const };
    expect(bandsCsv([band], 'x')).toContain("'=cmd|calc");
    expect(csvRow(['@x', 1])).toBe("'@x,1");
  });
});

describe('TeX injection', () => {
  const hostile = '\\input{/etc/passwd}\n\\immediate\\write18{rm -rf ~}%$&#_^~';

  it('no backslash command, group or comment survives texText', () => {
    const t = texText(hostile);
    expect(t).not.toMatch(/\\input|\\immediate|\\write18/);
    expect(t).not.toContain('\n');
    // Every remaining backslash starts one of our escapes.
    expect(t.replace(/\\(textbackslash|textasciicircum|textasciitilde)\{\}|\\[{}$&#%_]/g, '')).not.toContain('\\');
  });

  it('a newline cannot break out of a % comment', () => {
    expect(texComment('title\n\\input{/etc/passwd}\r\u2028x')).not.toMatch(/[\n\r\u2028]/);
  });

  it('pgfplots figures and LaTeX reports carry hostile names inertly', () => {
    const band = { cell: hostile, x: [0.5], mean: [1], std: [0.1], n: [3], spread: 'std' as const };
    const fig = bandsPgfplots([band], { title: hostile, xName: 'x', yName: 'y' });
    // The title stays readable in the leading % comment (inert, on one line); everywhere else it is escaped.
    const live = fig.split('\n').filter((line) => !line.startsWith('%'));
    expect(fig.split('\n')[0]).toMatch(/^% /);
    for (const line of live) expect(line).not.toMatch(/(^|[^\\])\\(input|immediate|write18)/);
    const chart = toPgfplots([{ name: hostile, steps: [1, 2], values: [0.5, 0.25] }], { title: hostile, xlabel: hostile, ylabel: 'loss', smoothing: 0 });
    for (const line of chart.split('\n').slice(1)) expect(line).not.toMatch(/(^|[^\\])\\(input|immediate|write18)/);
    const cell: CellSummary = {
      cell: hostile,
      runs: 1,
      finished: 1,
      diverged: 0,
      metric: { mean: 1, std: 0, values: [1] },
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
    const tex = renderReport([cell], 'latex', { title: hostile, primary: 'mse' });
    expect(renderReport([{ ...cell, cell: '=1+1' }], 'csv', { title: 't', primary: 'mse' })).toContain("'=1+1");
    expect(tex.split('\n')[0].startsWith('%')).toBe(true);
    for (const line of tex.split('\n').slice(1)) expect(line).not.toMatch(/(^|[^\\])\\(input|immediate|write18)/);
  });
});
