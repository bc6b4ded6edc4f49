// Kernels the tfjs wasm backend lacks but our gradients need (ecosystem.md §0.11):
// UnsortedSegmentSum is the gradient of tf.gather (the language model's embedding lookup).
// Plain JS over the wasm heap; checked against the cpu backend in test/engine/backend.spec.ts.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
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
