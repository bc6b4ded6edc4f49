// The Electron implementation of WorkerHost: each training run in its own utilityProcess (Electron's
// recommended home for CPU-heavy, crash-prone work). The worker entry is built by
// electron-vite next to the main bundle (out/main/worker.js).
import { join } from 'node:path';
import type { UtilityProcess } from 'electron';
import type { WorkerHost } from '../jobs/host';

export interface UtilityProcessApi {
  fork(modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe'; env?: NodeJS.ProcessEnv }): UtilityProcess;
}

export function workerEntryPath(mainDir: string): string {
  return join(mainDir, 'worker.js');
}

/** `cudaDevices` selects the GPUs a worker may use (CUDA_VISIBLE_DEVICES); null leaves the environment as is. */
export function utilityProcessHost(api: UtilityProcessApi, entry: string, cudaDevices: string | null = null): WorkerHost {
  const env = cudaDevices === null ? process.env : { ...process.env, CUDA_VISIBLE_DEVICES: cudaDevices };
  const child = api.fork(entry, [], { serviceName: 'Moduli training worker', stdio: 'inherit', env });
  let exited = false;
  const exitCallbacks: Array<(code: number | null, signal: string | null) => void> = [];
  child.on('exit', (code: number) => {
    exited = true;
    // utilityProcess reports no signal; a non-zero code from a kill reads as a crash.
    for (const cb of exitCallbacks) cb(code, null);
  });
  return {
    send: (m) => {
      if (!exited) child.postMessage(m);
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => exitCallbacks.push(cb),
    // SIGKILL: the worker ignores SIGTERM and SIGINT (they reach the whole process group; the host decides).
    kill: () => {
      if (child.pid === undefined || !safeKill(child.pid)) child.kill();
    },
    get pid() {
      return child.pid;
    },
  };
}

function safeKill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
