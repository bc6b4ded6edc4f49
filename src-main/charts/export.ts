// Chart exports researchers ask for and trackers rarely give: SVG with its legend (rendered by ECharts'
// SVG renderer, no DOM needed) and a pgfplots snippet of exactly the plotted (smoothed) series.
import { CustomChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { ema, type PlotSeries } from './line-option';

use([LineChart, CustomChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, DataZoomComponent, SVGRenderer]);

/** The option as a standalone SVG document (legend included; interactive zoom controls left out). */
export function optionToSvg(option: Record<string, unknown>, width = 800, height = 400): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ ...option, dataZoom: [], animation: false });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

function tex(s: string): string {
  return s.replace(/([\\{}_^%$#&])/g, '\\$1');
}

/** A pgfplots axis with one \addplot per series; paste into a tikzpicture. */
export function toPgfplots(series: PlotSeries[], o: { title: string; xlabel: string; ylabel: string; smoothing: number; logY?: boolean }): string {
  const lines = [
    `% ${o.title}${o.smoothing > 0 ? ` (EMA smoothing ${o.smoothing})` : ''} — exported by Moduli Workbench`,
    '\\begin{tikzpicture}',
    `\\begin{${o.logY ? 'semilogyaxis' : 'axis'}}[title={${tex(o.title)}}, xlabel={${tex(o.xlabel)}}, ylabel={${tex(o.ylabel)}}, legend pos=north east, width=\\linewidth, height=0.6\\linewidth]`,
  ];
  for (const s of series) {
    const ys = ema(s.values, o.smoothing);
    const coords = s.steps.map((x, i) => (Number.isFinite(ys[i]) ? `(${x},${+ys[i].toPrecision(6)})` : '')).filter(Boolean);
    lines.push(`\\addplot+[no marks] coordinates {${coords.join(' ')}};`, `\\addlegendentry{${tex(s.name)}}`);
  }
  lines.push(`\\end{${o.logY ? 'semilogyaxis' : 'axis'}}`, '\\end{tikzpicture}');
  return lines.join('\n') + '\n';
}
