// Where pruning happened, as chart markers: at the start of every epoch whose pruned fraction grew (the
// masks are tightened there, which is what the loss spikes that follow are about).
export interface EpochPruning {
  phase: string;
  epoch: number;
  /** Global step at the end of the epoch. */
  step: number;
  pruneAmount: number;
}

export function pruningMarkers(epochs: EpochPruning[]): Array<{ x: number; label: string }> {
  const train = epochs.filter((e) => e.phase === 'train').sort((a, b) => a.epoch - b.epoch);
  const out: Array<{ x: number; label: string }> = [];
  let before = 0;
  train.forEach((e, i) => {
    if (e.pruneAmount > before + 1e-9) {
      const start = i > 0 ? train[i - 1].step : 0;
      out.push({ x: start, label: `pruned to ${(100 * e.pruneAmount).toFixed(1)} % at the start of epoch ${e.epoch}` });
    }
    before = Math.max(before, e.pruneAmount);
  });
  return out;
}
