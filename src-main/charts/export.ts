// Chart exports researchers ask for and trackers rarely give: SVG with its legend (rendered by ECharts'
// SVG renderer, no DOM needed) and a pgfplots snippet of exactly the plotted (smoothed) series.
import { texComment, texText } from '../math/export-escape';
import { CustomChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { ema, type PlotSeries } from './line-option';

use([LineChart, CustomChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, DataZoomComponent, MarkLineComponent, SVGRenderer]);

/**
 * The option as a file shows it, at this width: every legend entry (no paging), no zoom slider, no animation.
 * SVG and PNG exports both draw this, so the two never disagree about what is named.
 */
export function exportOption(option: Record<string, unknown>, width: number): Record<string, unknown> {
  return { ...option, ...wrappedLegendLayout(option, width), dataZoom: [], animation: false };
}

/**
 * The option as the screen shows it, at this width: the same wrapped legend as a file (a scrolling legend cut
 * names to "spa" and hid entries behind paging arrows), the zoom slider kept. `extraHeight` is what the rows
 * below the first add, so the frame grows instead of squeezing the plot.
 */
export function screenOption(option: Record<string, unknown>, width: number): { option: Record<string, unknown>; extraHeight: number } {
  const layout = wrappedLegendLayout(option, width);
  const rows = Array.isArray(layout.legend) ? layout.legend.length : 1;
  return { option: { ...option, ...layout }, extraHeight: Math.max(0, rows - 1) * LEGEND_ROW };
}

const LEGEND_ROW = 22;

/** The option as a standalone SVG document (legend included; interactive zoom controls left out). */
export function optionToSvg(option: Record<string, unknown>, width = 800, height = 400): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption(exportOption(option, width));
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/**
 * Neither a file nor the screen scrolls the legend: the legend shows every entry, broken into rows by a conservative width estimate
 * (0.6 em per character at 12 px, wider than real sans-serif text, so a row never overflows in any viewer),
 * one legend component per row, and the plot starts below the last row.
 */
function wrappedLegendLayout(option: Record<string, unknown>, width: number): Record<string, unknown> {
  const legend = option.legend as { top?: number; data?: string[] } | undefined;
  if (!legend) return {};
  const names = legend.data ?? [...new Set(((option.series as Array<{ name?: string }> | undefined) ?? []).map((s) => s.name).filter((n): n is string => !!n))];
  const rows: string[][] = [[]];
  let x = 0;
  for (const n of names) {
    const w = 25 + 5 + n.length * 12 * 0.6 + 10;
    if (x > 0 && x + w > width - 24) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push(n);
    x += w;
  }
  const top = legend.top ?? 26;
  const grid = option.grid as Record<string, number>;
  return {
    legend: rows.map((data, r) => ({ ...legend, type: 'plain', data, top: top + r * LEGEND_ROW, left: 8, right: undefined })),
    grid: { ...grid, top: Math.max(grid.top ?? 0, top + rows.length * LEGEND_ROW + 10) },
  };
}

/** A pgfplots axis with one \addplot per series; paste into a tikzpicture. */
export function toPgfplots(series: PlotSeries[], o: { title: string; xlabel: string; ylabel: string; smoothing: number; logY?: boolean }): string {
  const lines = [
    `% ${texComment(o.title)}${o.smoothing > 0 ? ` (EMA smoothing ${o.smoothing})` : ''} — exported by Moduli Workbench`,
    '\\begin{tikzpicture}',
    `\\begin{${o.logY ? 'semilogyaxis' : 'axis'}}[title={${texText(o.title)}}, xlabel={${texText(o.xlabel)}}, ylabel={${texText(o.ylabel)}}, legend pos=north east, width=\\linewidth, height=0.6\\linewidth]`,
  ];
  for (const s of series) {
    const ys = ema(s.values, o.smoothing);
    const coords = s.steps.map((x, i) => (Number.isFinite(ys[i]) ? `(${x},${+ys[i].toPrecision(6)})` : '')).filter(Boolean);
    lines.push(`\\addplot+[no marks] coordinates {${coords.join(' ')}};`, `\\addlegendentry{${texText(s.name)}}`);
  }
  lines.push(`\\end{${o.logY ? 'semilogyaxis' : 'axis'}}`, '\\end{tikzpicture}');
  return lines.join('\n') + '\n';
}
