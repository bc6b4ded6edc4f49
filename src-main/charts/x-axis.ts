// The x axis of training charts: global step (as recorded), epoch, or wall time. Epoch and time are mapped
// from steps through anchor points — the step at the end of each epoch (the epochs table) or the recorded
// `wall_time_s` series — with linear interpolation between anchors, so every series and pruning marker keeps
// its place on whichever axis is chosen.
import type { PlotSeries } from './line-option';

export const X_AXES = ['step', 'epoch', 'time'] as const;
export type XAxis = (typeof X_AXES)[number];

/** Axis titles, as charts and exports label them. */
export const X_AXIS_NAMES: Record<XAxis, string> = { step: 'step', epoch: 'epoch', time: 'wall time (s)' };

/** The series the trainer records for the time axis (seconds of training, across resumes). */
export const WALL_TIME_SERIES = 'wall_time_s';

/** Points (step, x) with increasing steps. */
export type Anchors = Array<[number, number]>;

/**
 * Epoch anchors: step 0 is epoch 0 and the end of each epoch is one more, counted on across phases (the
 * lottery rerun continues after the training epochs).
 */
export function epochAnchors(epochs: Array<{ phase: string; epoch: number; step: number }>): Anchors {
  const ordered = [...epochs].sort((a, b) => a.step - b.step || (a.phase === b.phase ? a.epoch - b.epoch : a.phase === 'train' ? -1 : 1));
  const out: Anchors = [[0, 0]];
  ordered.forEach((e, i) => out.push([e.step, i + 1]));
  return out;
}

/** Time anchors from the recorded wall-time series (step 0 at 0 s). */
export function timeAnchors(wallTime: PlotSeries | undefined): Anchors {
  const out: Anchors = [[0, 0]];
  if (!wallTime) return out;
  wallTime.steps.forEach((s, i) => {
    if (Number.isFinite(wallTime.values[i]) && s > out[out.length - 1][0]) out.push([s, wallTime.values[i]]);
  });
  return out;
}

/** x at a step: linear between anchors; beyond the last, along the last segment's slope (a live run). */
export function mapStep(anchors: Anchors, step: number): number {
  if (anchors.length < 2) return step;
  let lo = 0;
  let hi = anchors.length - 1;
  if (step >= anchors[hi][0]) lo = hi - 1;
  else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (anchors[mid][0] <= step) lo = mid;
      else hi = mid;
    }
  }
  const [s0, x0] = anchors[lo];
  const [s1, x1] = anchors[lo + 1];
  return s1 === s0 ? x1 : x0 + ((step - s0) * (x1 - x0)) / (s1 - s0);
}

/** The anchors for an axis, or null for the step axis (no mapping). */
export function anchorsFor(axis: XAxis, epochs: Array<{ phase: string; epoch: number; step: number }>, wallTime: PlotSeries | undefined): Anchors | null {
  if (axis === 'epoch') return epochAnchors(epochs);
  if (axis === 'time') return timeAnchors(wallTime);
  return null;
}

/** Series with their x values mapped onto the axis (the field keeps its name `steps`: it is the plotted x). */
export function onAxis(series: PlotSeries[], anchors: Anchors | null): PlotSeries[] {
  if (!anchors) return series;
  return series.map((s) => ({ ...s, steps: s.steps.map((x) => +mapStep(anchors, x).toPrecision(6)) }));
}

export function markersOnAxis(markers: Array<{ x: number; label: string }>, anchors: Anchors | null): Array<{ x: number; label: string }> {
  if (!anchors) return markers;
  return markers.map((m) => ({ ...m, x: +mapStep(anchors, m.x).toPrecision(6) }));
}
