// ECharts options for training curves, built by a pure function shared by the renderer and the CLI (tested without a DOM, as
// optuna-dashboard's graph components): series in, option out. Smoothing is an EMA over the plotted points.
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

export function buildLineOption(series: PlotSeries[], s: LineOptionSettings): Record<string, unknown> {
  const fg = s.dark ? '#d8dde6' : '#223';
  return {
    animation: false,
    backgroundColor: 'transparent',
    title: { text: s.title, left: 8, top: 4, textStyle: { fontSize: 13, color: fg } },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (typeof v === 'number' ? v.toPrecision(4) : String(v)) },
    legend: { type: 'scroll', top: 4, right: 8, textStyle: { color: fg } },
    grid: { left: 56, right: 16, top: 36, bottom: 48 },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 8 }],
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, axisLabel: { color: fg }, nameTextStyle: { color: fg } },
    yAxis: { type: s.logY ? 'log' : 'value', name: s.yName, scale: true, axisLabel: { color: fg }, nameTextStyle: { color: fg } },
    series: series.map((x) => {
      const ys = ema(x.values, s.smoothing);
      return {
        name: x.name,
        type: 'line',
        showSymbol: false,
        sampling: 'lttb',
        emphasis: { focus: 'series' },
        data: x.steps.map((st, i) => [st, ys[i]]),
      };
    }),
  };
}

/** The exact plotted series as CSV (after smoothing), one column per series, aligned by step. */
export function seriesCsv(series: PlotSeries[], smoothing: number): string {
  const steps = [...new Set(series.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const maps = series.map((s) => {
    const ys = ema(s.values, smoothing);
    return new Map(s.steps.map((st, i) => [st, ys[i]]));
  });
  const esc = (t: string) => (/[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t);
  const lines = [['step', ...series.map((s) => esc(s.name))].join(',')];
  for (const st of steps) lines.push([st, ...maps.map((m) => (m.has(st) ? String(m.get(st)) : ''))].join(','));
  return lines.join('\n') + '\n';
}
