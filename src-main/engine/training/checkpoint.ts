// Checkpoint container: one self-describing binary blob (no filesystem here; the store decides where it goes).
// Layout: magic 'MWCKPT01' | u32 header length | UTF-8 JSON header | float32 payload (4-byte aligned).
import * as tf from '@tensorflow/tfjs';
import { readFloats } from '../read';

const MAGIC = 'MWCKPT01';

export interface CheckpointMeta {
  phase: 'train' | 'lottery';
  /** Next epoch to run and next step within it. */
  epoch: number;
  step: number;
  globalStep: number;
  learningRate: number;
  optimizerStep: number;
  taskState: Record<string, number>;
  /** Pruned fraction most recently applied in this phase. */
  pruneAmount: number;
  /** Test metrics of the finished training phase, kept for the final summary when resuming the lottery. */
  trainResult?: Record<string, number>;
  /** Test metrics at the end of the last pruning epoch, when later epochs train on (RunResult.endpoint). */
  endpointResult?: Record<string, number>;
  /** Training wall time before this checkpoint (absent in checkpoints written before it was recorded). */
  elapsedMs?: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

interface Entry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export async function encodeCheckpoint(meta: CheckpointMeta, tensors: Record<string, tf.Tensor>): Promise<Uint8Array> {
  const entries: Entry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const f32 = await readFloats(t);
    entries.push({ name, shape: t.shape, offset, length: f32.length });
    arrays.push(f32);
    offset += f32.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, entries }));
  const headerPadded = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4;
  const out = new Uint8Array(headerPadded + offset * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  const payload = new Float32Array(out.buffer, headerPadded, offset);
  let o = 0;
  for (const a of arrays) {
    payload.set(a, o);
    o += a.length;
  }
  return out;
}

export class CheckpointError extends Error {}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const fail = (why: string): never => {
    throw new CheckpointError(`checkpoint is corrupt: ${why}`);
  };
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) fail('bad magic');
  // Copy into an aligned buffer (a Node Buffer slice may start at any offset).
  const buf = new Uint8Array(bytes.length);
  buf.set(bytes);
  const headerLength = new DataView(buf.buffer).getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > buf.length) fail('header length beyond end of file');
  let header: { meta: CheckpointMeta; entries: Entry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)));
  } catch {
    return fail('header is not JSON');
  }
  const start = Math.ceil((MAGIC.length + 4 + headerLength) / 4) * 4;
  const floats = (buf.length - start) / 4;
  if (!Number.isInteger(floats)) fail('payload is not whole float32 values');
  const payload = new Float32Array(buf.buffer, start, floats);
  const tensors: Checkpoint['tensors'] = {};
  for (const e of header.entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length || e.offset + e.length > floats) fail(`tensor '${e.name}' does not fit the payload`);
    tensors[e.name] = { shape: e.shape, data: payload.slice(e.offset, e.offset + e.length) };
  }
  return { meta: header.meta, tensors };
}
