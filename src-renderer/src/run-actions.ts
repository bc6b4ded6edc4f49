// Which controls a run offers. A run trained by another process (a CLI `train`, another server) shows its
// live progress but offers no Cancel, Pause or Resume: either would start a second trainer or fight the first.
import type { RunRecord } from '../../src-main/schema/run';

export interface RunActions {
  cancel: boolean;
  pause: boolean;
  resume: boolean;
  /** Running under another process's lease. */
  elsewhere: boolean;
}

const RESUMABLE = ['paused', 'interrupted', 'failed', 'cancelled'];

export function runActions(run: Pick<RunRecord, 'status' | 'ownerId'>, myOwnerId: string | null): RunActions {
  const elsewhere = run.status === 'running' && myOwnerId !== null && run.ownerId !== null && run.ownerId !== myOwnerId;
  return {
    cancel: run.status === 'queued' || (run.status === 'running' && !elsewhere),
    pause: run.status === 'queued' || (run.status === 'running' && !elsewhere),
    resume: RESUMABLE.includes(run.status),
    elsewhere,
  };
}
