// The job queue: runs wait as 'queued' in the store, start by priority (then age) up to the concurrency
// limit, each in its own worker process. The host process is the only writer of the database: a worker that
// crashes or is killed cannot corrupt it, and its run is marked failed with the reason.
import { availableParallelism } from 'node:os';
import type { ExperimentConfig } from '../schema/experiment';
import type { TrainingEvent } from '../engine/training/events';
import { RunRecorder, primaryMetricOf } from '../store/recorder';
import type { RunStore } from '../store/run-store';
import { FanOut, type RunEvent } from './fanout';
import type { WorkerHost, WorkerHostFactory } from './host';
import { WorkerToHost, type HostToWorker } from './protocol';

export interface RunnerOptions {
  store: RunStore;
  createHost: WorkerHostFactory;
  /** Default: 1 per 2 CPU cores (each worker's wasm backend is single-threaded). */
  concurrency?: number;
  metricsEvery?: number;
}

export type RunnerEvent = RunEvent & { runId: string; event?: TrainingEvent; status?: string; error?: string };

interface Active {
  host: WorkerHost;
  recorder: RunRecorder;
  done: Promise<void>;
}

export class JobRunner {
  readonly events = new FanOut<RunnerEvent>();
  private readonly active = new Map<string, Active>();
  private readonly resumeOnStart = new Set<string>();
  concurrency: number;
  private draining = false;

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? Math.max(1, Math.floor(availableParallelism() / 2));
  }

  /** On startup: runs a dead process left 'running' become 'interrupted' (resumable from their checkpoint). */
  recover(): string[] {
    return this.opts.store.markStaleRunning();
  }

  enqueue(config: ExperimentConfig, priority = 0): string {
    const run = this.opts.store.createRun(config, { status: 'queued', priority });
    this.events.publish({ runId: run.id, type: 'status', status: 'queued' });
    this.schedule();
    return run.id;
  }

  /** Paused, interrupted or failed runs continue from their last checkpoint (or restart if none). */
  resume(runId: string): void {
    const run = this.opts.store.getRun(runId);
    if (!run) throw new Error(`no run '${runId}'`);
    if (!['paused', 'interrupted', 'failed', 'cancelled'].includes(run.status)) throw new Error(`run ${runId} is ${run.status}; only paused, interrupted, failed or cancelled runs resume`);
    this.opts.store.update(runId, { status: 'queued', error: null });
    this.resumeOnStart.add(runId);
    this.schedule();
  }

  cancel(runId: string): void {
    const a = this.active.get(runId);
    if (a) a.host.send({ type: 'control', command: 'cancel' } satisfies HostToWorker);
    else {
      this.opts.store.update(runId, { status: 'cancelled' });
      this.events.publish({ runId, type: 'status', status: 'cancelled' });
    }
  }

  pause(runId: string): void {
    this.active.get(runId)?.host.send({ type: 'control', command: 'pause' } satisfies HostToWorker);
  }

  /** Resolves when the run leaves the running state (finished, failed, paused, cancelled). */
  async wait(runId: string): Promise<void> {
    for (;;) {
      const a = this.active.get(runId);
      if (a) await a.done;
      const status = this.opts.store.getRun(runId)?.status;
      if (status !== 'queued' && !this.active.has(runId)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stop starting queued runs (they stay queued for later); waitAll then resolves when the active ones end. */
  drain(): void {
    this.draining = true;
    this.concurrency = 0;
  }

  async waitAll(): Promise<void> {
    while (this.active.size || (!this.draining && this.opts.store.listRuns({ status: ['queued'], limit: 1 }).length)) {
      await Promise.all([...this.active.values()].map((a) => a.done));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Starts queued runs up to the concurrency limit (after runs were queued by another process). */
  kick(): void {
    this.schedule();
  }

  runningIds(): string[] {
    return [...this.active.keys()];
  }

  private schedule(): void {
    while (this.active.size < this.concurrency) {
      const next = this.opts.store.db
        .prepare("SELECT id FROM runs WHERE status = 'queued' ORDER BY priority DESC, created_at ASC LIMIT 1")
        .get() as { id: string } | undefined;
      if (!next) return;
      this.start(next.id);
    }
  }

  private start(runId: string): void {
    const store = this.opts.store;
    const run = store.getRun(runId)!;
    const recorder = new RunRecorder(store, runId, { primaryMetric: primaryMetricOf(run.task) });
    store.update(runId, { status: 'running', startedAt: Date.now(), error: null });
    const resume = this.resumeOnStart.delete(runId) ? store.checkpoint(runId)?.bytes : undefined;
    const host = this.opts.createHost();
    let workerError: string | null = null;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.active.set(runId, { host, recorder, done });

    host.onMessage((raw) => {
      const parsed = WorkerToHost.safeParse(raw);
      if (!parsed.success) {
        workerError = `invalid message from worker: ${parsed.error.issues[0]?.message}`;
        host.kill('SIGKILL');
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'ready') {
        host.send({ type: 'start', runId, config: run.config, resume, metricsEvery: this.opts.metricsEvery ?? 5 } satisfies HostToWorker);
      } else if (msg.type === 'error') {
        workerError = msg.message;
      } else {
        const event = msg.event as TrainingEvent;
        try {
          recorder.handle(event);
        } catch (e) {
          workerError = `could not record the run: ${(e as Error).message}`;
          host.send({ type: 'control', command: 'cancel' } satisfies HostToWorker);
        }
        this.events.publish({ runId, type: event.type, event });
      }
    });

    host.onExit((code, signal) => {
      const status = store.getRun(runId)?.status;
      if (status === 'running') {
        const reason = workerError ?? (signal ? `worker process killed by ${signal}` : `worker process exited with code ${code}`);
        recorder.fail(reason);
        this.events.publish({ runId, type: 'status', status: 'failed', error: reason });
      } else {
        this.events.publish({ runId, type: 'status', status: status ?? 'unknown' });
      }
      this.active.delete(runId);
      resolveDone();
      this.schedule();
    });
  }
}
