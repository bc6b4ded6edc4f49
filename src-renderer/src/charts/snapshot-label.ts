// How a weight snapshot is named wherever one is picked or shown: its phase, epoch and step, and how much of
// the matrix its own mask had pruned.

export interface SnapshotHead {
  phase: string;
  epoch: number;
  step: number;
  matrix: string;
}

/** "W_hh · train epoch 3, step 1200" (the lottery rerun's phase is named, training's too, so they never mix). */
export function snapshotLabel(s: SnapshotHead): string {
  return `${s.matrix} · ${s.phase} epoch ${s.epoch}, step ${s.step}`;
}

/** The pruned fraction of a matrix from its mask, as "41.2 %"; null before the first cut (no mask). */
export function prunedFraction(mask: ArrayLike<number> | null | undefined): string | null {
  if (!mask || !mask.length) return null;
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) zeros++;
  return `${((100 * zeros) / mask.length).toFixed(1)} %`;
}

/**
 * Which of a run's snapshots a side-by-side panel opens on: the first or the newest of the matrix shown first
 * (a language model snapshots several matrices per step; the panel keeps to one).
 */
export function initialSnapshot<T extends SnapshotHead>(list: T[], which: 'first' | 'latest'): T | null {
  const matrix = list[0]?.matrix;
  const same = list.filter((s) => s.matrix === matrix);
  return (which === 'first' ? same[0] : same.at(-1)) ?? null;
}
