// Runner events as a renderer sees them (over SSE or IPC): binary payloads (snapshot weights, checkpoint
// bytes) are announced, not sent; the renderer fetches snapshots on demand.
import type { RunnerEvent } from '../jobs/runner';

export function eventForClient(e: RunnerEvent): unknown {
  const ev = e.event as { type: string; [k: string]: unknown } | undefined;
  if (ev?.type === 'checkpoint') return { runId: e.runId, type: e.type, event: { type: 'checkpoint', epoch: ev.epoch, step: ev.step } };
  if (ev?.type === 'snapshot') return { runId: e.runId, type: e.type, event: { type: 'snapshot', epoch: ev.epoch, step: ev.step, phase: ev.phase } };
  return e;
}
