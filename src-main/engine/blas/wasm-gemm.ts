// tfjs-wasm's BatchMatMul through the native BLAS: one sgemm per batch entry on views of the wasm heap, the
// output allocated by the backend first (growing the heap detaches earlier views). Transposes are handled by
// sgemm itself, which tfjs-wasm's own kernel does slowly (ops/linear.ts). Shapes it does not cover (rank > 3,
// other dtypes) return null and take tfjs's kernel.
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeBlas } from './native-blas';

export type BatchMatMulArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: BackendWasm };

export function blasBatchMatMul(blas: NativeBlas, { inputs, attrs, backend }: BatchMatMulArgs): tf.TensorInfo | null {
  const { a, b } = inputs;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || ra > 3 || rb > 3) return null;
  const transA = Boolean(attrs.transposeA);
  const transB = Boolean(attrs.transposeB);
  const batchA = ra === 3 ? a.shape[0] : 1;
  const batchB = rb === 3 ? b.shape[0] : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const n = transB ? bRows : bCols;
  // A mismatch is tfjs's to report, with its own message.
  if (k !== (transB ? bCols : bRows)) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(ra === 3 || rb === 3 ? [batch, m, n] : [m, n], 'float32');
  const C = backend.typedArrayFromHeap(out) as Float32Array;
  if (C.length === 0) return out;
  if (k === 0) {
    C.fill(0);
    return out;
  }
  const A = backend.typedArrayFromHeap(a) as Float32Array;
  const B = backend.typedArrayFromHeap(b) as Float32Array;
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? 0 : i * m * k;
    const bi = batchB === 1 ? 0 : i * k * n;
    blas.sgemm(
      transA,
      transB,
      m,
      n,
      k,
      1,
      A.subarray(ai, ai + m * k),
      transA ? m : k,
      B.subarray(bi, bi + k * n),
      transB ? k : n,
      0,
      C.subarray(i * m * n, (i + 1) * m * n),
      n,
    );
  }
  return out;
}
