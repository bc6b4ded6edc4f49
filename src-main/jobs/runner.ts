// The job queue: runs wait as 'queued' in the store, start by priority (then age) up to the concurrency
// limit, each in its own worker process. The host process is the only writer of its runs: a worker that
// crashes or is killed cannot corrupt the database, and its run is marked failed with the reason.
//
// Ownership (store/owners.ts): this runner holds a lease; it starts only runs it queued itself or adopted from
// a dead process, and never touches runs another live process trains (their progress is read from the
// database and republished as events, so the UI shows them live).
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentConfig, primaryMetricOf } from '../schema/experiment';
import type { TrainingEvent } from '../engine/training/events';
import { preflight } from '../engine/resources';
import { ConflictError, isStorageFull, NotFoundError } from '../store/errors';
import { HEARTBEAT_MS, type OwnerLease } from '../store/owners';
import { RunRecorder } from '../store/recorder';
import type { RunStore } from '../store/run-store';
import type { RunStatus } from '../schema/run';
import { FanOut, type RunEvent } from './fanout';
import type { WorkerHost, WorkerHostFactory } from './host';
import { WorkerToHost, type HostToWorker } from './protocol';
import { clearSpool, removeDeadSpools, SPOOL_PREFIX, unspoolEvent } from './spool';

/** How long a worker may be silent before it has started training (tfjs, backend and task loading). */
const STARTUP_SILENCE_MS = 60_000;
export interface RunnerOptions {
  store: RunStore;
  createHost: WorkerHostFactory;
  /** Default: 1 per 2 CPU cores (each worker's wasm backend is single-threaded). */
  concurrency?: number;
  metricsEvery?: number;
  /** What kind of process holds the lease (shown to other processes): 'serve', 'app', 'study', … */
  ownerKind?: string;
  /** Folder for workers' checkpoint and snapshot payloads (default: a folder in the OS temp dir). */
  spoolDir?: string;
  /** A cancelled worker that has not stopped after this long is killed (default 15 s). */
  cancelGraceMs?: number;
  /** A worker that has not said 'ready' after this long is killed and its run failed (default 120 s). */
  readyTimeoutMs?: number;
  /** Refuse runs whose estimated memory exceeds this (bytes); default 80 % of physical memory. */
  maxMemoryBytes?: number;
  /**
   * A worker silent for longer than this (no event, no progress; it sends progress every second while it
   * trains) is taken as hung — stopped, deadlocked or stuck in a driver — killed, and its run recorded as
   * 'interrupted' (resumable from its last checkpoint). Raised per run to 5× the longest silence seen from
   * it, so a run whose steps are slow is not mistaken for a hung one. Default 120 s.
   */
  silenceLimitMs?: number;
  /** A worker asked to pause that has not stopped after this long (or 3× its longest silence) is killed. Default 30 s. */
  pauseGraceMs?: number;
}

export type RunnerEvent = RunEvent & { runId: string; event?: TrainingEvent; status?: string; error?: string; foreign?: boolean };

interface Active {
  host: WorkerHost;
  recorder: RunRecorder;
  done: Promise<void>;
  cancelRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  /** When the worker last sent anything, and the longest silence between two of its messages (ms). */
  lastHeard: number;
  longestSilence: number;
  /** When a pause was asked for (the watchdog bounds how long it may take). */
  pauseRequestedAt: number | null;
  /** The run has started training: before that (loading tfjs, building the task) the startup limit applies. */
  training: boolean;
  /** Why the watchdog killed the worker (the run is then 'interrupted', not 'failed'). */
  hung: string | null;
}

// Spool folders this process created, removed when it exits (one exit hook for all runners).
const ownedSpools = new Set<string>();
let exitHooked = false;
function ownSpool(dir: string): void {
  if (!exitHooked) process.once('exit', () => ownedSpools.forEach((d) => rmSync(d, { recursive: true, force: true })));
  exitHooked = true;
  ownedSpools.add(dir);
}
function releaseSpool(dir: string): void {
  ownedSpools.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Owner kinds that serve a queue for anyone (a study or a CLI train keeps to its own runs). */
const ADOPTING_KINDS = ['serve', 'app'];

const RESUMABLE: readonly RunStatus[] = ['paused', 'interrupted', 'failed', 'cancelled'];

export class JobRunner {
  readonly events = new FanOut<RunnerEvent>();
  private readonly active = new Map<string, Active>();
  private readonly resumeOnStart = new Set<string>();
  /** Final statuses that could not be written (disk full): retried by the sweep. */
  private readonly unwritten = new Map<string, { status: RunStatus; error: string | null }>();
  /** Last progress seen of runs trained by other processes. */
  private readonly foreign = new Map<string, number>();
  private readonly lease: OwnerLease;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly watchdogTimer: NodeJS.Timeout;
  readonly spoolDir: string;
  concurrency: number;
  private draining = false;
  /** Largest delay seen between a worker sending a message and this host handling it (ms). */
  maxChannelLagMs = 0;

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? Math.max(1, Math.floor(availableParallelism() / 2));
    this.lease = opts.store.registerOwner(opts.ownerKind ?? 'runner');
    if (!opts.spoolDir) removeDeadSpools(tmpdir());
    this.spoolDir = opts.spoolDir ?? join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-${this.lease.id}`);
    mkdirSync(this.spoolDir, { recursive: true });
    // The spool folder is this process's alone: gone with it (files in it are unread payloads of runs
    // that can no longer be recorded).
    if (!opts.spoolDir) ownSpool(this.spoolDir);
    this.sweepTimer = setInterval(() => this.sweep(), HEARTBEAT_MS);
    this.sweepTimer.unref();
    this.watchdogTimer = setInterval(() => this.watchdog(), 1000);
    this.watchdogTimer.unref();
  }

  /** Kills workers that went silent, or did not stop after a pause; their runs become 'interrupted' (resumable). */
  watchdog(now = Date.now()): void {
    const silenceLimit = this.opts.silenceLimitMs ?? 120_000;
    const pauseGrace = this.opts.pauseGraceMs ?? 30_000;
    for (const [runId, a] of this.active) {
      if (a.hung) continue;
      const silent = now - a.lastHeard;
      // Starting up (a loaded machine can take many seconds to load tfjs and build the task) is not a hang;
      // a start that never ends still is, after STARTUP_SILENCE_MS.
      const limit = a.training ? Math.max(silenceLimit, 5 * a.longestSilence) : Math.max(silenceLimit, STARTUP_SILENCE_MS);
      let why: string | null = null;
      if (silent > limit) why = `the worker stopped responding (silent for ${Math.round(silent / 1000)} s: stopped, deadlocked or stuck in a driver)`;
      else if (a.pauseRequestedAt !== null && now - a.pauseRequestedAt > Math.max(pauseGrace, 3 * a.longestSilence)) {
        why = `the worker did not pause within ${Math.round((now - a.pauseRequestedAt) / 1000)} s`;
      }
      if (!why) continue;
      a.hung = `${why}; it was killed, and the run resumes from its last checkpoint`;
      process.stderr.write(`moduli: run ${runId}: ${a.hung}\n`);
      a.host.kill('SIGKILL');
    }
  }

  /** Kills every worker now (a shutdown that cannot wait); their runs become 'interrupted'. */
  killAll(reason: string): void {
    for (const a of this.active.values()) {
      a.hung ??= reason;
      a.host.kill('SIGKILL');
    }
  }

  /** How this runner starts worker processes (the compute pool uses the same kind). */
  get hostFactory(): WorkerHostFactory {
    return this.opts.createHost;
  }

  /** This process's lease id (runs whose ownerId differs are trained elsewhere). */
  get ownerId(): string {
    return this.lease.id;
  }

  /**
   * On startup: runs a dead process left 'running' become 'interrupted' (resumable from their checkpoint);
   * runs it left 'queued' are adopted and start here. Runs of live processes are untouched.
   */
  recover(): string[] {
    const { interrupted } = this.opts.store.recoverOrphans(this.lease.id);
    for (const runId of interrupted) this.events.publish({ runId, type: 'status', status: 'interrupted' });
    this.schedule();
    return interrupted;
  }

  /** Validates the config (schema and memory estimate) and queues the run; throws before creating anything. */
  enqueue(config: ExperimentConfig, priority = 0): string {
    const valid = ExperimentConfig.parse(config);
    preflight(valid, this.opts.maxMemoryBytes);
    const run = this.opts.store.createRun(valid, { status: 'queued', priority, owner: this.lease.id });
    this.events.publish({ runId: run.id, type: 'status', status: 'queued' });
    this.schedule();
    return run.id;
  }

  private mustGet(runId: string) {
    const run = this.opts.store.getRun(runId);
    if (!run) throw new NotFoundError(`no run '${runId}'`);
    return run;
  }

  private elsewhere(runId: string, action: string): ConflictError {
    const o = this.opts.store.liveOwner(runId);
    const where = o ? `process ${o.pid} on ${o.host} (${o.kind})` : 'another process';
    return new ConflictError(`run ${runId} is being trained by ${where}: ${action} it there`);
  }

  /** Paused, interrupted, failed or cancelled runs continue from their last checkpoint (or restart if none). */
  resume(runId: string): void {
    const run = this.mustGet(runId);
    if (!RESUMABLE.includes(run.status)) {
      if (run.status === 'running' && !this.active.has(runId)) throw this.elsewhere(runId, 'resume');
      throw new ConflictError(`run ${runId} is ${run.status}; only paused, interrupted, failed or cancelled runs resume`);
    }
    // A run that failed for a missing corpus fails again at once with the same clear reason, not in a worker.
    preflight(run.config, this.opts.maxMemoryBytes);
    if (!this.opts.store.requeue(runId, this.lease.id, RESUMABLE)) throw new ConflictError(`run ${runId} changed state meanwhile; try again`);
    this.resumeOnStart.add(runId);
    this.events.publish({ runId, type: 'status', status: 'queued' });
    this.schedule();
  }

  /** Only active runs (queued, or running here) can be cancelled; a stuck worker is killed after a grace period. */
  cancel(runId: string): void {
    const a = this.active.get(runId);
    if (a) {
      a.cancelRequested = true;
      a.host.send({ type: 'control', command: 'cancel' } satisfies HostToWorker);
      a.killTimer ??= setTimeout(() => a.host.kill('SIGKILL'), this.opts.cancelGraceMs ?? 15_000);
      return;
    }
    const run = this.mustGet(runId);
    if (run.status === 'queued' && this.opts.store.unqueue(runId, 'cancelled')) {
      this.events.publish({ runId, type: 'status', status: 'cancelled' });
      return;
    }
    if (run.status === 'running') throw this.elsewhere(runId, 'cancel');
    throw new ConflictError(`run ${runId} is ${run.status}; only queued or running runs can be cancelled`);
  }

  /** Running runs write a checkpoint and stop ('paused'); queued runs leave the queue as 'paused'. */
  pause(runId: string): void {
    const a = this.active.get(runId);
    if (a) {
      a.pauseRequestedAt ??= Date.now();
      return void a.host.send({ type: 'control', command: 'pause' } satisfies HostToWorker);
    }
    const run = this.mustGet(runId);
    if (run.status === 'queued' && this.opts.store.unqueue(runId, 'paused')) {
      this.events.publish({ runId, type: 'status', status: 'paused' });
      return;
    }
    if (run.status === 'running') throw this.elsewhere(runId, 'pause');
    throw new ConflictError(`run ${runId} is ${run.status}; only queued or running runs can be paused`);
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

  /** Pauses every running run at a checkpoint and starts no more; resolves when all have stopped. */
  async pauseAll(): Promise<string[]> {
    this.drain();
    const ids = this.runningIds();
    for (const id of ids) this.pause(id);
    await Promise.all(ids.map((id) => this.wait(id)));
    return ids;
  }

  async waitAll(): Promise<void> {
    while (this.active.size || (!this.draining && this.opts.store.nextQueued(this.lease.id))) {
      await Promise.all([...this.active.values()].map((a) => a.done));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The threads a run with `threads: auto` gets: this machine's cores shared among the runs trained at once. */
  autoThreads(): number {
    return Math.max(1, Math.floor(availableParallelism() / Math.max(1, this.concurrency)));
  }

  /** Starts queued runs up to the concurrency limit (after runs were queued or resumed). */
  kick(): void {
    this.schedule();
  }

  runningIds(): string[] {
    return [...this.active.keys()];
  }

  /** Kills nothing: stops the sweep and gives up the lease (call when the process exits cleanly). */
  dispose(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.watchdogTimer);
    this.lease.release();
    if (!this.opts.spoolDir) releaseSpool(this.spoolDir);
  }

  private schedule(): void {
    try {
      while (this.active.size < this.concurrency) {
        const next = this.opts.store.nextQueued(this.lease.id);
        if (!next) return;
        if (this.opts.store.claimRun(next, this.lease.id)) this.start(next);
      }
    } catch (e) {
      process.stderr.write(`moduli: could not start queued runs: ${(e as Error).message}\n`);
    }
  }

  /** Periodic (every HEARTBEAT_MS): runs of processes that died become interrupted; foreign progress is republished; unwritten statuses retried. */
  sweep(): void {
    const store = this.opts.store;
    if (!store.isOpen) return;
    try {
      // A server or the app also adopts queued runs nobody trains (imported from a bundle, or left by a process
      // that died); a study or train process keeps to its own runs.
      const adopter = ADOPTING_KINDS.includes(this.opts.ownerKind ?? '') && !this.draining && this.concurrency > 0 ? this.lease.id : undefined;
      const { interrupted } = store.recoverOrphans(adopter);
      for (const runId of interrupted) this.events.publish({ runId, type: 'status', status: 'interrupted' });
      const seen = new Set<string>();
      for (const r of store.foreignRunning(this.lease.id)) {
        seen.add(r.id);
        if (this.foreign.get(r.id) === r.progressStep) continue;
        this.foreign.set(r.id, r.progressStep);
        this.events.publish({
          runId: r.id,
          type: 'progress',
          foreign: true,
          event: { type: 'progress', phase: 'train', epoch: 0, step: r.progressStep, totalSteps: 0, elapsedMs: 0, etaMs: r.etaMs },
        });
      }
      for (const id of this.foreign.keys()) {
        if (seen.has(id)) continue;
        this.foreign.delete(id);
        this.events.publish({ runId: id, type: 'status', status: store.getRun(id)?.status ?? 'unknown', foreign: true });
      }
      for (const [runId, s] of this.unwritten) {
        store.update(runId, { status: s.status, error: s.error, finishedAt: Date.now(), etaMs: null });
        this.unwritten.delete(runId);
      }
      // Queued runs that a locked database kept from starting.
      if (!this.draining) this.schedule();
    } catch {
      // The database is busy or full: the next sweep tries again.
    }
  }

  private start(runId: string): void {
    const store = this.opts.store;
    const run = store.getRun(runId)!;
    let workerError: string | null = null;
    let recordingFailed = false;
    const recordingFailure = (e: unknown) => {
      // Nothing more of this run can be stored: stop the worker now (its last checkpoint stays) and say why.
      recordingFailed = true;
      workerError = isStorageFull(e)
        ? `the database could not be written (disk or database full: ${(e as Error).message}); free space, then resume the run from its last checkpoint`
        : `could not record the run: ${(e as Error).message}`;
      host.kill('SIGKILL');
    };
    const recorder = new RunRecorder(store, runId, { primaryMetric: primaryMetricOf(run.task), onFatal: recordingFailure });
    const resume = this.resumeOnStart.delete(runId) ? store.checkpoint(runId)?.bytes : undefined;
    const host = this.opts.createHost();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const active: Active = {
      host,
      recorder,
      done,
      cancelRequested: false,
      killTimer: null,
      lastHeard: Date.now(),
      longestSilence: 0,
      pauseRequestedAt: null,
      hung: null,
      training: false,
    };
    this.active.set(runId, active);
    let readyPending = true;
    const readyTimer = setTimeout(() => {
      workerError = `the worker process did not start within ${Math.round((this.opts.readyTimeoutMs ?? 120_000) / 1000)} s`;
      host.kill('SIGKILL');
    }, this.opts.readyTimeoutMs ?? 120_000);

    const record = (event: TrainingEvent) => {
      if (event.type === 'started') active.training = true;
      try {
        recorder.handle(event);
      } catch (e) {
        return recordingFailure(e);
      }
      this.events.publish({ runId, type: event.type, event });
    };

    host.onMessage((raw) => {
      const now = Date.now();
      // The wait for 'ready' has its own timer; after it, silences measure how slow this run's steps are.
      if (!readyPending) active.longestSilence = Math.max(active.longestSilence, now - active.lastHeard);
      active.lastHeard = now;
      if (recordingFailed) return;
      const parsed = WorkerToHost.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        workerError = `invalid message from worker: ${issue?.path.join('.')}: ${issue?.message}`;
        host.kill('SIGKILL');
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'ready') {
        clearTimeout(readyTimer);
        readyPending = false;
        host.send({
          type: 'start',
          runId,
          config: run.config,
          resume,
          metricsEvery: this.opts.metricsEvery ?? 5,
          spoolDir: this.spoolDir,
          autoThreads: this.autoThreads(),
        } satisfies HostToWorker);
        return;
      }
      if (msg.type === 'error') {
        workerError = msg.message;
        return;
      }
      if (msg.type === 'result') return;
      if (msg.sentAt !== undefined) this.maxChannelLagMs = Math.max(this.maxChannelLagMs, Date.now() - msg.sentAt);
      if (msg.type === 'spooled') {
        let event: TrainingEvent;
        try {
          event = unspoolEvent(msg.event, this.spoolDir);
        } catch (e) {
          workerError = `could not read the worker's ${msg.event.type}: ${(e as Error).message}`;
          host.kill('SIGKILL');
          return;
        }
        record(event);
      } else record(msg.event as TrainingEvent);
    });

    host.onExit((code, signal) => {
      clearTimeout(readyTimer);
      if (active.killTimer) clearTimeout(active.killTimer);
      void this.recordExit(runId, active, { code, signal, workerError: () => workerError, recordingFailed: () => recordingFailed }).finally(() => {
        clearSpool(this.spoolDir, runId);
        this.active.delete(runId);
        resolveDone();
        this.schedule();
      });
    });
  }

  /**
   * After a worker exits: waits until everything it sent is recorded (a database locked by another process
   * delays this, never loses it), then records how the run ended if the worker did not say so itself.
   */
  private async recordExit(
    runId: string,
    active: Active,
    exit: { code: number | null; signal: string | null; workerError: () => string | null; recordingFailed: () => boolean },
  ): Promise<void> {
    const { store } = this.opts;
    const { recorder } = active;
    try {
      await recorder.settled().catch(() => {});
      const status = store.getRun(runId)?.status;
      if (status !== 'running') {
        if (status) this.events.publish({ runId, type: 'status', status });
        return;
      }
      const final: { status: RunStatus; error: string | null } = active.hung
        ? { status: 'interrupted', error: active.hung }
        : active.cancelRequested && !exit.recordingFailed()
          ? { status: 'cancelled', error: null }
          : {
              status: 'failed',
              error: exit.workerError() ?? (exit.signal ? `worker process killed by ${exit.signal}` : `worker process exited with code ${exit.code}`),
            };
      try {
        recorder.finish(final.status, final.error);
        await recorder.settled();
      } catch (e) {
        // Disk full (or locked past patience) even for the status: keep the process up and retry from the sweep.
        this.unwritten.set(runId, final);
        process.stderr.write(`moduli: run ${runId}: could not record '${final.status}' (${(e as Error).message}); retrying\n`);
      }
      this.events.publish({ runId, type: 'status', status: final.status, error: final.error ?? undefined });
    } catch (e) {
      process.stderr.write(`moduli: run ${runId}: ${(e as Error).message}\n`);
    } finally {
      recorder.dispose();
    }
  }
}
