// Mean ± std bands over seeds (study figures): one line per configuration with a translucent band drawn as a
// polygon (a custom series: stacked areas only stack correctly on category axes). Pure, so the same option
// renders in the UI and, through ECharts' SVG renderer, in `moduli study report --figures`.
import { escapeHtml } from './escape';
import { csvRow, texComment, texText } from '../math/export-escape';
import { CHART_LAYOUT, compactNumber } from './line-option';
import type { Band } from '../engine/study/figures';

export interface BandOptionSettings {
  title: string;
  xName: string;
  yName: string;
  dark: boolean;
  /** Plot sparsity as a percentage. */
  xPercent?: boolean;
  logY?: boolean;
  /**
   * The lowest value the plotted quantity can take: bands are cut there (every study figure plots a
   * non-negative quantity — an error, an MSE, a loss, a kept fraction — so mean − std is never drawn below 0).
   * Default 0; −Infinity draws bands as computed.
   */
  yFloor?: number;
  /**
   * x takes a few grid values (hidden sizes, λ): ticks at exactly those values, on a log₂ axis when they are
   * all powers of two, instead of round numbers between them.
   */
  discreteX?: boolean;
}

/** Ticks and scale of a discrete x axis: the grid's own values, log₂ for sizes. */
function discreteAxis(values: number[]): Record<string, unknown> {
  const powersOfTwo = values.length > 1 && values.every((v) => v > 0 && Number.isInteger(Math.log2(v)));
  const pad = powersOfTwo ? 1.25 : 0;
  return {
    type: powersOfTwo ? 'log' : 'value',
    ...(powersOfTwo ? { logBase: 2, min: values[0] / pad, max: values[values.length - 1] * pad } : { min: values[0], max: values[values.length - 1] }),
    axisTick: { customValues: values },
    splitLine: { show: false },
  };
}

const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

interface RenderApi {
  coord(v: [number, number]): [number, number];
}

export function buildBandOption(bands: Band[], s: BandOptionSettings): Record<string, unknown> {
  const fg = s.dark ? '#d8dde6' : '#223';
  const sx = (x: number) => (s.xPercent ? 100 * x : x);
  const floor = s.yFloor ?? 0;
  const gridValues = s.discreteX ? [...new Set(bands.flatMap((b) => b.x.map(sx)))].sort((a, b) => a - b) : [];
  const series: unknown[] = [];
  bands.forEach((b, k) => {
    const color = PALETTE[k % PALETTE.length];
    const pts = b.x.map((x, i) => [sx(x), Math.max(floor, b.mean[i] - b.std[i]), b.mean[i] + b.std[i]] as const);
    series.push({
      name: b.cell,
      type: 'custom',
      silent: true,
      z: 1,
      itemStyle: { color },
      // All points are data (so the axes' extents include the band); the polygon is drawn once, at index 0.
      data: pts.map((p) => [...p]),
      encode: { x: 0, y: [1, 2] },
      renderItem: (params: { dataIndex: number }, api: RenderApi) => {
        if (params.dataIndex !== 0) return null;
        const upper = pts.map((p) => api.coord([p[0], p[2]]));
        const lower = pts.map((p) => api.coord([p[0], s.logY ? Math.max(p[1], 1e-12) : p[1]])).reverse();
        return { type: 'polygon', shape: { points: [...upper, ...lower] }, style: { fill: color, opacity: 0.18 } };
      },
    });
    series.push({
      name: b.cell,
      type: 'line',
      z: 2,
      showSymbol: b.x.length < 40,
      symbolSize: 4,
      itemStyle: { color },
      lineStyle: { color, width: 2 },
      data: b.x.map((x, i) => [sx(x), b.mean[i], b.std[i], b.n[i]]),
    });
  });
  return {
    animation: false,
    backgroundColor: 'transparent',
    title: { text: s.title, left: 8, top: 4, textStyle: { fontSize: 13, color: fg } },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; data: number[] }) =>
        Array.isArray(p.data) && p.data.length === 4
          ? `${escapeHtml(p.seriesName)}<br/>${escapeHtml(s.xName)} ${p.data[0].toPrecision(4)}: ${p.data[1].toPrecision(4)} ± ${p.data[2].toPrecision(2)} (n=${p.data[3]})`
          : escapeHtml(p.seriesName),
    },
    legend: { type: 'scroll', top: CHART_LAYOUT.legendTop, left: 8, right: 8, textStyle: { color: fg }, data: bands.map((b) => b.cell) },
    grid: { left: CHART_LAYOUT.gridLeft, right: CHART_LAYOUT.gridRight, top: CHART_LAYOUT.gridTop, bottom: 44 },
    xAxis: {
      type: 'value',
      name: s.xName,
      nameLocation: 'middle',
      nameGap: 26,
      scale: true,
      nameTextStyle: { color: fg },
      ...(s.discreteX ? discreteAxis(gridValues) : {}),
      axisLabel: { color: fg, formatter: compactNumber, hideOverlap: true, ...(s.discreteX ? { customValues: gridValues } : {}) },
    },
    yAxis: {
      type: s.logY ? 'log' : 'value',
      name: s.yName,
      nameLocation: 'middle',
      nameGap: CHART_LAYOUT.yNameGap,
      scale: true,
      axisLabel: { color: fg, formatter: compactNumber },
      nameTextStyle: { color: fg },
    },
    series,
  };
}

/** Exactly the plotted numbers (x in the plotted unit), one row per point. */
export function bandsCsv(bands: Band[], xName: string, xPercent = false): string {
  const spread = bands.some((b) => b.spread === 'ci95') ? 'ci95_half_width' : 'std';
  const lines = [csvRow(['configuration', xName, 'mean', spread, 'n'])];
  for (const b of bands) b.x.forEach((x, i) => lines.push(csvRow([b.cell, xPercent ? 100 * x : x, b.mean[i], b.std[i], b.n[i]])));
  return lines.join('\n') + '\n';
}

/** pgfplots: the mean as a line and mean ± std (or ± the 95 % CI half-width) filled between (needs \usepgfplotslibrary{fillbetween}). */
export function bandsPgfplots(bands: Band[], s: Pick<BandOptionSettings, 'title' | 'xName' | 'yName' | 'xPercent' | 'yFloor'>): string {
  const sx = (x: number) => +(s.xPercent ? 100 * x : x).toPrecision(6);
  const floor = s.yFloor ?? 0;
  const lines = [
    `% ${texComment(s.title)} — exported by Moduli Workbench; needs \\usepgfplotslibrary{fillbetween}`,
    '\\begin{tikzpicture}',
    `\\begin{axis}[title={${texText(s.title)}}, xlabel={${texText(s.xName)}}, ylabel={${texText(s.yName)}}, legend pos=outer north east, width=\\linewidth, height=0.6\\linewidth]`,
  ];
  bands.forEach((b, k) => {
    const c = (ys: number[]) => b.x.map((x, i) => `(${sx(x)},${+ys[i].toPrecision(6)})`).join(' ');
    lines.push(
      `\\addplot+[no marks, name path=upper${k}, draw=none, forget plot] coordinates {${c(b.mean.map((m, i) => m + b.std[i]))}};`,
      `\\addplot+[no marks, name path=lower${k}, draw=none, forget plot] coordinates {${c(b.mean.map((m, i) => Math.max(floor, m - b.std[i])))}};`,
      `\\addplot+[opacity=0.2, forget plot] fill between[of=upper${k} and lower${k}];`,
      `\\addplot+[no marks, thick] coordinates {${c(b.mean)}};`,
      `\\addlegendentry{${texText(b.cell)}}`,
    );
  });
  lines.push('\\end{axis}', '\\end{tikzpicture}');
  return lines.join('\n') + '\n';
}
