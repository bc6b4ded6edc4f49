// Training through a pruned recurrent matrix (issue #15): the ReLU Elman recurrence forward and backward over
// the kept connections only, in the SIMD kernels of recurrence.wat. Per sequence of T steps, batch B, with
// nnz kept connections: forward, dh = Wᵀ·δ and dW each cost 2·nnz·B·T flops instead of 2·N²·B·T, and the
// gradient of a pruned connection is never computed (it is zero by definition: docs/method.md §4).
// The CSR structure comes from the mask and changes only when the mask does (once per epoch); the values are
// gathered from the current W at every forward pass.
// Threads (engine/threads): while helper threads run, the recurrence and backpropagation split the batch's
// lanes across them (lanes are independent sequences) and the weight gradient splits the rows, balanced by
// kept connections; the kernel's memory is shared, so helpers work in place. Every value is computed as on
// one thread (test/engine/threads.spec.ts).
import type { KernelFunction, SharedKernel } from '../../threads/matmul-threads';
import { activeThreadPool } from '../../threads/parallel-matmul';
import { align, kernelModule, loadKernel, LANES, toCsr, type KernelExports } from './recurrence';

let nextKernelId = 0;

/** [first lane, width] windows of whole 16-lane groups covering bp lanes, at most `parts` of them. */
function laneWindows(bp: number, parts: number): Array<[number, number]> {
  const groups = bp / LANES;
  const count = Math.max(1, Math.min(parts, groups));
  const windows: Array<[number, number]> = [];
  for (let p = 0, from = 0; p < count; p++) {
    const width = (Math.floor((groups * (p + 1)) / count) - Math.floor((groups * p) / count)) * LANES;
    windows.push([from, width]);
    from += width;
  }
  return windows;
}

/** Row ranges with about equal numbers of kept connections, at most `parts` of them. */
function rowRanges(rowPtr: Int32Array, parts: number): Array<[number, number]> {
  const n = rowPtr.length - 1;
  const nnz = rowPtr[n];
  const ranges: Array<[number, number]> = [];
  let from = 0;
  for (let p = 1; p <= parts && from < n; p++) {
    let to = p === parts ? n : from;
    while (to < n && rowPtr[to] < (nnz * p) / parts) to++;
    if (to > from) ranges.push([from, to]);
    from = to;
  }
  if (from < n) ranges.push([from, n]);
  return ranges.length ? ranges : [[0, n]];
}

interface Layout {
  steps: number;
  batch: number;
  bp: number;
  xRaw: number;
  h0Raw: number;
  x: number;
  h0: number;
  h: number;
  outRaw: number;
  g: number;
  dz: number;
  dh: number;
  dval: number;
  end: number;
}

export class SparseTrainingKernel {
  /** Kept connections. */
  readonly nnz: number;
  /** Flat index i·N + j in W of each kept connection, in CSR order. */
  private readonly flat: Int32Array;
  private readonly k: KernelExports = loadKernel();
  private readonly shared: SharedKernel;
  private readonly rowPtr: Int32Array;
  private readonly base: { rowPtr: number; col: number; val: number; rank: number; end: number };
  private layout: Layout | null = null;
  /** Set by forward, cleared by backward: one backward per forward, in order. */
  private pending = false;

  constructor(
    mask: ArrayLike<number>,
    readonly n: number,
  ) {
    if (mask.length !== n * n) throw new Error(`sparse training: mask has ${mask.length} entries for ${n}×${n}`);
    // The CSR of the mask's kept entries, in W's own numbering (no reordering).
    const { rowPtr, col } = toCsr(mask, n);
    const nnz = col.length;
    this.rowPtr = rowPtr;
    this.shared = { id: nextKernelId++, module: kernelModule(), memory: this.k.memory };
    this.nnz = nnz;
    this.flat = new Int32Array(nnz);
    for (let i = 0; i < n; i++) for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) this.flat[k] = i * n + col[k];
    const rp = 0;
    const c = align(rp + 4 * (n + 1));
    const v = align(c + 4 * nnz);
    const rank = align(v + 4 * nnz);
    this.base = { rowPtr: rp, col: c, val: v, rank, end: align(rank + 4 * n) };
    this.ensure(this.base.end);
    const mem = this.k.memory.buffer;
    new Int32Array(mem, rp, n + 1).set(rowPtr);
    new Int32Array(mem, c, nnz).set(col);
    // Natural neuron order (rank = identity): training needs W's own numbering.
    new Int32Array(mem, rank, n).set(Int32Array.from({ length: n }, (_, i) => i));
  }

  /** Runs `fn` once per argument list: the first on this thread, the others on helper threads at once. */
  private inParallel(fn: KernelFunction, parts: number[][]): void {
    const pool = activeThreadPool();
    const call = (args: number[]) => (this.k[fn] as (...a: number[]) => void)(...args);
    if (!pool || parts.length === 1) {
      parts.forEach(call);
      return;
    }
    for (let i = 1; i < parts.length; i++) pool.call(i - 1, this.shared, fn, parts[i]);
    let failure: unknown = null;
    try {
      call(parts[0]);
    } catch (e) {
      failure = e;
    }
    // Wait for every helper even after a failure here: none may keep working on this memory.
    for (let i = 1; i < parts.length; i++) {
      try {
        pool.collect(i - 1);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
  }

  private threads(): number {
    return activeThreadPool()?.threads ?? 1;
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  private layoutFor(steps: number, batch: number): Layout {
    const l = this.layout;
    if (l && l.steps === steps && l.batch === batch) return l;
    const n = this.n;
    const bp = Math.ceil(batch / LANES) * LANES;
    const stepBytes = 4 * n * bp;
    const rawBytes = 4 * steps * batch * n;
    const xRaw = this.base.end;
    const h0Raw = align(xRaw + rawBytes);
    const x = align(h0Raw + 4 * batch * n);
    const h0 = x + steps * stepBytes; // contiguous with x: one fill zeroes both
    const h = align(h0 + stepBytes);
    const outRaw = align(h + steps * stepBytes);
    const g = align(outRaw + rawBytes);
    const dz = align(g + steps * stepBytes);
    const dh = align(dz + steps * stepBytes);
    const dval = align(dh + stepBytes);
    const end = align(dval + 4 * this.nnz);
    this.ensure(end);
    this.layout = { steps, batch, bp, xRaw, h0Raw, x, h0, h, outRaw, g, dz, dh, dval, end };
    return this.layout;
  }

  /** H = relu(X_t + H_{t−1}·Wᵀ) for x [T·B, N] and h0 [B, N] (tfjs row-major), with W [N, N] dense → H [T·B, N]. */
  forward(w: ArrayLike<number>, x: Float32Array, h0: Float32Array, batch: number): Float32Array {
    const n = this.n;
    const steps = x.length / (batch * n);
    if (!Number.isInteger(steps) || h0.length !== batch * n || w.length !== n * n) throw new Error(`sparse training: x has ${x.length} values, h0 ${h0.length}, W ${w.length}, for batch ${batch} × ${n} neurons`);
    const l = this.layoutFor(steps, batch);
    const mem = this.k.memory.buffer;
    const val = new Float32Array(mem, this.base.val, this.nnz);
    for (let k = 0; k < this.nnz; k++) val[k] = w[this.flat[k]];
    new Float32Array(mem, l.xRaw, x.length).set(x);
    new Float32Array(mem, l.h0Raw, h0.length).set(h0);
    // Padding lanes read 0 (states stay 0 there under relu); pack writes the real lanes.
    new Float32Array(mem, l.x, (steps + 1) * n * l.bp).fill(0);
    this.k.pack(l.xRaw, l.x, steps, batch, n, l.bp, this.base.rank);
    this.k.pack(l.h0Raw, l.h0, 1, batch, n, l.bp, this.base.rank);
    const b = this.base;
    this.inParallel(
      'recur',
      laneWindows(l.bp, this.threads()).map(([from, lanes]) => [n, l.bp, steps, b.rowPtr, b.col, b.val, l.x + 4 * from, l.h0 + 4 * from, l.h + 4 * from, 1, lanes]),
    );
    this.k.unpack(l.h, l.outRaw, steps, batch, n, l.bp, this.base.rank);
    this.pending = true;
    return new Float32Array(this.k.memory.buffer, l.outRaw, x.length).slice();
  }

  /**
   * Gradients for dH = ∂L/∂H [T·B, N] of the last forward: dX [T·B, N], dh0 [B, N], and dW [N, N] dense
   * with the kept entries filled and zeros elsewhere.
   */
  backward(dH: Float32Array): { dX: Float32Array; dh0: Float32Array; dW: Float32Array } {
    const l = this.layout;
    if (!l || !this.pending) throw new Error('sparse training: backward without a forward pass');
    this.pending = false;
    const n = this.n;
    const { steps, batch, bp } = l;
    if (dH.length !== steps * batch * n) throw new Error(`sparse training: dH has ${dH.length} values, expected ${steps * batch * n}`);
    const mem = this.k.memory.buffer;
    const stepFloats = n * bp;
    new Float32Array(mem, l.xRaw, dH.length).set(dH);
    new Float32Array(mem, l.g, steps * stepFloats).fill(0);
    new Float32Array(mem, l.dh, stepFloats).fill(0);
    this.k.pack(l.xRaw, l.g, steps, batch, n, bp, this.base.rank);
    const b = this.base;
    const threads = this.threads();
    this.inParallel(
      'backwardSteps',
      laneWindows(bp, threads).map(([from, lanes]) => [n, bp, lanes, steps, b.rowPtr, b.col, b.val, l.g + 4 * from, l.dh + 4 * from, l.h + 4 * from, l.dz + 4 * from]),
    );
    this.inParallel(
      'sddmm',
      rowRanges(this.rowPtr, threads).map(([from, to]) => [n, bp, steps, b.rowPtr, b.col, l.dz, l.h0, l.h, l.dval, from, to]),
    );
    this.k.unpack(l.dz, l.outRaw, steps, batch, n, bp, this.base.rank);
    const dX = new Float32Array(this.k.memory.buffer, l.outRaw, dH.length).slice();
    this.k.unpack(l.dh, l.xRaw, 1, batch, n, bp, this.base.rank);
    const dh0 = new Float32Array(this.k.memory.buffer, l.xRaw, batch * n).slice();
    const dval = new Float32Array(this.k.memory.buffer, l.dval, this.nnz);
    const dW = new Float32Array(n * n);
    for (let k = 0; k < this.nnz; k++) dW[this.flat[k]] = dval[k];
    return { dX, dh0, dW };
  }
}
