// What the training loop tells the world, and when: step metrics (named as the charts and the store expect),
// throttled progress with an ETA, snapshot and checkpoint events. The loop (trainer.ts) only says what happened.
import type { Metrics } from '../tasks/task';
import { encodeCheckpoint } from './checkpoint';
import type { Phase, TrainingEvent } from './events';
import { checkpointMeta, checkpointTensors, type PhaseState } from './phase';
import type { StepValues } from './step';

export interface Where {
  phase: Phase;
  epoch: number;
  /** Steps done in the whole run (all phases). */
  step: number;
}

/** What a checkpoint records besides tensors (trainer.ts RunTotals). */
export interface CheckpointTotals {
  globalStep: number;
  trainResult: Metrics | undefined;
  endpointResult: Metrics | undefined;
}

export interface ReportingOptions {
  onEvent?: (e: TrainingEvent) => void;
  /** Emit step metrics every k steps (the last step of an epoch always). */
  metricsEvery?: number;
  /** Emit weight snapshots at the end of every k-th epoch (the first and last always). */
  snapshotEvery?: number;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
}

/** A step's values under their series names: loss parts, learning rate, wall time, race timings, train_<metric>. */
export function stepMetricValues(values: StepValues, learningRate: number, wallTimeS: number, state: PhaseState): Metrics {
  // Where the sparse kernels raced dense products for this mask, the run records the choice and both times.
  const race = state.task.recurrencePath?.race ?? null;
  const v: Metrics = { loss: values.loss, task_loss: values.taskLoss, penalty: values.penalty, learning_rate: learningRate, wall_time_s: wallTimeS };
  if (race) Object.assign(v, { sparse_recurrence: race.sparse ? 1 : 0, sparse_recurrence_ms: race.sparseMs, dense_recurrence_ms: race.denseMs });
  if (Number.isFinite(values.gradNorm)) v.grad_norm = values.gradNorm;
  for (const [k, x] of Object.entries(values)) if (!['loss', 'taskLoss', 'penalty', 'gradNorm'].includes(k)) v[`train_${k}`] = x;
  return v;
}

export class RunReporter {
  readonly emit: (e: TrainingEvent) => void;
  private readonly metricsEvery: number;
  private readonly snapshotEvery: number;
  private readonly progressInterval: number;
  private readonly started = Date.now();
  private lastProgress = 0;

  /** `resumedAt`: steps done before this session; `elapsedBefore`: their training time (from the checkpoint). */
  constructor(
    o: ReportingOptions,
    private readonly totalSteps: number,
    private readonly resumedAt: number,
    private readonly elapsedBefore: number,
  ) {
    this.emit = o.onEvent ?? (() => {});
    this.metricsEvery = Math.max(1, o.metricsEvery ?? 1);
    this.snapshotEvery = Math.max(1, o.snapshotEvery ?? 1);
    this.progressInterval = o.progressIntervalMs ?? 1000;
  }

  /** Training time of this run so far, across pauses and resumes (the charts' time axis). */
  trainingMs(): number {
    return this.elapsedBefore + (Date.now() - this.started);
  }

  /** This session's wall time (the result's wallMs). */
  sessionMs(): number {
    return Date.now() - this.started;
  }

  wantsMetrics(globalStep: number, lastOfEpoch: boolean): boolean {
    return (globalStep + 1) % this.metricsEvery === 0 || lastOfEpoch;
  }

  stepMetrics(state: PhaseState, at: Where, values: StepValues): void {
    this.emit({ type: 'metrics', ...at, values: stepMetricValues(values, state.optimizer.learningRate, this.trainingMs() / 1000, state) });
  }

  /** At most one progress event per interval (and the last step always); the ETA from this session's pace. */
  progress(at: Where): void {
    const now = Date.now();
    if (now - this.lastProgress < this.progressInterval && at.step !== this.totalSteps) return;
    this.lastProgress = now;
    const done = at.step - this.resumedAt;
    const elapsedMs = now - this.started;
    const etaMs = done > 0 ? (elapsedMs / done) * (this.totalSteps - at.step) : null;
    this.emit({ type: 'progress', ...at, totalSteps: this.totalSteps, elapsedMs, etaMs });
  }

  wantsSnapshot(epoch: number, epochs: number): boolean {
    return epoch === 0 || epoch === epochs - 1 || (epoch + 1) % this.snapshotEvery === 0;
  }

  /** A checkpoint to resume from `epoch`, `step` of this phase. */
  async checkpoint(state: PhaseState, epoch: number, step: number, totals: CheckpointTotals): Promise<void> {
    const meta = checkpointMeta(state, { epoch, step, ...totals, elapsedMs: this.trainingMs() });
    this.emit({ type: 'checkpoint', phase: state.phase, epoch, step, bytes: await encodeCheckpoint(meta, checkpointTensors(state)) });
  }
}
