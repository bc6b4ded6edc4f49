// ECharts options for training curves, built by a pure function shared by the renderer and the CLI (tested without a DOM, as
// optuna-dashboard's graph components): series in, option out. Smoothing is an EMA over the plotted points.
import { escapeHtml } from './escape';
import { csvRow } from '../math/export-escape';

export interface PlotSeries {
  name: string;
  steps: number[];
  values: number[];
}

export interface LineOptionSettings {
  title: string;
  yName: string;
  smoothing: number;
  logY: boolean;
  dark: boolean;
  /** Vertical markers (pruning steps: they explain the loss spikes), at x = step. */
  markers?: Array<{ x: number; label: string }>;
  /** The x axis' name (default 'step'). */
  xName?: string;
}

/** TensorBoard-style debiased exponential moving average; weight 0 returns the input. */
export function ema(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let debias = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

/** Axis tick labels of bounded width (≤ 7 characters), so they never reach the axis name. */
export function compactNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  // Four significant digits: ticks of a narrow range (0.1655, 0.1660 on an MSE axis) must stay distinct.
  return a >= 1e5 || a < 1e-3 ? v.toExponential(1) : String(+v.toPrecision(4));
}

/**
 * Layout (tested for overlapping text at 360 × 240 with long names, test/renderer/chart-layout.spec.ts): title
 * on the first row, the legend on its own row below it, axis names centred beside their axes, the zoom
 * slider below the x-axis name.
 */
export const CHART_LAYOUT = {
  titleTop: 4,
  legendTop: 26,
  gridTop: 58,
  gridLeft: 72,
  gridRight: 20,
  gridBottom: 56,
  xNameGap: 24,
  yNameGap: 52,
  sliderHeight: 14,
  sliderBottom: 4,
} as const;

/** An x value as a tooltip heads it: steps as integers ("1660", not "1,660.00"), other axes to 4 digits. */
export function formatX(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/**
 * Ticks of a log axis over [lo, hi]: 1-2-5 per decade, so a loss falling from 4.8 to 1.6 reads 2 and 5 rather
 * than only the powers of ten around it. Empty when the range has no positive values.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(hi > 0)) return [];
  const low = lo > 0 ? lo : hi / 1e3;
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = +(m * 10 ** e).toPrecision(6);
      if (t >= low && t <= hi) ticks.push(t);
    }
  }
  return ticks;
}

export function buildLineOption(series: PlotSeries[], s: LineOptionSettings): Record<string, unknown> {
  const fg = s.dark ? '#d8dde6' : '#223';
  const L = CHART_LAYOUT;
  const plotted = series.map((x) => ema(x.values, s.smoothing));
  const positive = plotted.flat().filter((v) => Number.isFinite(v) && v > 0);
  const ticks = s.logY && positive.length ? logTicks(Math.min(...positive), Math.max(...positive)) : [];
  return {
    animation: false,
    backgroundColor: 'transparent',
    title: { text: s.title, left: 8, top: L.titleTop, textStyle: { fontSize: 13, color: fg } },
    tooltip: {
      trigger: 'axis',
      formatter: (ps: Array<{ marker: string; seriesName: string; value: [number, number] }>) => {
        if (!Array.isArray(ps) || !ps.length) return '';
        const head = `${escapeHtml(s.xName ?? 'step')} ${formatX(ps[0].value[0])}`;
        return [
          head,
          ...ps.map((p) => `${p.marker}${escapeHtml(p.seriesName)} <b>${Number.isFinite(p.value[1]) ? p.value[1].toPrecision(4) : String(p.value[1])}</b>`),
        ].join('<br/>');
      },
    },
    legend: { type: 'scroll', top: L.legendTop, left: 8, right: 8, textStyle: { color: fg } },
    grid: { left: L.gridLeft, right: L.gridRight, top: L.gridTop, bottom: L.gridBottom },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: L.sliderHeight, bottom: L.sliderBottom }],
    // The x axis ends at the data (a 2,600-step run is not drawn to 3,000).
    xAxis: {
      type: 'value',
      name: s.xName ?? 'step',
      nameLocation: 'middle',
      nameGap: L.xNameGap,
      min: 'dataMin',
      max: 'dataMax',
      axisLabel: { color: fg, formatter: compactNumber, hideOverlap: true },
      nameTextStyle: { color: fg },
    },
    yAxis: {
      type: s.logY ? 'log' : 'value',
      name: s.yName,
      nameLocation: 'middle',
      nameGap: L.yNameGap,
      scale: true,
      axisLabel: { color: fg, formatter: compactNumber, ...(ticks.length > 1 ? { customValues: ticks } : {}) },
      ...(ticks.length > 1 ? { axisTick: { customValues: ticks } } : {}),
      nameTextStyle: { color: fg },
    },
    series: series.map((x, k) => {
      const ys = plotted[k];
      return {
        name: x.name,
        type: 'line',
        showSymbol: false,
        sampling: 'lttb',
        emphasis: { focus: 'series' },
        data: x.steps.map((st, i) => [st, ys[i]]),
        ...(k === 0 && s.markers?.length
          ? {
              markLine: {
                symbol: 'none',
                silent: false,
                lineStyle: { type: 'dashed', color: s.dark ? '#8a93a6' : '#99a', width: 1 },
                label: { show: false },
                tooltip: { formatter: (p: { name: string }) => escapeHtml(p.name) },
                data: s.markers.map((m) => ({ xAxis: m.x, name: m.label })),
              },
            }
          : {}),
      };
    }),
  };
}

/**
 * The exact plotted series as CSV, one column per series, aligned by step. With smoothing, each series has
 * two columns: the plotted (smoothed) values and the raw ones (`name (raw)`).
 */
export function seriesCsv(series: PlotSeries[], smoothing: number, xName = 'step'): string {
  const steps = [...new Set(series.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const columns = series.flatMap((s) => {
    const smoothed = { name: s.name, values: ema(s.values, smoothing) };
    return smoothing > 0 ? [smoothed, { name: `${s.name} (raw)`, values: s.values }].map((c) => ({ ...c, steps: s.steps })) : [{ ...smoothed, steps: s.steps }];
  });
  const maps = columns.map((c) => new Map(c.steps.map((st, i) => [st, c.values[i]])));
  const lines = [csvRow([xName, ...columns.map((c) => c.name)])];
  for (const st of steps) lines.push([st, ...maps.map((m) => (m.has(st) ? String(m.get(st)) : ''))].join(','));
  return lines.join('\n') + '\n';
}
