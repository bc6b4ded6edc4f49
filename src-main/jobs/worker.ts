// The training worker: one process per run. Started by a WorkerHost (Node fork or Electron utilityProcess);
// receives 'start', streams TrainingEvents back, obeys pause/cancel between steps, exits when done.
import { runExperiment, RunStopped } from '../engine/training/trainer';
import type { TrainingEvent } from '../engine/training/events';
import { HostToWorker, type WorkerToHost } from './protocol';

interface Channel {
  send(msg: WorkerToHost): void;
  onMessage(cb: (msg: unknown) => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

function channel(): Channel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) return { send: (m) => parentPort.postMessage(m), onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)) };
  if (!process.send) throw new Error('worker.ts must be started by a job host (no IPC channel)');
  return { send: (m) => process.send!(m), onMessage: (cb) => process.on('message', cb) };
}

const ch = channel();
let command: 'run' | 'pause' | 'cancel' = 'run';
let started = false;

ch.onMessage(async (raw) => {
  const parsed = HostToWorker.safeParse(raw);
  if (!parsed.success) {
    ch.send({ type: 'error', message: `worker: invalid message from host: ${parsed.error.issues[0]?.message}` });
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'control') {
    command = msg.command;
    return;
  }
  if (started) return;
  started = true;
  try {
    await runExperiment(msg.config, {
      resume: msg.resume,
      metricsEvery: msg.metricsEvery,
      control: () => command,
      onEvent: (event: TrainingEvent) => ch.send({ type: 'event', event } as WorkerToHost),
    });
    process.exit(0);
  } catch (err) {
    if (err instanceof RunStopped) process.exit(0);
    ch.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
});
ch.send({ type: 'ready' });
