// The platform's BLAS (OpenBLAS, Intel MKL, Apple Accelerate, BLIS, or a library named by MODULI_BLAS), called
// through koffi on Float32Array views of the tfjs-wasm heap: no copies. Why: native sgemm runs 3–6× faster
// per core than XNNPACK on wasm SIMD (README "Benchmarks"), and a training step is mostly matrix products.
// Why koffi: a maintained N-API FFI whose binaries come prebuilt per platform in npm packages (no compiler,
// no install script, no download), and which loads in Electron's utility processes as in Node.
import { createRequire } from 'node:module';
import { basename } from 'node:path';

/** CBLAS enum values (cblas.h). */
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/**
 * Products with fewer multiply-adds than this run on one BLAS thread: waking a second one for a recurrent
 * step's product costs more than it saves, most of all while navigation's batch thread keeps a core busy
 * (OpenBLAS's threads then wait for each other). 2^24 first (A/B at N = 256: 110.7 / 84.8 ms against 114.0 /
 * 109.1 with every product split); then 2^27, so that N = 512's [200,512]·[512,512] (52 M) stays on one thread
 * too: navigation N = 512, 4 turns in alternation, 168–175 against 187–198 ms per step; N = 256 and 1024 and the
 * language model at N = 512 unchanged within the host's noise (bench/… commands in the README "Benchmarks").
 */
export const SMALL_PRODUCT = 1 << 27;

export interface NativeBlas {
  /** What the run records: "OpenBLAS 0.3.21", "Intel MKL 2024.0", "Accelerate", or the file name. */
  readonly label: string;
  readonly path: string;
  /** C[m,n] = alpha·op(A)·op(B) + beta·C, row-major, on views (a view's byteOffset is honoured). */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** Sets the library's thread count where it can be set at run time; false where it cannot (Accelerate). */
  setThreads(n: number): boolean;
}

/** Where BLAS libraries live, in the order they are tried (after MODULI_BLAS). README "Compute backends". */
export function blasCandidates(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin')
    return [
      '/System/Library/Frameworks/Accelerate.framework/Accelerate',
      'libopenblas.dylib',
      '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
      '/usr/local/opt/openblas/lib/libopenblas.dylib',
    ];
  if (platform === 'win32') return ['mkl_rt.2.dll', 'libopenblas.dll', 'openblas.dll'];
  // Linux and the BSDs: MKL when someone installed it on purpose, then OpenBLAS (Debian/Ubuntu libopenblas0,
  // Fedora openblas), BLIS, and the system's generic libblas.so.3 (accepted only when it is one of those:
  // the reference BLAS is slower than the built-in wasm path).
  return ['libmkl_rt.so.2', 'libmkl_rt.so', 'libopenblas.so.0', 'libopenblas.so', 'libopenblasp.so.0', 'libblis.so.4', 'libblas.so.3'];
}

type Koffi = typeof import('koffi');
let koffi: Koffi | null | undefined;

function loadKoffi(): Koffi {
  if (koffi === undefined) {
    try {
      koffi = createRequire(import.meta.url)('koffi') as Koffi;
    } catch {
      koffi = null;
    }
  }
  if (!koffi) throw new Error('the FFI package koffi could not be loaded on this platform');
  return koffi;
}

/**
 * BLAS worker threads spin after each call before they sleep (OpenBLAS: 2^28 cycles by default; Intel
 * OpenMP under MKL: 200 ms). A training step alternates products with single-threaded work, so they would
 * spin through all of it, on the cores the main thread and the batch-prefetch thread need: measured at N = 256
 * on 2 cores, 135 ms per step spinning against 117 ms sleeping at once. Read when the library loads, so set
 * here, unless the user set them.
 */
function quietBlasThreads(env: NodeJS.ProcessEnv = process.env): void {
  env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  env.KMP_BLOCKTIME ??= '0';
}

/** Opens one library; throws with the reason when it is not a usable CBLAS. */
function openBlas(path: string): NativeBlas {
  const ffi = loadKoffi();
  quietBlasThreads();
  const lib = ffi.load(path);
  const optional = <F>(decl: string): F | null => {
    try {
      return lib.func(decl) as F;
    } catch {
      return null;
    }
  };
  const gemm = optional<(...a: unknown[]) => void>('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)');
  if (!gemm) throw new Error(`${path} has no cblas_sgemm`);
  const openblasConfig = optional<() => string>('const char *openblas_get_config(void)');
  const openblasThreads = optional<(n: number) => void>('void openblas_set_num_threads(int)');
  const mklThreads = optional<(n: number) => void>('void MKL_Set_Num_Threads(int)');
  const mklVersion = optional<(buf: Buffer, len: number) => void>('void MKL_Get_Version_String(_Out_ uint8_t *buf, int len)');
  const blisThreads = optional<(n: bigint) => void>('void bli_thread_set_num_threads(int64_t)');
  let label: string;
  if (openblasConfig) label = /^OpenBLAS\s+[\d.]+/.exec(openblasConfig())?.[0] ?? 'OpenBLAS';
  else if (mklVersion) {
    const buf = Buffer.alloc(256);
    mklVersion(buf, buf.length);
    label = `Intel MKL ${/\d{4}(\.\d+)*/.exec(buf.toString('latin1'))?.[0] ?? ''}`.trim();
  } else if (blisThreads) label = 'BLIS';
  else if (path.includes('Accelerate')) label = 'Accelerate';
  else throw new Error(`${basename(path)} is neither OpenBLAS, MKL, BLIS nor Accelerate (a reference BLAS is slower than the built-in path)`);
  const applyThreads = (count: number): boolean => {
    if (openblasThreads) openblasThreads(count);
    else if (mklThreads) mklThreads(count);
    else if (blisThreads) blisThreads(BigInt(count));
    else return false;
    return true;
  };
  let allowed = 1;
  let current = 0;
  return {
    label,
    path,
    sgemm: (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
      // Small products on one thread: waking the others costs more than they save (SMALL_PRODUCT).
      const want = m * n * k >= SMALL_PRODUCT ? allowed : 1;
      if (want !== current && applyThreads(want)) current = want;
      gemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },
    setThreads: (count) => {
      allowed = count;
      current = count;
      return applyThreads(count);
    },
  };
}

export type BlasLookup = { blas: NativeBlas; tried: string[] } | { blas: null; tried: string[]; reason: string };

/**
 * The first usable BLAS: MODULI_BLAS (a path or library name; 'off' disables), then blasCandidates().
 * Never throws: a machine without one gets the reason and the built-in path.
 */
export function findBlas(env: NodeJS.ProcessEnv = process.env, candidates = blasCandidates()): BlasLookup {
  const named = env.MODULI_BLAS?.trim();
  if (named === 'off') return { blas: null, tried: [], reason: 'MODULI_BLAS=off' };
  const order = named ? [named] : candidates;
  const tried: string[] = [];
  const failures: string[] = [];
  for (const path of order) {
    tried.push(path);
    try {
      return { blas: openBlas(path), tried };
    } catch (e) {
      const message = (e as Error).message;
      if (/koffi/.test(message)) return { blas: null, tried, reason: message };
      failures.push(`${path}: ${message.split('\n')[0]}`);
    }
  }
  const reason = named ? `MODULI_BLAS='${named}' could not be used (${failures[0]})` : `no BLAS library found (tried ${order.join(', ')})`;
  return { blas: null, tried, reason };
}

/** What to install for the native path, per platform (README "Compute backends"). */
export function blasInstallHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Accelerate is part of macOS; set MODULI_BLAS to a BLAS library if it was not found';
  if (platform === 'win32') return 'install OpenBLAS (libopenblas.dll on the PATH) or Intel MKL, or set MODULI_BLAS to its DLL';
  return 'install the distribution’s OpenBLAS (Debian/Ubuntu: apt install libopenblas0; Fedora: dnf install openblas) or set MODULI_BLAS';
}
