// What the UI draws of a penalty: the embedding (points, heatmap order) always, and C itself only up to a
// size worth sending (N ≤ maxCN: 1024² floats are 4 MB; beyond that the heatmap is of the weights alone).
import type { PenaltySpec } from '../../schema/penalty';
import { deriveRng } from '../random';
import { buildPenalty, embedNeurons } from './penalty';
import { pointRow, type Points } from './space';
import { spaceById } from './spaces';

export const MAX_VIEW_C_N = 1024;

export interface PenaltyView {
  n: number;
  space: string;
  /** Row-major N×N, or null when N > maxCN. */
  C: number[] | null;
  order: number[];
  points: number[] | null;
  dim: number;
  /** Row-major N × 2 positions in the space's 2-D picture, and that picture's axis names (null without geometry). */
  plot: number[] | null;
  plotAxes: [string, string] | null;
}

function picture(spec: PenaltySpec, points: Points | null): Pick<PenaltyView, 'plot' | 'plotAxes'> {
  const space = spaceById(spec.space);
  if (!space || !points) return { plot: null, plotAxes: null };
  const plot = new Array<number>(2 * points.n);
  for (let i = 0; i < points.n; i++) [plot[2 * i], plot[2 * i + 1]] = space.plot(pointRow(points, i));
  return { plot, plotAxes: [...space.plotAxes] };
}

/** Deterministic in (spec, n, seed): the same embedding the trainer builds for that seed. */
export function penaltyView(spec: PenaltySpec, n: number, seed: number, maxCN = MAX_VIEW_C_N): PenaltyView {
  if (n <= maxCN) {
    const p = buildPenalty(spec, n, seed);
    const pts = p.embedding.rows;
    return {
      n,
      space: spec.space,
      C: Array.from(p.C),
      order: Array.from(p.embedding.order),
      points: pts ? Array.from(pts.coords) : null,
      dim: pts?.dim ?? 0,
      ...picture(spec, pts),
    };
  }
  // buildPenalty draws the embedding from the same derived stream, so these are the trained points.
  const e = embedNeurons(spec, n, deriveRng(seed, 'embedding'));
  return {
    n,
    space: spec.space,
    C: null,
    order: Array.from(e.order),
    points: e.rows ? Array.from(e.rows.coords) : null,
    dim: e.rows?.dim ?? 0,
    ...picture(spec, e.rows),
  };
}
