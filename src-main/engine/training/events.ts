// Events a training run emits, in order: started, then metrics / epoch / snapshot / progress / checkpoint,
// then finished (or stopped). The job runner persists them and fans them out to the UI and CLI.
import type { BackendInfo } from '../backend';
import type { Metrics } from '../tasks/task';

export type Phase = 'train' | 'lottery';

export interface MatrixSnapshot {
  name: string;
  rows: number;
  cols: number;
  /** Gate blocks stacked along the rows (LSTM 4). */
  gates: number;
  weights: Float32Array;
  mask: Float32Array | null;
  /** Embedding order of the neurons (columns; rows repeat it per gate block). */
  order: Int32Array;
}

export type TrainingEvent =
  | { type: 'started'; backend: BackendInfo; engineVersion: string; parameters: number; totalSteps: number; baselines: Metrics; resumedAt: number }
  | { type: 'metrics'; phase: Phase; epoch: number; step: number; values: Metrics }
  | {
      type: 'epoch';
      phase: Phase;
      epoch: number;
      step: number;
      pruneAmount: number;
      threshold: number;
      sparsity: { global: number; perMatrix: Record<string, number>; smallWeightFraction: Record<string, number> };
      valid: Metrics;
      learningRate: number;
    }
  | { type: 'snapshot'; phase: Phase; epoch: number; step: number; matrices: MatrixSnapshot[] }
  | { type: 'progress'; phase: Phase; epoch: number; step: number; totalSteps: number; elapsedMs: number; etaMs: number | null }
  | { type: 'checkpoint'; phase: Phase; epoch: number; step: number; bytes: Uint8Array }
  | { type: 'finished'; result: RunResult }
  | { type: 'stopped'; reason: 'paused' | 'cancelled'; step: number };

export interface RunResult {
  /** Held-out metrics of the trained (pruned) network. */
  test: Metrics;
  /**
   * Held-out metrics at the end of the last pruning epoch (the reference's endpoint: it evaluates there); the
   * same as `test` when no recovery or stabiliser epochs follow. Absent in results recorded before it existed.
   */
  endpoint?: Metrics;
  /** Held-out metrics of the lottery-ticket retrain, when enabled. */
  lottery?: Metrics;
  baselines: Metrics;
  sparsity: { global: number; perMatrix: Record<string, number>; smallWeightFraction: Record<string, number> };
  steps: number;
  diverged: boolean;
  wallMs: number;
}
