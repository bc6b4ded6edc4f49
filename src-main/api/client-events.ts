// Runner events as a renderer sees them (over SSE or IPC): binary payloads (snapshot weights, checkpoint
// bytes) are announced, not sent; the renderer fetches snapshots on demand. ClientEvent is the one type both
// ends use (api/contract.ts exports it): the renderer narrows on it instead of casting.
import type { Phase, TrainingEvent } from '../engine/training/events';
import type { RunnerEvent } from '../jobs/runner';

/** A training event as sent to a renderer: snapshots and checkpoints without their payloads. */
export type ClientTrainingEvent =
  | Exclude<TrainingEvent, { type: 'snapshot' } | { type: 'checkpoint' }>
  | { type: 'snapshot'; epoch: number; step: number; phase: Phase }
  | { type: 'checkpoint'; epoch: number; step: number };

/** Every live event a renderer receives: a run's event or status change, a menu action (desktop), or the stream coming back. */
export type ClientEvent =
  | { runId: string; type: string; event?: ClientTrainingEvent; status?: string; error?: string; foreign?: boolean }
  | { runId: ''; type: 'menu'; action: string }
  | { runId: ''; type: 'reconnected' };

export function eventForClient(e: RunnerEvent): ClientEvent {
  const ev = e.event;
  if (ev?.type === 'checkpoint') return { runId: e.runId, type: e.type, event: { type: 'checkpoint', epoch: ev.epoch, step: ev.step } };
  if (ev?.type === 'snapshot') return { runId: e.runId, type: e.type, event: { type: 'snapshot', epoch: ev.epoch, step: ev.step, phase: ev.phase } };
  return { runId: e.runId, type: e.type, event: ev, status: e.status, error: e.error, foreign: e.foreign };
}
