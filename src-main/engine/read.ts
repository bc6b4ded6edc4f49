// Reading tensors back to JavaScript. Always asynchronous: the WebGPU backend has no synchronous readback in
// Node (tfjs-backend-webgpu's readSync draws through OffscreenCanvas, which Node lacks), so the engine never
// calls dataSync/arraySync. On wasm and cpu `data()` resolves at once with the same values.
import type * as tf from '@tensorflow/tfjs';

/** The values of a float tensor. */
export async function readFloats(t: tf.Tensor): Promise<Float32Array> {
  const d = await t.data();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/** The values of an int32 tensor (indices from argMax/topk). */
export async function readInts(t: tf.Tensor): Promise<Int32Array> {
  const d = await t.data();
  return d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
}

/** The single value of a scalar (or the first element). */
export async function readScalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0] as number;
}

/** Reads a tensor and disposes it (for temporaries computed only to be read). */
export async function readAndDispose<T>(t: tf.Tensor, read: (t: tf.Tensor) => Promise<T>): Promise<T> {
  try {
    return await read(t);
  } finally {
    t.dispose();
  }
}
