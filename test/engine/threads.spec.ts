// Matrix products split across helper threads (engine/threads) against tfjs's single-thread wasm kernel:
// bit-identical products and gradients, whole training runs (dense and sparse phases) identical for 1 and 2
// threads, and nothing left behind — no helper thread, no tensor — once a run ends.
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { linear } from '../../src-main/engine/ops/linear';
import { laneBlocks, setSparseParallelMinimum, SparseTrainingKernel } from '../../src-main/engine/ops/sparse/training';
import { HelperThreads } from '../../src-main/engine/threads/helper-threads';
import { acquireHelperThreads, threadsInUse, liveHelperThreads, resolveThreads, setParallelMinimum } from '../../src-main/engine/threads/parallel-matmul';
import type { TrainingEvent } from '../../src-main/engine/training/events';
import { runExperiment } from '../../src-main/engine/training/trainer';
import { ExperimentConfig } from '../../src-main/schema/experiment';

let restoreMinimums: Array<() => void>;
beforeAll(async () => {
  await selectBackend('wasm');
  // Tests use small matrices: send every product and sparse kernel call through the helpers.
  restoreMinimums = [setParallelMinimum(0), setSparseParallelMinimum(0)];
});
afterAll(() => restoreMinimums.forEach((restore) => restore()));

const exactly = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

describe('matrix products on helper threads', () => {
  it.each([2, 3])('%i threads: every shape gives the single-thread product bit for bit; weights are cached and evicted correctly', async (threads) => {
    const shapes: Array<[number, number, number]> = [
      [200, 64, 96],
      [3, 17, 5], // as many rows as threads (or one more): blocks of one row
      [101, 33, 70], // rows not divisible by the thread count
      [1, 40, 40], // fewer rows than threads: tfjs's kernel
    ];
    const inputs = shapes.map(([m, k, n], i) => [tf.randomNormal([m, k], 0, 1, 'float32', i), tf.randomNormal([k, n], 0, 1, 'float32', 100 + i)] as const);
    const single = inputs.map(([a, b]) => tf.matMul(a, b));
    const release = await acquireHelperThreads(threads);
    expect(threadsInUse()).toBe(threads);
    // Twice round all shapes: second time every B is found in a helper's slots (or was evicted and resent).
    for (let round = 0; round < 2; round++) {
      inputs.forEach(([a, b], i) => {
        const p = tf.matMul(a, b);
        exactly(p, single[i]);
        p.dispose();
      });
    }
    // Six distinct weights in turn (more than a helper's slots), each used twice.
    const k = 24;
    const a = tf.randomNormal([50, k], 0, 1, 'float32', 7);
    const ws = Array.from({ length: 6 }, (_, i) => tf.randomNormal([k, 30], 0, 1, 'float32', 200 + i));
    await release();
    const reference = ws.map((w) => tf.matMul(a, w));
    const again = await acquireHelperThreads(threads);
    for (const i of [0, 1, 2, 3, 4, 5, 0, 5, 1, 4]) {
      const p = tf.matMul(a, ws[i]);
      exactly(p, reference[i]);
      p.dispose();
    }
    // A weight disposed and another allocated in its place: the new contents are used, not a stale slot.
    ws[0].dispose();
    const replacement = tf.randomNormal([k, 30], 0, 1, 'float32', 999);
    const p = tf.matMul(a, replacement);
    await again();
    exactly(p, tf.matMul(a, replacement));
    tf.dispose([...inputs.flat(), ...single, a, ...ws.slice(1), ...reference, replacement, p]);
  });

  it('the linear layer’s value and gradients are identical on 1 and 2 threads', async () => {
    const x = tf.randomNormal([120, 40], 0, 1, 'float32', 3) as tf.Tensor2D;
    const w = tf.randomNormal([56, 40], 0, 1, 'float32', 4) as tf.Tensor2D;
    const dy = tf.randomNormal([120, 56], 0, 1, 'float32', 5);
    const f = (xs: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(linear(xs as tf.Tensor2D, wt as tf.Tensor2D), dy)) as tf.Scalar;
    const one = tf.grads(f)([x, w]);
    const release = await acquireHelperThreads(2);
    const two = tf.grads(f)([x, w]);
    await release();
    one.forEach((g, i) => exactly(two[i], g));
    tf.dispose([x, w, dy, ...one, ...two]);
  });

  it('lane blocks depend on the batch only: 32-lane blocks (padded to 16), at most 16 of them, covering the batch', () => {
    expect(laneBlocks(200)).toEqual([
      [0, 32, 32],
      [32, 32, 32],
      [64, 32, 32],
      [96, 32, 32],
      [128, 32, 32],
      [160, 32, 32],
      [192, 8, 16],
    ]);
    expect(laneBlocks(8)).toEqual([[0, 8, 16]]);
    for (const batch of [1, 31, 33, 511, 512, 513, 4000]) {
      const blocks = laneBlocks(batch);
      expect(blocks.length).toBeLessThanOrEqual(16);
      expect(blocks.reduce((s, [, count]) => s + count, 0)).toBe(batch);
      blocks.forEach(([from, count, lanes], i) => {
        expect(lanes % 16).toBe(0);
        expect(lanes).toBeGreaterThanOrEqual(count);
        if (i > 0) expect(from).toBe(blocks[i - 1][0] + blocks[i - 1][1]);
      });
    }
  });

  it.each([
    [2, 40, 100, 4], // 4 blocks on 2 threads
    [3, 48, 200, 3], // 7 blocks on 3 threads
    [2, 33, 8, 2], // one block: all on this thread
  ])(
    '%i threads: the sparse training kernel (N = %i, batch %i, %i steps) gives the single-thread values and gradients bit for bit',
    async (threads, n, batch, steps) => {
      const rand = (len: number, seed: number) => tf.tidy(() => tf.randomNormal([len], 0, 1, 'float32', seed).dataSync() as Float32Array);
      const mask = Float32Array.from(rand(n * n, 1), (v) => (v > 1.2 ? 1 : 0));
      const w = Float32Array.from(rand(n * n, 2), (v, i) => v * mask[i]);
      const x = rand(steps * batch * n, 3);
      const h0 = Float32Array.from(rand(batch * n, 4), (v) => Math.max(0, v));
      const dH = rand(steps * batch * n, 5);
      const run = () => {
        const kernel = new SparseTrainingKernel(mask, n);
        const H = kernel.forward(w, x, h0, batch);
        return { H, ...kernel.backward(dH) };
      };
      const one = run();
      const release = await acquireHelperThreads(threads);
      const many = run();
      await release();
      expect(Array.from(many.H)).toEqual(Array.from(one.H));
      expect(Array.from(many.dX)).toEqual(Array.from(one.dX));
      expect(Array.from(many.dh0)).toEqual(Array.from(one.dh0));
      expect(Array.from(many.dW)).toEqual(Array.from(one.dW));
    },
  );

  it('a stopped pool refuses work with a clear error, and collect without a job says so', async () => {
    const pool = await HelperThreads.start(1);
    expect(() => pool.collect(0, new Float32Array(1))).toThrow(/nothing in flight/);
    await pool.terminate();
    expect(() => pool.post(0, new Float32Array(4), 2, 2, 2, 1, () => new Float32Array(4))).toThrow(/stopped/);
  });

  it('a helper runs a shared kernel’s functions by the names the kernel lists, and refuses others', async () => {
    // A tiny wasm module on shared memory: add(i) stores memory[i] + 1 back at i (hand-assembled bytes).
    const { HELPER_THREAD_SOURCE } = await import('../../src-main/engine/threads/helper-thread');
    // The engine's tsconfig has no WebAssembly lib: the two constructors used, typed here.
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer }; Module: new (b: Uint8Array) => object } })
      .WebAssembly;
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    // (module (import "env" "memory" (memory 1 1 shared)) (func (export "add") (param i32)
    //   local.get 0 local.get 0 i32.load i32.const 1 i32.add i32.store))
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x10, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65,
      0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x01, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x11, 0x01, 0x0f,
      0x00, 0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x41, 0x01, 0x6a, 0x36, 0x02, 0x00, 0x0b,
    ]);
    const kernel = { id: 9001, module: new wasm.Module(bytes), memory, functions: ['add'] };
    const pool = await HelperThreads.start(1);
    try {
      pool.call(0, kernel, 'add', [[0], [0], [4]]);
      pool.collect(0);
      expect(Array.from(new Int32Array(memory.buffer, 0, 2))).toEqual([2, 1]);
      expect(() => pool.call(0, kernel, 'sub', [[0]])).toThrow(/lists no function 'sub'/);
    } finally {
      await pool.terminate();
    }
    // The program is its own source text: nothing from this module but a no-op for transpilers' __name.
    expect(HELPER_THREAD_SOURCE).not.toMatch(/\bimport\b|__require/);
  });

  it('resolves auto to the runner’s share of the cores, capped at 8; a number is kept', () => {
    expect(resolveThreads(3)).toBe(3);
    expect(resolveThreads('auto', 2)).toBe(2);
    expect(resolveThreads('auto', 40)).toBe(8);
    // Without a runner's share: this machine's cores, still capped at 8.
    expect(resolveThreads('auto')).toBe(Math.min(8, availableParallelism()));
  });
});

describe('training on 1 and 2 threads', () => {
  // Pruned to 95 % (scope recurrent) at the start of the last epoch: dense steps, then sparse ones.
  const config = (threads: number) =>
    ExperimentConfig.parse({
      seed: 11,
      backend: 'wasm',
      // The helper-thread path under test (the native BLAS has its own threads: native-blas.spec.ts).
      blas: 'off',
      threads,
      task: { task: 'navigation', hidden: 48, placeCells: 32, sequenceLength: 8, batchSize: 24, stepsPerEpoch: 5, epochs: 4, validationBatches: 1 },
      regularization: { lambda: 0.01 },
      pruning: { target: 0.95, scope: 'recurrent' },
    });

  async function train(threads: number) {
    const events: TrainingEvent[] = [];
    const result = await runExperiment(config(threads), { metricsEvery: 1, onEvent: (e) => events.push(e) });
    const started = events.find((e) => e.type === 'started');
    const losses = events.flatMap((e) => (e.type === 'metrics' ? [e.values.loss] : []));
    const last = events.filter((e) => e.type === 'snapshot').at(-1) as Extract<TrainingEvent, { type: 'snapshot' }>;
    return { result, losses, last, threads: started?.type === 'started' ? started.backend.threads : undefined };
  }

  it('gives bit-identical losses, weights, masks and test metrics, is deterministic, and leaves no thread or tensor behind', async () => {
    const sparseSteps = vi.spyOn(SparseTrainingKernel.prototype, 'forward');
    const one = await train(1);
    // Counted after a first run: tfjs keeps a few process-wide tensors (cached scalars) from then on.
    const tensorsAfterOne = tf.memory().numTensors;
    const two = await train(2);
    const twoAgain = await train(2);
    expect(sparseSteps).toHaveBeenCalled(); // the last epoch trained through the sparse kernels
    sparseSteps.mockRestore();
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.losses).toEqual(one.losses);
    expect(twoAgain.losses).toEqual(two.losses);
    expect(two.result.test).toEqual(one.result.test);
    for (const [i, m] of two.last.matrices.entries()) {
      expect(Array.from(m.weights)).toEqual(Array.from(one.last.matrices[i].weights));
      expect(m.mask && Array.from(m.mask)).toEqual(one.last.matrices[i].mask && Array.from(one.last.matrices[i].mask!));
      if (m.mask) m.mask.forEach((k, j) => k === 0 && expect(Math.abs(m.weights[j])).toBe(0));
    }
    expect(threadsInUse()).toBe(1);
    await vi.waitFor(() => expect(liveHelperThreads()).toBe(0));
    expect(tf.memory().numTensors).toBe(tensorsAfterOne);
  }, 120_000);
});
