// The neurons' embedding as a 2-D scatter coloured by their rank in the embedding order, so the heatmap's
// ordering can be read against the geometry. Spheres are drawn as longitude/latitude; other spaces by their
// first two coordinates (T², Klein: the fundamental square; mixed curvature: its torus part).
export function projectPoint(space: string, p: number[]): [number, number] {
  if (space === 'sphere' || /^s\d+$/.test(space)) {
    const [x, y, z] = p;
    const r = Math.hypot(...p);
    return [(Math.atan2(y, x) * 180) / Math.PI, (Math.asin(Math.max(-1, Math.min(1, (z ?? 0) / r))) * 180) / Math.PI];
  }
  if (space === 'mixedcurv') return [p[3], p[4]];
  return [p[0], p[1]];
}

export function embeddingOption(space: string, coords: number[], dim: number, order: number[], dark: boolean): Record<string, unknown> {
  const n = coords.length / dim;
  const rank = new Array<number>(n);
  order.forEach((neuron, k) => (rank[neuron] = k));
  const data = Array.from({ length: n }, (_, i) => [...projectPoint(space, coords.slice(i * dim, (i + 1) * dim)), rank[i], i]);
  const spherical = space === 'sphere' || /^s\d+$/.test(space);
  const fg = dark ? '#d8dde6' : '#223';
  return {
    animation: false,
    tooltip: { formatter: (p: { data: number[] }) => `neuron ${p.data[3]} · order ${p.data[2]}` },
    grid: { left: 40, right: 70, top: 16, bottom: 32 },
    xAxis: { type: 'value', name: spherical ? 'longitude' : 'x₁', scale: true, axisLabel: { color: fg } },
    yAxis: { type: 'value', name: spherical ? 'latitude' : 'x₂', scale: true, axisLabel: { color: fg } },
    visualMap: { min: 0, max: Math.max(1, n - 1), dimension: 2, orient: 'vertical', right: 0, top: 'middle', text: ['last', 'first'], calculable: false, inRange: { color: ['#313695', '#74add1', '#ffffbf', '#f46d43', '#a50026'] }, textStyle: { color: fg } },
    series: [{ type: 'scatter', symbolSize: n > 1000 ? 3 : 6, data }],
  };
}
