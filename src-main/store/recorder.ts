// Turns a run's TrainingEvents into store writes. Metrics are buffered and written in one transaction when
// the buffer holds `maxRows` rows or `intervalMs` has passed, and always at epoch ends and at the end, so a
// crash loses at most one interval of step metrics.
import type { TrainingEvent } from '../engine/training/events';
import { deviceLabel } from '../engine/webgpu';
import type { RunStore } from './run-store';

export interface RecorderOptions {
  intervalMs?: number;
  maxRows?: number;
  /** The metric that represents the run in lists (error_cm, perplexity, mse). */
  primaryMetric: string;
}

export class RunRecorder {
  private buffer: Array<{ name: string; step: number; value: number; phase: string }> = [];
  private lastFlush = Date.now();
  private readonly intervalMs: number;
  private readonly maxRows: number;

  constructor(
    private readonly store: RunStore,
    readonly runId: string,
    private readonly opts: RecorderOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.maxRows = opts.maxRows ?? 2000;
  }

  flush(): void {
    if (this.buffer.length) this.store.appendMetrics(this.runId, this.buffer);
    this.buffer = [];
    this.lastFlush = Date.now();
  }

  private push(phase: string, step: number, values: Record<string, number>, prefix = ''): void {
    for (const [k, v] of Object.entries(values)) this.buffer.push({ name: `${phase === 'lottery' ? 'lottery/' : ''}${prefix}${k}`, step, value: v, phase });
    if (this.buffer.length >= this.maxRows || Date.now() - this.lastFlush >= this.intervalMs) this.flush();
  }

  handle(e: TrainingEvent): void {
    const s = this.store;
    switch (e.type) {
      case 'started':
        s.update(this.runId, { status: 'running', backend: e.backend.active, backendDevice: deviceLabel(e.backend), backendNotices: e.backend.notices, startedAt: Date.now(), totalSteps: e.totalSteps, error: null });
        break;
      case 'metrics':
        this.push(e.phase, e.step, e.values);
        break;
      case 'epoch': {
        const sparsity: Record<string, number> = { sparsity: e.sparsity.global, prune_amount: e.pruneAmount };
        for (const [k, v] of Object.entries(e.sparsity.perMatrix)) sparsity[`sparsity/${k}`] = v;
        for (const [k, v] of Object.entries(e.sparsity.smallWeightFraction)) sparsity[`small_weights/${k}`] = v;
        this.push(e.phase, e.step, e.valid, 'valid_');
        this.push(e.phase, e.step, sparsity);
        this.flush();
        s.recordEpoch(this.runId, { phase: e.phase, epoch: e.epoch, step: e.step, pruneAmount: e.pruneAmount, threshold: e.threshold, learningRate: e.learningRate, sparsity: e.sparsity, valid: e.valid });
        s.update(this.runId, { finalMetric: e.valid[this.opts.primaryMetric] ?? null, finalSparsity: e.sparsity.global });
        break;
      }
      case 'snapshot':
        for (const m of e.matrices) {
          s.addSnapshot(this.runId, { phase: e.phase, epoch: e.epoch, step: e.step, matrix: m.name, rows: m.rows, cols: m.cols, gates: m.gates, weights: m.weights, mask: m.mask, order: m.order });
        }
        break;
      case 'progress':
        s.update(this.runId, { progressStep: e.step, etaMs: e.etaMs });
        break;
      case 'checkpoint':
        s.saveCheckpoint(this.runId, e);
        break;
      case 'finished': {
        this.flush();
        const r = e.result;
        const headline = (r.lottery ?? r.test)[this.opts.primaryMetric];
        s.update(this.runId, {
          status: 'finished',
          finishedAt: Date.now(),
          result: r,
          etaMs: null,
          progressStep: r.steps,
          finalMetric: r.test[this.opts.primaryMetric] ?? headline ?? null,
          finalSparsity: r.sparsity.global,
        });
        break;
      }
      case 'stopped':
        this.flush();
        s.update(this.runId, { status: e.reason === 'paused' ? 'paused' : 'cancelled', etaMs: null, progressStep: e.step });
        break;
    }
  }

  /** The run failed: keep everything recorded so far and say why. */
  fail(reason: string): void {
    this.flush();
    this.store.update(this.runId, { status: 'failed', error: reason, finishedAt: Date.now(), etaMs: null });
  }
}
