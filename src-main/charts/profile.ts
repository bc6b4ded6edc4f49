// The distance profile as plotted series: how much more (or less) often a connection survives pruning at each
// geodesic distance than a geometry-blind mask of the same sparsity would keep it. 1 everywhere: the mask
// ignores the geometry (L1, the permuted control); above 1 at short distances: the geometry shaped the network.
import type { PlotSeries } from './line-option';

export interface DistanceProfile {
  edges: number[];
  pairs: number[];
  kept: number[];
}

/** Kept fraction per distance bin over the overall kept fraction, at bin centres (empty bins left out). */
export function profileSeries(name: string, p: DistanceProfile): PlotSeries {
  const total =
    p.kept.reduce((a, b) => a + b, 0) /
    Math.max(
      1,
      p.pairs.reduce((a, b) => a + b, 0),
    );
  const steps: number[] = [];
  const values: number[] = [];
  p.pairs.forEach((pairs, b) => {
    if (!pairs || !total) return;
    steps.push(+((p.edges[b] + p.edges[b + 1]) / 2).toPrecision(4));
    values.push(p.kept[b] / pairs / total);
  });
  return { name, steps, values };
}

/** The geometry-blind reference (1 at every distance) over the same range. */
export function blindReference(p: DistanceProfile): PlotSeries {
  const x0 = (p.edges[0] + p.edges[1]) / 2;
  const x1 = (p.edges[p.edges.length - 2] + p.edges[p.edges.length - 1]) / 2;
  return { name: 'geometry-blind mask', steps: [+x0.toPrecision(4), +x1.toPrecision(4)], values: [1, 1] };
}
