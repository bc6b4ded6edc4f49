// The training worker: one process per run. Started by a WorkerHost (Node fork or Electron utilityProcess);
// receives 'start', streams TrainingEvents back, obeys pause/cancel between steps, exits when done.
import { runExperiment, RunStopped } from '../engine/training/trainer';
import type { TrainingEvent } from '../engine/training/events';
import { HostToWorker, type ComputeJobParsed, type WorkerToHost } from './protocol';
import { spoolEvent } from './spool';
import { penaltyView } from '../engine/geometry/view';

interface Channel {
  send(msg: WorkerToHost): void;
  onMessage(cb: (msg: unknown) => void): void;
  /** Resolves once every message sent so far has left the process. */
  drained(): Promise<void>;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

function channel(): Channel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort)
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)),
      drained: () => new Promise((r) => setImmediate(r)),
    };
  if (!process.send) throw new Error('worker.ts must be started by a job host (no IPC channel)');
  // A host killed outright (kill -9) cannot stop us: without a parent nobody records our work, so stop too.
  // The run stays 'running' in the database and becomes 'interrupted' (resumable) when the host restarts.
  process.on('disconnect', () => process.exit(70));
  // process.send is asynchronous: exiting right after it loses what is still queued (measured: a run's final
  // snapshot, checkpoint and 'finished' event vanished and the run was recorded as failed). Count them out.
  let pending = 0;
  let wake: (() => void) | null = null;
  return {
    send: (m) => {
      pending++;
      process.send!(m, undefined, {}, () => {
        if (--pending === 0) wake?.();
      });
    },
    onMessage: (cb) => process.on('message', cb),
    drained: () => (pending === 0 ? Promise.resolve() : new Promise((r) => (wake = r))),
  };
}

async function exitWhenSent(code: number): Promise<never> {
  await ch.drained();
  process.exit(code);
}

async function computeJob(job: ComputeJobParsed): Promise<unknown> {
  if (job.kind === 'penaltyView') return penaltyView(job.spec, job.n, job.seed, job.maxCN);
  // The store is loaded only for these jobs: a training worker never opens the database.
  const { RunStore } = await import('../store/run-store');
  const store = RunStore.open(job.database, { nativeBinding: job.nativeBinding });
  try {
    if (job.kind === 'runStructure') {
      const { runStructureOf } = await import('../queries/study');
      return runStructureOf(store, job.runId);
    }
    const { importBundleFile } = await import('../store/bundle');
    return importBundleFile(store, job.file);
  } finally {
    store.close();
  }
}

const ch = channel();
// Ctrl-C in a terminal (and a SIGTERM sent to the process group) reaches every process of the group: the
// host pauses its runs at a checkpoint and then stops its workers; a worker that exited on its own here
// would lose the run's progress since its last checkpoint (its run would read 'failed — killed by SIGINT').
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
let command: 'run' | 'pause' | 'cancel' = 'run';
let started = false;

/** One event to the host: checkpoint and snapshot payloads through a spool file when the host gave a folder. */
function sendEvent(event: TrainingEvent, spoolDir: string | undefined, runId: string): void {
  const spooled = spoolDir ? spoolEvent(event, spoolDir, runId) : null;
  if (spooled) ch.send({ type: 'spooled', event: spooled, sentAt: Date.now() });
  else ch.send({ type: 'event', event, sentAt: Date.now() } as WorkerToHost);
}

ch.onMessage(async (raw) => {
  const parsed = HostToWorker.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    ch.send({ type: 'error', message: `worker: invalid message from host: ${issue?.path.join('.') || '(message)'}: ${issue?.message}` });
    // A worker that cannot start must not linger: its run would stay 'running' at step 0 and hold a queue slot.
    if (!started) await exitWhenSent(1);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'compute') {
    started = true;
    try {
      ch.send({ type: 'result', value: await computeJob(msg.job) });
      await exitWhenSent(0);
    } catch (err) {
      ch.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      await exitWhenSent(1);
    }
    return;
  }
  if (msg.type === 'control') {
    command = msg.command;
    // Cancelled before the run started: nothing to stop gracefully.
    if (!started && msg.command === 'cancel') await exitWhenSent(0);
    return;
  }
  if (started) return;
  started = true;
  try {
    await runExperiment(msg.config, {
      resume: msg.resume,
      metricsEvery: msg.metricsEvery,
      autoThreads: msg.autoThreads,
      control: () => command,
      onEvent: (event: TrainingEvent) => sendEvent(event, msg.spoolDir, msg.runId),
    });
    await exitWhenSent(0);
  } catch (err) {
    if (err instanceof RunStopped) await exitWhenSent(0);
    ch.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    await exitWhenSent(1);
  }
});
ch.send({ type: 'ready' });
