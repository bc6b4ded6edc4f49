// Turns a run's TrainingEvents into store writes. Step metrics are buffered and written with the next event
// that touches the database (or when the buffer holds `maxRows` rows or `intervalMs` has passed), so a crash
// loses at most one interval of step metrics.
//
// Another process may hold the database's write lock for a while (a backup, a second app, a `sqlite3` shell).
// That must never fail a run nor lose a record, nor stall the process: each event is written in one
// transaction, all or nothing; an event the lock refuses waits in order, with every later one, and is retried
// from a timer (the store's busy timeout is short in long-lived processes, so one try blocks the event loop
// for at most that long). Only a lock held past `lockPatienceMs` counts as a failure.
import type { TrainingEvent } from '../engine/training/events';
import { deviceLabel } from '../engine/webgpu';
import type { RunStatus } from '../schema/run';
import { isBusy } from './errors';
import type { RunStore } from './run-store';

export interface RecorderOptions {
  intervalMs?: number;
  maxRows?: number;
  /** The metric that represents the run in lists (error_cm, perplexity, mse). */
  primaryMetric: string;
  /** How long the database may stay locked by another process before recording counts as failed (default 10 min). */
  lockPatienceMs?: number;
  /** A write that cannot succeed (disk full, the lock held past patience) found while retrying from a timer. */
  onFatal?: (error: Error) => void;
}

type Row = { name: string; step: number; value: number; phase: string };
/** What waits to be written: a training event, the run's final status decided by the host, or buffered metric rows. */
type Entry = { event: TrainingEvent } | { status: RunStatus; error: string | null } | { flush: true };

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2000;

const NOTHING = () => {};

class DatabaseLockedTooLong extends Error {}

export class RunRecorder {
  private buffer: Row[] = [];
  private lastFlush = Date.now();
  private readonly queue: Entry[] = [];
  private lockedSince: number | null = null;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private fatal: Error | null = null;
  private idle: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
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

  /** Records the event now, or after the events still waiting for the database. Throws only a fatal error. */
  handle(event: TrainingEvent): void {
    if (event.type !== 'metrics') return this.enqueue({ event });
    // Step metrics only go to the buffer (memory); whichever write commits next takes them along.
    for (const [k, v] of Object.entries(event.values)) this.buffer.push(this.row(event.phase, event.step, k, v));
    if (this.buffer.length >= this.maxRows || Date.now() - this.lastFlush >= this.intervalMs) this.enqueue({ flush: true });
  }

  /** The run failed: keep everything recorded so far and say why. */
  fail(reason: string): void {
    this.enqueue({ status: 'failed', error: reason });
  }

  /** Sets the run's final status (after every event before it). */
  finish(status: RunStatus, error: string | null = null): void {
    this.enqueue({ status, error });
  }

  /** True while events wait because another process holds the database. */
  get waitingForLock(): boolean {
    return this.queue.length > 0;
  }

  /** Resolves when everything handed over so far is written; rejects with the fatal error if one occurred. */
  settled(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (!this.queue.length) return Promise.resolve();
    return new Promise((resolve, reject) => this.idle.push({ resolve, reject }));
  }

  private enqueue(entry: Entry): void {
    if (this.fatal) throw this.fatal;
    this.queue.push(entry);
    if (this.queue.length === 1) this.drain(false);
  }

  /** Writes waiting entries in order until the queue is empty or the lock refuses one. */
  private drain(fromTimer: boolean): void {
    this.retryTimer = null;
    while (this.queue.length) {
      try {
        this.apply(this.queue[0]);
      } catch (e) {
        let error = e as Error;
        if (isBusy(e)) {
          const now = Date.now();
          this.lockedSince ??= now;
          if (now - this.lockedSince <= (this.opts.lockPatienceMs ?? 10 * 60_000)) {
            this.retryTimer = setTimeout(() => this.drain(true), this.retryMs);
            this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
            return;
          }
          error = new DatabaseLockedTooLong(`the database has been locked by another process for ${Math.round((now - this.lockedSince) / 1000)} s`);
        }
        this.fatal = error;
        this.idle.splice(0).forEach((w) => w.reject(this.fatal!));
        if (fromTimer && this.opts.onFatal) return this.opts.onFatal(this.fatal);
        throw this.fatal;
      }
      this.queue.shift();
      this.lockedSince = null;
      this.retryMs = RETRY_FIRST_MS;
    }
    this.idle.splice(0).forEach((w) => w.resolve());
  }

  /** One entry, all or nothing: its metric rows and writes in one transaction; the buffer is cleared after commit. */
  private apply(entry: Entry): void {
    if ('flush' in entry) return this.commit([], NOTHING);
    if ('status' in entry) {
      const { status, error } = entry;
      this.commit([], () => this.store.update(this.runId, { status, error, finishedAt: Date.now(), etaMs: null }));
      return;
    }
    const e = entry.event;
    this.commit(this.rowsOf(e), () => this.write(e));
  }

  private commit(rows: Row[], write: () => void): void {
    const all = this.buffer.length ? [...this.buffer, ...rows] : rows;
    if (!all.length && write === NOTHING) return;
    this.store.transaction(() => {
      if (all.length) this.store.appendMetrics(this.runId, all);
      write();
    });
    this.buffer = [];
    this.lastFlush = Date.now();
  }

  private row(phase: string, step: number, name: string, value: number, prefix = ''): Row {
    return { name: `${phase === 'lottery' ? 'lottery/' : ''}${prefix}${name}`, step, value, phase };
  }

  /** Metric rows an event adds besides its own table writes (epoch-end validation and sparsity). */
  private rowsOf(e: TrainingEvent): Row[] {
    if (e.type !== 'epoch') return [];
    const sparsity: Record<string, number> = { sparsity: e.sparsity.global, prune_amount: e.pruneAmount };
    for (const [k, v] of Object.entries(e.sparsity.perMatrix)) sparsity[`sparsity/${k}`] = v;
    for (const [k, v] of Object.entries(e.sparsity.smallWeightFraction)) sparsity[`small_weights/${k}`] = v;
    return [
      ...Object.entries(e.valid).map(([k, v]) => this.row(e.phase, e.step, k, v, 'valid_')),
      ...Object.entries(sparsity).map(([k, v]) => this.row(e.phase, e.step, k, v)),
    ];
  }

  private write(e: TrainingEvent): void {
    const s = this.store;
    switch (e.type) {
      case 'started':
        s.update(this.runId, {
          status: 'running',
          backend: e.backend.active,
          backendDevice: deviceLabel(e.backend),
          backendNotices: e.backend.notices,
          startedAt: Date.now(),
          totalSteps: e.totalSteps,
          error: null,
        });
        if (e.engineVersion) s.recordEngineVersion(this.runId, e.engineVersion);
        break;
      case 'metrics':
        break;
      case 'epoch':
        s.recordEpoch(this.runId, {
          phase: e.phase,
          epoch: e.epoch,
          step: e.step,
          pruneAmount: e.pruneAmount,
          threshold: e.threshold,
          learningRate: e.learningRate,
          sparsity: e.sparsity,
          valid: e.valid,
        });
        s.update(this.runId, { finalMetric: e.valid[this.opts.primaryMetric] ?? null, finalSparsity: e.sparsity.global });
        break;
      case 'snapshot':
        for (const m of e.matrices) {
          s.addSnapshot(this.runId, {
            phase: e.phase,
            epoch: e.epoch,
            step: e.step,
            matrix: m.name,
            rows: m.rows,
            cols: m.cols,
            gates: m.gates,
            weights: m.weights,
            mask: m.mask,
            order: m.order,
          });
        }
        break;
      case 'progress':
        s.update(this.runId, { progressStep: e.step, etaMs: e.etaMs });
        break;
      case 'checkpoint':
        s.saveCheckpoint(this.runId, e);
        break;
      case 'finished': {
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
        s.update(this.runId, { status: e.reason === 'paused' ? 'paused' : 'cancelled', etaMs: null, progressStep: e.step });
        break;
    }
  }

  /** Stops retrying (the process is shutting down); what still waits is lost with the process, as in a crash. */
  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
