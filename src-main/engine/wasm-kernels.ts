// Kernels the tfjs wasm backend lacks or gets badly wrong for training, plain JS over the
// wasm heap, checked against the cpu backend in test/engine/backend.spec.ts:
// - UnsortedSegmentSum: the gradient of tf.gather (the language model's embedding lookup) is missing.
// - Slice, SplitV, Unpack: tfjs-wasm 4.22 reads its input with readSync, which *copies the whole tensor* out
//   of the heap for every slice. Splitting the [T·B, N] sequence into T steps therefore copied it T times:
//   measured 1.14 s for tf.split of [4000, 512] into 20 (vs 7 ms to concat it back), the largest single cost
//   of a navigation training step. These versions read through a heap view and copy only the slice.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let registered = false;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: BackendWasm };
type SliceFn = (x: tf.TensorInfo, begin: number[], size: number[], backend: BackendWasm) => tf.TensorInfo;

function makeFastSlice(original: tf.KernelFunc): SliceFn {
  return (x, begin, size, b) => {
    if (x.dtype === 'string') return original({ inputs: { x }, attrs: { begin, size }, backend: b }) as tf.TensorInfo;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    // Allocate first: growing the heap detaches earlier views.
    const out = b.makeOutput(extent, x.dtype);
    const src = b.typedArrayFromHeap(x);
    const dst = b.typedArrayFromHeap(out);
    if (dst.length === 0) return out;
    const strides = tf.util.computeStrides(x.shape);
    if (tf.slice_util.isSliceContinous(x.shape, start, extent)) {
      const offset = tf.slice_util.computeFlatOffset(start, strides);
      dst.set(src.subarray(offset, offset + dst.length));
      return out;
    }
    // General case: copy the innermost runs, walking the outer indices like an odometer.
    const rank = x.shape.length;
    const run = extent[rank - 1];
    const outer = dst.length / run;
    const idx = new Array<number>(rank - 1).fill(0);
    for (let r = 0; r < outer; r++) {
      let offset = start[rank - 1];
      for (let d = 0; d < rank - 1; d++) offset += (start[d] + idx[d]) * strides[d];
      dst.set(src.subarray(offset, offset + run), r * run);
      for (let d = rank - 2; d >= 0; d--) {
        if (++idx[d] < extent[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  };
}

function replaceKernel(kernelName: string, kernelFunc: (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

function registerCopyFreeSlicing(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  const slice = makeFastSlice(original.kernelFunc);
  replaceKernel('Slice', ({ inputs, attrs, backend }) => slice(inputs.x!, attrs.begin as number[], attrs.size as number[], backend));
  replaceKernel('SplitV', ({ inputs, attrs, backend }) => {
    const x = inputs.x!;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number[] | number, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = slice(x, [...begin], size, backend);
      begin[axis] += s;
      return part;
    });
  });
  replaceKernel('Unpack', ({ inputs, attrs, backend }) => {
    const value = inputs.value!;
    const rank = value.shape.length;
    const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank : (attrs.axis as number);
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const { dataId, dtype } = slice(value, begin, size, backend);
      return { dataId, dtype, shape: outShape };
    });
  });
}

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  registerCopyFreeSlicing();
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as BackendWasm;
      const values = b.readSync(x.dataId) as Float32Array;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const inner = ids.length === 0 ? 0 : values.length / ids.length;
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = b.makeOutput(outShape, 'float32');
      const outValues = b.typedArrayFromHeap(out) as Float32Array;
      outValues.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const seg = ids[i];
        if (seg < 0 || seg >= numSegments) continue;
        const src = i * inner;
        const dst = seg * inner;
        for (let k = 0; k < inner; k++) outValues[dst + k] += values[src + k];
      }
      return out;
    },
  });
}
