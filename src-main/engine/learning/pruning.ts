// Gradual global magnitude pruning (docs/method.md §4).
// One global threshold over all listed matrices together (torch's global_unstructured + L1Unstructured):
// exactly round(amount · total) entries are masked, already-masked entries first, so masks are nested.
// The per-matrix allocation prunes each matrix to the same fraction by its own threshold (an option).
import * as tf from '@tensorflow/tfjs';
import { readAndDispose, readFloats, readScalar } from '../read';

export type ScheduleKind = 'linear' | 'cubic';

/**
 * When pruning starts and how the reference counts epochs.
 * - navigation / adding: amount(e) = target · e / (E − 1) for 0-based epoch e ≥ 1 (offset 0).
 * - language model: amount = target · (e + 1) / E for 0-based epoch e ≥ 1 (the reference numbers epochs
 *   1..E and starts at its epoch 2: offset 1).
 */
export interface ScheduleTiming {
  epochs: number;
  firstEpoch: number;
  offset: number;
}

/** Fraction of the way through the pruning schedule at the start of 0-based epoch e, in [0, 1]. */
export function scheduleProgress(epoch: number, t: ScheduleTiming): number {
  if (epoch < t.firstEpoch) return 0;
  const denom = t.epochs - 1 + t.offset;
  if (denom <= 0) return 1;
  return Math.min(1, (epoch + t.offset) / denom);
}

/** Target fraction pruned at the start of epoch e. Cubic: Zhu & Gupta (2017), s = s_f·(1 − (1 − p)³) with s_i = 0. */
export function scheduledAmount(kind: ScheduleKind, target: number, epoch: number, t: ScheduleTiming): number {
  const p = scheduleProgress(epoch, t);
  return kind === 'linear' ? target * p : target * (1 - (1 - p) ** 3);
}

export interface Prunable {
  name: string;
  variable: tf.Variable;
}

export type Allocation = 'global' | 'per-matrix';

export class MaskSet {
  /** 1 = kept, 0 = pruned; absent until the first prune. */
  readonly masks = new Map<string, tf.Variable>();

  constructor(
    readonly targets: Prunable[],
    readonly allocation: Allocation = 'global',
  ) {}

  /**
   * Prunes so that exactly round(amount·total) entries are masked, by one global threshold (the reference) or,
   * per-matrix, round(amount·size) of each matrix by its own; returns the (largest) magnitude threshold.
   */
  async pruneTo(amount: number): Promise<number> {
    if (this.allocation === 'global') return this.pruneGroup(this.targets, amount);
    let threshold = 0;
    for (const t of this.targets) threshold = Math.max(threshold, await this.pruneGroup([t], amount));
    return threshold;
  }

  private async pruneGroup(targets: Prunable[], amount: number): Promise<number> {
    const values = await Promise.all(targets.map((t) => readFloats(t.variable)));
    const maskValues = await Promise.all(
      targets.map((t) => {
        const m = this.masks.get(t.name);
        return m ? readFloats(m) : null;
      }),
    );
    const total = values.reduce((s, v) => s + v.length, 0);
    const k = Math.round(amount * total);
    // Key: −1 for already-masked entries (they go first: masks never regrow), else |w|.
    const keys = new Float32Array(total);
    let o = 0;
    values.forEach((v, ti) => {
      const m = maskValues[ti];
      for (let i = 0; i < v.length; i++) keys[o++] = m && m[i] === 0 ? -1 : Math.abs(v[i]);
    });
    let threshold = 0;
    const newMasks = values.map((v) => new Float32Array(v.length).fill(1));
    if (k > 0) {
      const sorted = keys.slice().sort();
      threshold = sorted[k - 1];
      let below = 0;
      for (let i = 0; i < total; i++) if (keys[i] < threshold) below++;
      let ties = k - below;
      o = 0;
      newMasks.forEach((m) => {
        for (let i = 0; i < m.length; i++, o++) {
          if (keys[o] < threshold) m[i] = 0;
          else if (keys[o] === threshold && ties > 0) {
            m[i] = 0;
            ties--;
          }
        }
      });
    }
    targets.forEach((t, ti) => {
      const mask = tf.tensor(newMasks[ti], t.variable.shape);
      const existing = this.masks.get(t.name);
      // tf.variable shares the tensor's buffer but not its handle: the handle is disposed either way (a run
      // used to leave one tensor per pruned matrix behind).
      if (existing) existing.assign(mask);
      else this.masks.set(t.name, tf.variable(mask, false));
      mask.dispose();
    });
    this.apply();
    return Math.max(0, threshold);
  }

  /** Zeroes pruned weights (after every optimizer step). */
  apply(): void {
    for (const t of this.targets) {
      const m = this.masks.get(t.name);
      if (m) tf.tidy(() => t.variable.assign(tf.mul(t.variable, m)));
    }
  }

  /** Fraction of masked entries per matrix and globally. */
  async sparsity(): Promise<{ global: number; perMatrix: Record<string, number> }> {
    const perMatrix: Record<string, number> = {};
    let masked = 0;
    let total = 0;
    for (const t of this.targets) {
      const size = t.variable.size;
      const m = this.masks.get(t.name);
      const zeros = m ? size - (await readAndDispose(tf.sum(m), readScalar)) : 0;
      perMatrix[t.name] = zeros / size;
      masked += zeros;
      total += size;
    }
    return { global: total ? masked / total : 0, perMatrix };
  }

  /** Copies masks from another run's final state (lottery ticket). */
  load(masks: Record<string, tf.Tensor>): void {
    for (const t of this.targets) {
      const src = masks[t.name];
      if (!src) throw new Error(`mask for '${t.name}' missing`);
      const existing = this.masks.get(t.name);
      if (existing) existing.assign(src);
      else this.masks.set(t.name, tf.variable(src, false));
    }
    this.apply();
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

/** The reference's navigation sparsity measure: fraction of |w| < 1e−3 (counts pruned and tiny weights). */
export function smallWeightFraction(w: tf.Tensor, tol = 1e-3): Promise<number> {
  return readAndDispose(
    tf.tidy(() => tf.mean(tf.cast(tf.less(tf.abs(w), tol), 'float32'))),
    readScalar,
  );
}
