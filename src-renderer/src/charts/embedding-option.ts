// The neurons' embedding as a 2-D scatter coloured by their rank in the embedding order, so the heatmap's
// ordering can be read against the geometry. Where each point is drawn comes from the space itself
// (ModuliSpace.plot, sent by the API as `plot`): nothing here knows about particular spaces.
export function embeddingOption(plot: ArrayLike<number>, axes: readonly [string, string], order: ArrayLike<number>, dark: boolean): Record<string, unknown> {
  const n = plot.length / 2;
  const rank = new Array<number>(n);
  Array.from(order).forEach((neuron, k) => (rank[neuron] = k));
  const data = Array.from({ length: n }, (_, i) => [plot[2 * i], plot[2 * i + 1], rank[i], i]);
  const fg = dark ? '#d8dde6' : '#223';
  return {
    animation: false,
    tooltip: { formatter: (p: { data: number[] }) => `neuron ${p.data[3]} · order ${p.data[2]}` },
    grid: { left: 40, right: 70, top: 16, bottom: 32 },
    xAxis: { type: 'value', name: axes[0], scale: true, axisLabel: { color: fg } },
    yAxis: { type: 'value', name: axes[1], scale: true, axisLabel: { color: fg } },
    visualMap: {
      min: 0,
      max: Math.max(1, n - 1),
      dimension: 2,
      orient: 'vertical',
      right: 0,
      top: 'middle',
      text: ['last', 'first'],
      calculable: false,
      inRange: { color: ['#313695', '#74add1', '#ffffbf', '#f46d43', '#a50026'] },
      textStyle: { color: fg },
    },
    series: [{ type: 'scatter', symbolSize: n > 1000 ? 3 : 6, data }],
  };
}
