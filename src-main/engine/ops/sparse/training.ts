// Training through a pruned recurrent matrix (issue #15): the ReLU Elman recurrence forward and backward over
// the kept connections only, in the SIMD kernels of recurrence.wat. Per sequence of T steps, batch B, with
// nnz kept connections: forward, dh = Wᵀ·δ and dW each cost 2·nnz·B·T flops instead of 2·N²·B·T, and the
// gradient of a pruned connection is never computed (it is zero by definition: docs/method.md §4).
// The CSR structure comes from the mask and changes only when the mask does (once per epoch); the values are
// gathered from the current W at every forward pass.
// Threads (engine/threads): the batch is held in blocks of lanes, each block its own contiguous buffers
// (sequences are independent). Helper threads take whole blocks of the recurrence and the backpropagation,
// and compute each block's share of the weight gradient, added in block order afterwards; the kernel's
// memory is shared, so helpers work in place. The blocks depend on the batch size only,
// so every value is the same on any number of threads (test/engine/threads.spec.ts). Why separate blocks:
// with threads updating neighbouring lane windows of the same rows, the backward pass ran 2–4× *slower* on
// 2 threads than on 1 (the cores' prefetchers fetch each other's lines), with separate blocks it scales.
import type { SharedKernel } from '../../threads/helper-threads';
import { threadsInUse, runningHelpers } from '../../threads/parallel-matmul';
import { kernelModule, loadKernel, LANES, toCsr, type KernelExports } from './recurrence';

let nextKernelId = 0;

/** Buffers start on 128-byte line pairs. */
const align = (bytes: number) => Math.ceil(bytes / 128) * 128;
/** At most this many lane blocks (helper jobs carry one call per block). */
const MAX_BLOCKS = 16;
/**
 * Kernel calls with less work than this (kept connections × lanes × steps multiply-adds) stay on this thread.
 * Waking a helper that slept through the dense part of a step costs about a millisecond on a virtual machine:
 * the quick navigation preset (N = 128, batch 64: 2 M per call) trained its 1,800 sparse steps 10 s *slower*
 * on 2 threads than on 1 (`npm run bench:sparse-run -- --preset quick --threads 1,2`), while N = 512 and 1024
 * (≥ 100 M per call) gain.
 */
export const SPARSE_PARALLEL_MIN_WORK = 1 << 26;
let minSparseWork = SPARSE_PARALLEL_MIN_WORK;

/** Tests: split kernel calls from this much work on (restore with the returned function). */
export function setSparseParallelMinimum(work: number): () => void {
  const before = minSparseWork;
  minSparseWork = work;
  return () => {
    minSparseWork = before;
  };
}

/** Lane blocks for a batch: [first sequence, sequences, lanes] with lanes a multiple of 16, ≥ 32 each. */
export function laneBlocks(batch: number): Array<[number, number, number]> {
  const width = Math.max(2 * LANES, Math.ceil(batch / MAX_BLOCKS / LANES) * LANES);
  const blocks: Array<[number, number, number]> = [];
  for (let from = 0; from < batch; from += width) {
    const count = Math.min(width, batch - from);
    blocks.push([from, count, Math.ceil(count / LANES) * LANES]);
  }
  return blocks;
}

/** Consecutive runs of items split into at most `parts` groups of about equal weight. */
function balanced<T>(items: T[], weight: (t: T) => number, parts: number): T[][] {
  const total = items.reduce((s, t) => s + weight(t), 0);
  const groups: T[][] = [];
  let current: T[] = [];
  let done = 0;
  for (const item of items) {
    current.push(item);
    done += weight(item);
    if (groups.length < parts - 1 && done >= (total * (groups.length + 1)) / parts) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length) groups.push(current);
  return groups;
}

interface Block {
  /** First sequence of the batch in this block, sequences, lanes (padded to 16). */
  from: number;
  count: number;
  lanes: number;
  x: number;
  h0: number;
  h: number;
  g: number;
  dz: number;
  dh: number;
  /** This block's share of dW at the kept connections (the blocks' shares are added in block order). */
  dval: number;
}

interface Layout {
  steps: number;
  batch: number;
  xRaw: number;
  h0Raw: number;
  outRaw: number;
  blocks: Block[];
  end: number;
}

/** The kernel's functions that helper threads run on its shared memory (recurrence.wat exports them). */
const HELPER_FUNCTIONS = ['recur', 'backwardSteps', 'sddmm'] as const;
type HelperFunction = (typeof HELPER_FUNCTIONS)[number];

export class SparseTrainingKernel {
  /** Kept connections. */
  readonly nnz: number;
  /** Flat index i·N + j in W of each kept connection, in CSR order. */
  private readonly flat: Int32Array;
  private readonly k: KernelExports = loadKernel();
  private readonly shared: SharedKernel;
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
    this.shared = { id: nextKernelId++, module: kernelModule(), memory: this.k.memory, functions: HELPER_FUNCTIONS };
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

  /** Runs `fn` for every argument list of every group: group 0 on this thread, the others on helpers at once. */
  private inParallel(fn: HelperFunction, groups: number[][][]): void {
    const pool = runningHelpers();
    const run = (calls: number[][]) => {
      for (const args of calls) (this.k[fn] as (...a: number[]) => void)(...args);
    };
    if (!pool || groups.length === 1) {
      groups.forEach(run);
      return;
    }
    for (let i = 1; i < groups.length; i++) pool.call(i - 1, this.shared, fn, groups[i]);
    let failure: unknown = null;
    try {
      run(groups[0]);
    } catch (e) {
      failure = e;
    }
    // Wait for every helper even after a failure here: none may keep working on this memory.
    for (let i = 1; i < groups.length; i++) {
      try {
        pool.collect(i - 1);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
  }

  /** The blocks in at most as many groups as threads run, balanced by lanes (one group for little work). */
  private blockGroups(blocks: Block[], steps: number): Block[][] {
    const lanes = blocks.reduce((s, b) => s + b.lanes, 0);
    const threads = this.nnz * lanes * steps < minSparseWork ? 1 : threadsInUse();
    return balanced(blocks, (b) => b.lanes, threads);
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  private layoutFor(steps: number, batch: number): Layout {
    const l = this.layout;
    if (l && l.steps === steps && l.batch === batch) return l;
    const n = this.n;
    const rawBytes = 4 * steps * batch * n;
    const xRaw = this.base.end;
    const h0Raw = align(xRaw + rawBytes);
    const outRaw = align(h0Raw + 4 * batch * n);
    let at = align(outRaw + rawBytes);
    const blocks = laneBlocks(batch).map(([from, count, lanes]) => {
      const stepBytes = 4 * n * lanes;
      const x = at;
      const h0 = x + steps * stepBytes; // contiguous with x: one fill zeroes both
      const h = align(h0 + stepBytes);
      const g = align(h + steps * stepBytes);
      const dz = align(g + steps * stepBytes);
      const dh = align(dz + steps * stepBytes);
      const dval = align(dh + stepBytes);
      at = align(dval + 4 * this.nnz);
      return { from, count, lanes, x, h0, h, g, dz, dh, dval };
    });
    this.ensure(at);
    this.layout = { steps, batch, xRaw, h0Raw, outRaw, blocks, end: at };
    return this.layout;
  }

  /** Tfjs rows [t][b][i] of sequences block.from… → the block's neuron-major rows, one step at a time. */
  private packBlock(src: number, dst: number, b: Block, steps: number, batch: number): void {
    const stepBytes = 4 * this.n * b.lanes;
    for (let t = 0; t < steps; t++) this.k.pack(src + 4 * (t * batch + b.from) * this.n, dst + t * stepBytes, 1, b.count, this.n, b.lanes, this.base.rank);
  }

  private unpackBlock(src: number, dst: number, b: Block, steps: number, batch: number): void {
    const stepBytes = 4 * this.n * b.lanes;
    for (let t = 0; t < steps; t++) this.k.unpack(src + t * stepBytes, dst + 4 * (t * batch + b.from) * this.n, 1, b.count, this.n, b.lanes, this.base.rank);
  }

  /** H = relu(X_t + H_{t−1}·Wᵀ) for x [T·B, N] and h0 [B, N] (tfjs row-major), with W [N, N] dense → H [T·B, N]. */
  forward(w: ArrayLike<number>, x: Float32Array, h0: Float32Array, batch: number): Float32Array {
    const n = this.n;
    const steps = x.length / (batch * n);
    if (!Number.isInteger(steps) || h0.length !== batch * n || w.length !== n * n)
      throw new Error(`sparse training: x has ${x.length} values, h0 ${h0.length}, W ${w.length}, for batch ${batch} × ${n} neurons`);
    const l = this.layoutFor(steps, batch);
    const mem = this.k.memory.buffer;
    const val = new Float32Array(mem, this.base.val, this.nnz);
    for (let k = 0; k < this.nnz; k++) val[k] = w[this.flat[k]];
    new Float32Array(mem, l.xRaw, x.length).set(x);
    new Float32Array(mem, l.h0Raw, h0.length).set(h0);
    for (const b of l.blocks) {
      // Padding lanes read 0 (states stay 0 there under relu); pack writes the real lanes.
      new Float32Array(mem, b.x, (steps + 1) * n * b.lanes).fill(0);
      this.packBlock(l.xRaw, b.x, b, steps, batch);
      this.k.pack(l.h0Raw + 4 * b.from * n, b.h0, 1, b.count, n, b.lanes, this.base.rank);
    }
    const { rowPtr, col, val: v } = this.base;
    this.inParallel(
      'recur',
      this.blockGroups(l.blocks, steps).map((group) => group.map((b) => [n, b.lanes, steps, rowPtr, col, v, b.x, b.h0, b.h, 1])),
    );
    for (const b of l.blocks) this.unpackBlock(b.h, l.outRaw, b, steps, batch);
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
    const { steps, batch } = l;
    if (dH.length !== steps * batch * n) throw new Error(`sparse training: dH has ${dH.length} values, expected ${steps * batch * n}`);
    const mem = this.k.memory.buffer;
    new Float32Array(mem, l.xRaw, dH.length).set(dH);
    for (const b of l.blocks) {
      new Float32Array(mem, b.g, steps * n * b.lanes).fill(0);
      new Float32Array(mem, b.dh, n * b.lanes).fill(0);
      this.packBlock(l.xRaw, b.g, b, steps, batch);
    }
    const { rowPtr, col, val } = this.base;
    this.inParallel(
      'backwardSteps',
      this.blockGroups(l.blocks, steps).map((group) => group.map((b) => [n, b.lanes, steps, rowPtr, col, val, b.g, b.dh, b.h, b.dz])),
    );
    // dW per block (each thread reads only its blocks' states), then the blocks' shares added in block order.
    this.inParallel(
      'sddmm',
      this.blockGroups(l.blocks, steps).map((group) => group.map((b) => [n, b.lanes, steps, rowPtr, col, b.dz, b.h0, b.h, b.dval])),
    );
    for (const b of l.blocks) this.unpackBlock(b.dz, l.outRaw, b, steps, batch);
    const dX = new Float32Array(this.k.memory.buffer, l.outRaw, dH.length).slice();
    for (const b of l.blocks) this.k.unpack(b.dh, l.xRaw + 4 * b.from * n, 1, b.count, n, b.lanes, this.base.rank);
    const dh0 = new Float32Array(this.k.memory.buffer, l.xRaw, batch * n).slice();
    const shares = l.blocks.map((b) => new Float32Array(this.k.memory.buffer, b.dval, this.nnz));
    const dW = new Float32Array(n * n);
    for (let k = 0; k < this.nnz; k++) {
      let sum = shares[0][k];
      for (let s = 1; s < shares.length; s++) sum += shares[s][k];
      dW[this.flat[k]] = sum;
    }
    return { dX, dh0, dW };
  }
}
