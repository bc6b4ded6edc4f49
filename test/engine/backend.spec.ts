// Every gradient the models rely on, computed on the wasm backend (the default without libtensorflow),
// must equal the cpu backend's (tfjs-backend-wasm lacks some gradient kernels and gets others wrong).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';

type GradCase = [string, (x: tf.Tensor) => tf.Scalar, number[]];

const x0 = [-1.3, -0.2, 0.4, 0.9, 1.7, 2.2];
const CASES: GradCase[] = [
  ['relu', (x) => tf.sum(tf.mul(tf.relu(x), tf.range(1, 7))), x0],
  ['tanh', (x) => tf.sum(tf.tanh(x)), x0],
  ['sigmoid', (x) => tf.sum(tf.sigmoid(x)), x0],
  ['abs', (x) => tf.sum(tf.mul(tf.abs(x), 3)), x0],
  ['square', (x) => tf.sum(tf.square(x)), x0],
  ['exp', (x) => tf.sum(tf.exp(x)), x0],
  ['mod', (x) => tf.sum(tf.mul(tf.mod(x, 1.5), tf.range(1, 7))), x0],
  ['minimum', (x) => tf.sum(tf.minimum(x, tf.reverse(x))), x0],
  ['sqrt', (x) => tf.sum(tf.sqrt(tf.add(tf.square(x), 1))), x0],
  ['asin', (x) => tf.sum(tf.asin(tf.div(x, 3))), x0],
  ['cos', (x) => tf.sum(tf.cos(x)), x0],
  ['max', (x) => tf.max(x) as tf.Scalar, x0],
  [
    'logSoftmax',
    (x) =>
      tf.sum(
        tf.mul(
          tf.logSoftmax(tf.reshape(x, [2, 3])),
          tf.tensor2d([
            [1, 0, 0],
            [0, 0.5, 0.5],
          ]),
        ),
      ),
    x0,
  ],
  ['matMul transposeB', (x) => tf.sum(tf.matMul(tf.reshape(x, [2, 3]), tf.reshape(x, [2, 3]), false, true)), x0],
  [
    'split/concat',
    (x) =>
      tf.sum(
        tf.mul(
          tf.concat(tf.split(tf.reshape(x, [2, 3]), [1, 2], 1).reverse(), 1),
          tf.tensor2d([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
      ),
    x0,
  ],
  ['slice', (x) => tf.sum(tf.mul(tf.slice(tf.reshape(x, [3, 2]), [1, 0], [2, 2]), 2)), x0],
  ['tile', (x) => tf.sum(tf.mul(tf.tile(tf.reshape(x, [2, 3]), [2, 1]), tf.range(0, 12).reshape([4, 3]))), x0],
  [
    'gather (embedding lookup → UnsortedSegmentSum)',
    (x) =>
      tf.sum(
        tf.mul(
          tf.gather(tf.reshape(x, [3, 2]), tf.tensor1d([2, 0, 2], 'int32')),
          tf.tensor2d([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ),
      ),
    x0,
  ],
  ['mean', (x) => tf.mean(tf.mul(x, x)) as tf.Scalar, x0],
];

async function gradsOn(backend: 'wasm' | 'cpu'): Promise<number[][]> {
  await tf.setBackend(backend);
  return CASES.map(([, f, x]) => Array.from(tf.tidy(() => tf.grad(f)(tf.tensor1d(x)).dataSync())));
}

describe('backends', () => {
  it('selectBackend falls back past the missing tfjs-node packages and names each reason', async () => {
    const info = await selectBackend('auto');
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.active);
    if (info.active === 'wasm') {
      expect(info.notices.some((n) => n.startsWith('tensorflow-gpu:'))).toBe(true);
      expect(info.notices.some((n) => n.startsWith('tensorflow:'))).toBe(true);
    }
  });

  it('every gradient the models use agrees between wasm and cpu', async () => {
    await selectBackend('auto');
    const wasm = await gradsOn('wasm');
    const cpu = await gradsOn('cpu');
    CASES.forEach(([name], i) => {
      expect(wasm[i].length, name).toBe(cpu[i].length);
      wasm[i].forEach((g, k) => expect(Math.abs(g - cpu[i][k]), `${name}[${k}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu[i][k]))));
    });
  });
});

describe('copy-free slicing on wasm (replaces tfjs-wasm Slice/SplitV/Unpack)', () => {
  const ops: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
    ['contiguous rows', () => tf.slice(tf.range(0, 60).reshape([12, 5]), [3, 0], [4, 5])],
    ['2-D block', () => tf.slice(tf.range(0, 60).reshape([12, 5]), [2, 1], [5, 3])],
    ['3-D block', () => tf.slice(tf.range(0, 120).reshape([4, 5, 6]), [1, 2, 3], [2, 3, 2])],
    ['4-D, size −1', () => tf.slice(tf.range(0, 240).reshape([2, 3, 4, 10]), [1, 0, 1, 4], [-1, 2, 3, -1])],
    ['int32', () => tf.slice(tf.range(0, 30, 1, 'int32').reshape([6, 5]), [1, 2], [3, 2])],
    ['bool', () => tf.slice(tf.greater(tf.range(0, 30).reshape([6, 5]), 14), [2, 1], [3, 3])],
    ['empty', () => tf.slice(tf.range(0, 30).reshape([6, 5]), [2, 1], [0, 3])],
    ['split rows', () => tf.split(tf.range(0, 80).reshape([16, 5]), 4, 0)],
    ['split uneven columns', () => tf.split(tf.range(0, 70).reshape([7, 10]), [3, 5, 2], 1)],
    ['unstack axis 1', () => tf.unstack(tf.range(0, 24).reshape([2, 3, 4]), 1)],
  ];

  it('gives the cpu backend’s values and shapes for every slicing pattern', async () => {
    await selectBackend('wasm');
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      return ops.map(([, f]) => tf.tidy(() => [f()].flat().map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }))));
    };
    const wasm = await on('wasm');
    const cpu = await on('cpu');
    ops.forEach(([name], i) => expect(wasm[i], name).toEqual(cpu[i]));
  });
});
