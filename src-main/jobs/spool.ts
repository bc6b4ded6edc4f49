// Large payloads (checkpoints, weight snapshots: tens of MB at N ≥ 1024) do not travel through the worker's IPC
// channel. A full pipe made the host fall minutes behind a language-model worker (it saw nothing after the
// first ~19 MB checkpoint while the worker trained on), and every queued message held its copy in memory.
// The worker writes the bytes to a spool file (write to .tmp, then rename: a reader never sees half a file)
// and sends only its path; the host reads the file, records it, and deletes it.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingEvent } from '../engine/training/events';
import { pidAlive } from '../store/owners';

/** Events whose binary payload goes through a spool file. */
export type SpooledEvent =
  | { type: 'checkpoint'; phase: 'train' | 'lottery'; epoch: number; step: number; file: string }
  | {
      type: 'snapshot';
      phase: 'train' | 'lottery';
      epoch: number;
      step: number;
      file: string;
      matrices: Array<{ name: string; rows: number; cols: number; gates: number; weightBytes: number; maskBytes: number; orderBytes: number }>;
    };

let sequence = 0;

function writeAtomically(dir: string, name: string, parts: ArrayBufferView[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  const fd = openSync(`${file}.tmp`, 'w');
  try {
    for (const p of parts) writeSync(fd, p as NodeJS.ArrayBufferView);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
  return file;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Worker side: writes the payload of a checkpoint or snapshot event and returns the event that names it; null for other events. */
export function spoolEvent(e: TrainingEvent, dir: string, runId: string): SpooledEvent | null {
  if (e.type === 'checkpoint') {
    const file = writeAtomically(dir, `${runId}-${process.pid}-${++sequence}.ckpt`, [e.bytes]);
    return { type: 'checkpoint', phase: e.phase, epoch: e.epoch, step: e.step, file };
  }
  if (e.type === 'snapshot') {
    const parts: ArrayBufferView[] = [];
    const matrices = e.matrices.map((m) => {
      parts.push(m.weights, ...(m.mask ? [m.mask] : []), m.order);
      return {
        name: m.name,
        rows: m.rows,
        cols: m.cols,
        gates: m.gates,
        weightBytes: m.weights.byteLength,
        maskBytes: m.mask?.byteLength ?? 0,
        orderBytes: m.order.byteLength,
      };
    });
    const file = writeAtomically(dir, `${runId}-${process.pid}-${++sequence}.snap`, parts.map(bytesOf));
    return { type: 'snapshot', phase: e.phase, epoch: e.epoch, step: e.step, file, matrices };
  }
  return null;
}

/** A spool file the host was told about must lie in the spool folder it gave the worker. */
function assertInside(dir: string, file: string): void {
  if (!file.startsWith(join(dir, '/')) || file.includes('..')) throw new Error(`spool file '${file}' is outside the spool folder`);
}

/** Host side: the event with its payload read back; the file is deleted. */
export function unspoolEvent(e: SpooledEvent, dir: string): TrainingEvent {
  assertInside(dir, e.file);
  const raw = readFileSync(e.file);
  rmSync(e.file, { force: true });
  // A fresh, aligned copy per array (typed-array views need offsets aligned to their element size).
  let offset = 0;
  const take = (n: number) => {
    if (offset + n > raw.length) throw new Error(`spool file ${e.file} is truncated`);
    const out = new Uint8Array(n);
    out.set(raw.subarray(offset, offset + n));
    offset += n;
    return out.buffer;
  };
  if (e.type === 'checkpoint') return { type: 'checkpoint', phase: e.phase, epoch: e.epoch, step: e.step, bytes: new Uint8Array(take(raw.length)) };
  const matrices = e.matrices.map((m) => ({
    name: m.name,
    rows: m.rows,
    cols: m.cols,
    gates: m.gates,
    weights: new Float32Array(take(m.weightBytes)),
    mask: m.maskBytes ? new Float32Array(take(m.maskBytes)) : null,
    order: new Int32Array(take(m.orderBytes)),
  }));
  return { type: 'snapshot', phase: e.phase, epoch: e.epoch, step: e.step, matrices };
}

/** Removes a run's leftover spool files (a worker killed between writing and the host reading). */
export function clearSpool(dir: string, runId: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${runId}-`)) rmSync(join(dir, n), { force: true });
}

/** The default spool folder of a process: named by its pid, so that a later process can tell a dead one's. */
export const SPOOL_PREFIX = 'moduli-spool-';

/**
 * Removes the spool folders that killed processes left in `parent` (a process removes its own when it exits,
 * but not after SIGKILL or a crash). A folder is a dead process's when its pid no longer exists on this host.
 */
export function removeDeadSpools(parent: string, isAlive: (pid: number) => boolean = pidAlive): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = new RegExp(`^${SPOOL_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another user's folder, or in use: left alone.
    }
  }
  return removed;
}
