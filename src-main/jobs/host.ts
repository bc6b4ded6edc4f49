// Where a worker process comes from. The runner only knows this interface; Node's child_process.fork
// implements it here (CLI, web mode, tests), Electron's utilityProcess in src-main/main.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerHost {
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  /** code null and signal set when the process was killed. */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
  readonly pid: number | undefined;
}

export type WorkerHostFactory = () => WorkerHost;

// The built worker (out/cli/worker.mjs) sits next to the built CLI that inlines this module; from the
// TypeScript sources the worker runs through tsx.
const BUILT_WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
export const WORKER_ENTRY = existsSync(BUILT_WORKER) ? BUILT_WORKER : fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Node child process running worker.ts through tsx (no build step needed). */
export function nodeForkHost(entry = WORKER_ENTRY): WorkerHost {
  const child: ChildProcess = fork(entry, [], {
    serialization: 'advanced',
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A send racing the worker's exit fails with EPIPE as an 'error' event: without a listener it would crash the host.
  child.on('error', (e) => process.stderr.write(`moduli: worker process ${child.pid ?? '?'}: ${e.message}\n`));
  return {
    send: (m) => {
      if (child.connected) child.send(m as never, (e) => void e);
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.on('exit', cb),
    // The worker ignores SIGTERM and SIGINT (worker.ts): SIGKILL by default.
    kill: (signal = 'SIGKILL') => child.kill(signal),
    get pid() {
      return child.pid;
    },
  };
}
