// Inference with a pruned recurrent matrix: the Elman recurrence H_t = act(X_t + H_{t−1}·Wᵀ) over a whole
// sequence, with W in CSR form and the loop in a WebAssembly SIMD kernel (recurrence.wat). At 90 % sparsity
// it does a tenth of the dense multiply-adds; the dense path is tfjs's matMul. Optionally the neurons are
// renumbered in embedding order first, so a geometrically regularised W is near-banded and the states a row
// reads sit close together in memory (bench/sparse.bench.ts measures whether that helps).
// Layouts: callers use tfjs's [T·B, N] (time-major rows, neurons along columns); the kernel wants
// neuron-major rows with the batch contiguous and padded to 16 lanes. The kernel's pack/unpack convert (and
// permute) inside wasm memory: the same strided loops in JS cost more than the recurrence itself.
import { RECURRENCE_WASM_BASE64 } from './recurrence.wasm';

export interface CsrMatrix {
  n: number;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float32Array;
  /** Row/column p of this matrix is neuron perm[p] of the original. */
  perm: Int32Array;
}

/** CSR of the nonzeros of a row-major N×N W (W[i, j]: j → i), renumbered by `order` when given. */
export function toCsr(W: ArrayLike<number>, n: number, order?: ArrayLike<number>): CsrMatrix {
  const perm = order ? Int32Array.from(order) : Int32Array.from({ length: n }, (_, i) => i);
  if (perm.length !== n) throw new Error(`sparse recurrence: order has ${perm.length} entries for ${n} neurons`);
  const rank = new Int32Array(n).fill(-1);
  perm.forEach((old, p) => (rank[old] = p));
  if (rank.includes(-1)) throw new Error('sparse recurrence: order is not a permutation');
  let nnz = 0;
  for (let k = 0; k < n * n; k++) if (W[k] !== 0) nnz++;
  const rowPtr = new Int32Array(n + 1);
  const col = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let k = 0;
  for (let p = 0; p < n; p++) {
    const i = perm[p];
    // Columns in new numbering, ascending, so consecutive kept weights read nearby states.
    const cols: number[] = [];
    for (let j = 0; j < n; j++) if (W[i * n + j] !== 0) cols.push(rank[j]);
    cols.sort((a, b) => a - b);
    for (const q of cols) {
      col[k] = q;
      val[k] = W[i * n + perm[q]];
      k++;
    }
    rowPtr[p + 1] = k;
  }
  return { n, rowPtr, col, val, perm };
}

// The engine's tsconfig has no DOM/WebAssembly lib; this is the little of the API the kernel needs.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => KernelMemory;
}

/** The kernel's shared linear memory (helper threads run the kernel on it too: engine/threads). */
export interface KernelMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface KernelExports {
  memory: KernelMemory;
  recur(n: number, bp: number, steps: number, rowPtr: number, col: number, val: number, x: number, h0: number, h: number, relu: number): void;
  pack(src: number, dst: number, steps: number, batch: number, n: number, bp: number, rank: number): void;
  unpack(src: number, dst: number, steps: number, batch: number, n: number, bp: number, rank: number): void;
  reluBack(g: number, d: number, h: number, dz: number, floats: number): void;
  transposeProduct(n: number, bp: number, rowPtr: number, col: number, val: number, src: number, dst: number): void;
  backwardSteps(n: number, bp: number, steps: number, rowPtr: number, col: number, val: number, g: number, dh: number, h: number, dz: number): void;
  sddmm(n: number, bp: number, steps: number, rowPtr: number, col: number, dz: number, h0: number, h: number, dval: number): void;
}

let compiled: object | null = null;

/** The compiled kernel module (helper threads instantiate it on a kernel's memory). */
export function kernelModule(): object {
  compiled ??= new wasm.Module(Uint8Array.from(atob(RECURRENCE_WASM_BASE64), (c) => c.charCodeAt(0)));
  return compiled;
}

/** Largest kernel memory: 4 GiB, wasm32's limit (shared memories need a maximum). */
const MAX_PAGES = 65536;

/** A fresh instance (own memory) of the once-compiled kernel: every matrix keeps its CSR to itself. */
export function loadKernel(): KernelExports {
  const memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  return new wasm.Instance(kernelModule(), { env: { memory } }).exports as KernelExports;
}

export const LANES = 16;
export const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
/** A pruned W_hh ready for repeated sequences: CSR copied into the kernel's memory once. */
export class SparseRecurrence {
  readonly nnz: number;
  private readonly k = loadKernel();
  private readonly offsets: { rowPtr: number; col: number; val: number; rank: number; end: number };

  constructor(readonly csr: CsrMatrix) {
    this.nnz = csr.col.length;
    const rowPtr = 0;
    const col = align(rowPtr + 4 * (csr.n + 1));
    const val = align(col + 4 * this.nnz);
    const rank = align(val + 4 * this.nnz);
    const end = align(rank + 4 * csr.n);
    this.offsets = { rowPtr, col, val, rank, end };
    this.ensure(end);
    const mem = this.k.memory.buffer;
    new Int32Array(mem, rowPtr, csr.n + 1).set(csr.rowPtr);
    new Int32Array(mem, col, this.nnz).set(csr.col);
    new Float32Array(mem, val, this.nnz).set(csr.val);
    const ranks = new Int32Array(mem, rank, csr.n);
    csr.perm.forEach((old, p) => (ranks[old] = p));
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /**
   * x [T·B, N] (input projection and bias added), h0 [B, N], both row-major as tfjs lays them out → H [T·B, N].
   * Synchronous; each SparseRecurrence has its own kernel instance and memory.
   */
  run(x: Float32Array, h0: Float32Array, batch: number, activation: 'relu' | 'identity'): Float32Array {
    const n = this.csr.n;
    const steps = x.length / (batch * n);
    if (!Number.isInteger(steps) || h0.length !== batch * n)
      throw new Error(`sparse recurrence: x has ${x.length} values, h0 ${h0.length}, for batch ${batch} × ${n} neurons`);
    const bp = Math.ceil(batch / LANES) * LANES;
    const stepFloats = n * bp;
    const rows = steps * batch * n;
    // Kernel memory after the CSR: raw x and h0 (tfjs layout), packed X and H0, packed H, raw output.
    const xRaw = this.offsets.end;
    const h0Raw = align(xRaw + 4 * rows);
    const xOff = align(h0Raw + 4 * batch * n);
    const h0Off = align(xOff + 4 * steps * stepFloats);
    const hOff = align(h0Off + 4 * stepFloats);
    const outRaw = align(hOff + 4 * steps * stepFloats);
    this.ensure(outRaw + 4 * rows);
    const mem = this.k.memory.buffer;
    new Float32Array(mem, xRaw, rows).set(x);
    new Float32Array(mem, h0Raw, batch * n).set(h0);
    // Padding lanes must read 0 (inputs 0 → states 0 under relu and identity); pack fills the rest.
    new Float32Array(mem, xOff, steps * stepFloats + stepFloats).fill(0);
    const rank = this.offsets.rank;
    this.k.pack(xRaw, xOff, steps, batch, n, bp, rank);
    this.k.pack(h0Raw, h0Off, 1, batch, n, bp, rank);
    this.k.recur(n, bp, steps, this.offsets.rowPtr, this.offsets.col, this.offsets.val, xOff, h0Off, hOff, activation === 'relu' ? 1 : 0);
    this.k.unpack(hOff, outRaw, steps, batch, n, bp, rank);
    const out = new Float32Array(this.k.memory.buffer, outRaw, rows).slice();
    return out;
  }
}
