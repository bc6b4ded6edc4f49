// Place codes of the next training batch, computed on a second thread while this one trains on the current
// batch. The codes are a third of a navigation step's time at N = 256 on the CPU (T·B·Np exponentials); the
// batch is a pure function of (seed, phase, epoch, step), so computing it early changes nothing but the time.
// The thread runs encodePlaceCodes from its own source text (worker_threads `eval`), so the sources, the CLI
// bundle and the Electron build need no separate entry file; positions and codes travel through shared memory.
import { Worker } from 'node:worker_threads';
import { encodePlaceCodes, type PlaceCodeSpec } from './place-cells';

const IDLE = 0;
const BUSY = 1;

function threadSource(): string {
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// esbuild's keepNames helper, should the function's text mention it.
const __name = (f) => f;
const encodePlaceCodes = ${encodePlaceCodes.toString()};
const { spec, control, positions, codes } = workerData;
const state = new Int32Array(control);
const pos = new Float64Array(positions);
const out = new Float32Array(codes);
const r2 = new Float64Array(spec.count);
const e1 = new Float64Array(spec.count);
parentPort.on('message', (rows) => {
  try {
    encodePlaceCodes(spec, pos, 0, rows, out, 0, r2, e1);
  } finally {
    Atomics.store(state, 0, ${IDLE});
    Atomics.notify(state, 0);
  }
});`;
}

export class PlaceCodeThread {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly positions: Float64Array;
  private readonly codes: Float32Array;
  private pending: { key: string; rows: number } | null = null;
  /** Set when the thread did not answer in time (it died, say): from then on the caller encodes in line. */
  private failed = false;

  /** Room for `maxRows` positions per batch. Throws if the thread cannot start (the caller encodes in line). */
  constructor(
    private readonly spec: PlaceCodeSpec,
    private readonly maxRows: number,
  ) {
    const control = new SharedArrayBuffer(4);
    const positions = new SharedArrayBuffer(maxRows * 2 * 8);
    const codes = new SharedArrayBuffer(maxRows * spec.count * 4);
    this.state = new Int32Array(control);
    this.positions = new Float64Array(positions);
    this.codes = new Float32Array(codes);
    this.worker = new Worker(threadSource(), { eval: true, workerData: { spec, control, positions, codes } });
    // Never keeps a finished process alive.
    this.worker.unref();
  }

  /** Starts encoding `rows` positions for the batch called `key` (after the previous job, if any, is done). */
  submit(key: string, positions: Float64Array, rows: number): void {
    if (this.failed || rows > this.maxRows || !this.waitIdle()) return;
    this.positions.set(positions.subarray(0, 2 * rows));
    Atomics.store(this.state, 0, BUSY);
    this.pending = { key, rows };
    this.worker.postMessage(rows);
  }

  /** The codes of batch `key` (a copy, rows × Np), waiting for the thread if needed; null if another batch is pending. */
  take(key: string): Float32Array | null {
    const job = this.pending;
    if (!job || job.key !== key) return null;
    this.pending = null;
    if (!this.waitIdle()) return null;
    return this.codes.slice(0, job.rows * this.spec.count);
  }

  /**
   * Waits (blocking: training steps are synchronous) until the thread is idle. A job takes tens of ms; no
   * answer within `limitMs` means the thread is gone (its 'error' event cannot arrive while we block), and
   * the caller encodes in line from then on.
   */
  private waitIdle(limitMs = 10_000): boolean {
    const until = Date.now() + limitMs;
    while (Atomics.load(this.state, 0) === BUSY) {
      if (Date.now() > until) {
        this.failed = true;
        void this.worker.terminate();
        return false;
      }
      Atomics.wait(this.state, 0, BUSY, 100);
    }
    return true;
  }

  dispose(): void {
    this.pending = null;
    void this.worker.terminate();
  }
}
