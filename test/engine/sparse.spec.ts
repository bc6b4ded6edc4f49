// The sparse recurrence kernel against a plain float64 reference, in natural and embedding order, and the
// committed wasm bytes against the WAT source they are compiled from.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedElman } from '../../src-main/engine/ops/elman';
import { SparseRecurrence, toCsr } from '../../src-main/engine/ops/sparse/recurrence';
import { RECURRENCE_WASM_BASE64 } from '../../src-main/engine/ops/sparse/recurrence.wasm';
import seedrandom from 'seedrandom';

function reference(W: Float32Array, n: number, x: Float32Array, h0: Float32Array, batch: number, relu: boolean): Float64Array {
  const steps = x.length / (batch * n);
  const H = new Float64Array(x.length);
  let prev = Float64Array.from(h0);
  for (let t = 0; t < steps; t++) {
    const cur = new Float64Array(batch * n);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < n; i++) {
        let z = x[(t * batch + b) * n + i];
        for (let j = 0; j < n; j++) z += W[i * n + j] * prev[b * n + j];
        cur[b * n + i] = relu ? Math.max(0, z) : z;
      }
    H.set(cur, t * batch * n);
    prev = cur;
  }
  return H;
}

function problem(n: number, batch: number, steps: number, density: number, seed: string) {
  const rng = seedrandom(seed);
  const W = Float32Array.from({ length: n * n }, () => (rng() < density ? (rng() - 0.5) * 0.6 : 0));
  const x = Float32Array.from({ length: steps * batch * n }, () => rng() - 0.3);
  const h0 = Float32Array.from({ length: batch * n }, () => rng());
  return { W, x, h0 };
}

describe('sparse recurrence kernel', () => {
  it.each([
    ['relu', 37, 5, 3, 0.1],
    ['identity', 20, 17, 4, 0.3],
    ['relu', 64, 1, 6, 0.05],
  ] as const)('%s, N=%i, batch %i, %i steps, density %f: equals the dense float64 recurrence', (act, n, batch, steps, density) => {
    const { W, x, h0 } = problem(n, batch, steps, density, `${act}${n}`);
    const want = reference(W, n, x, h0, batch, act === 'relu');
    const got = new SparseRecurrence(toCsr(W, n)).run(x, h0, batch, act);
    for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-4 * (1 + Math.abs(want[k])));
  });

  it('renumbering the neurons (embedding order) changes nothing but the memory layout', () => {
    const n = 40;
    const { W, x, h0 } = problem(n, 8, 3, 0.15, 'perm');
    const order = Int32Array.from({ length: n }, (_, i) => (i * 17) % n);
    const plain = new SparseRecurrence(toCsr(W, n)).run(x, h0, 8, 'relu');
    const permuted = new SparseRecurrence(toCsr(W, n, order)).run(x, h0, 8, 'relu');
    for (let k = 0; k < plain.length; k++) expect(permuted[k]).toBeCloseTo(plain[k], 5);
    expect(() => toCsr(W, n, new Int32Array(n))).toThrow(/not a permutation/);
  });

  it('two matrices used alternately each keep their own weights (one kernel instance each)', () => {
    const a = problem(24, 4, 3, 0.2, 'a');
    const b = problem(24, 4, 3, 0.2, 'b');
    const ka = new SparseRecurrence(toCsr(a.W, 24));
    const kb = new SparseRecurrence(toCsr(b.W, 24));
    const first = ka.run(a.x, a.h0, 4, 'relu');
    kb.run(b.x, b.h0, 4, 'relu');
    expect(Array.from(ka.run(a.x, a.h0, 4, 'relu'))).toEqual(Array.from(first));
  });

  it('agrees with the training path (fused tfjs Elman op) on a pruned W', async () => {
    await tf.setBackend('cpu');
    const n = 48;
    const batch = 6;
    const { W, x, h0 } = problem(n, batch, 5, 0.1, 'tfjs');
    const dense = tf.tidy(() => fusedElman(tf.tensor2d(x, [5 * batch, n]), tf.tensor2d(h0, [batch, n]), tf.tensor2d(W, [n, n]), 'relu').dataSync());
    const sparse = new SparseRecurrence(toCsr(W, n)).run(x, h0, batch, 'relu');
    for (let k = 0; k < dense.length; k++) expect(sparse[k]).toBeCloseTo(dense[k], 4);
  });

  it('the committed kernel bytes are the compiled recurrence.wat', () => {
    const root = resolve(__dirname, '../..');
    const compiled = execFileSync(process.execPath, [resolve(root, 'scripts/build-sparse-kernel.mjs'), '--print'], { encoding: 'utf8' });
    expect(compiled).toBe(RECURRENCE_WASM_BASE64);
  });
});

describe('sparse inference in the models', () => {
  it('a navigation RNN evaluated with a 90 %-pruned W_hh gives the dense logits; below 80 % or with tanh it stays dense', async () => {
    const { NavigationRnn, sparseInference } = await import('../../src-main/engine/models/elman');
    const { deriveRng } = await import('../../src-main/engine/random');
    await tf.setBackend('wasm').catch(() => tf.setBackend('cpu'));
    const model = new NavigationRnn(64, 32, 'relu', deriveRng(1, 'model'));
    expect(sparseInference(model.whh, 'relu')).toBeNull();
    const rng = seedrandom('mask');
    model.whh.assign(
      tf.tensor2d(
        Float32Array.from(model.whh.dataSync(), (w) => (rng() < 0.9 ? 0 : w)),
        [64, 64],
      ),
    );
    const sparse = sparseInference(model.whh, 'relu');
    expect(sparse).not.toBeNull();
    expect(sparseInference(model.whh, 'tanh')).toBeNull();
    const velocity = tf.randomUniform([7, 5, 2], -1, 1, 'float32', 3) as tf.Tensor3D;
    const code = tf.randomUniform([5, 32], 0, 1, 'float32', 4) as tf.Tensor2D;
    const dense = model.forward(velocity, code).dataSync();
    const viaKernel = model.forward(velocity, code, sparse).dataSync();
    for (let k = 0; k < dense.length; k++) expect(viaKernel[k]).toBeCloseTo(dense[k], 4);
  });
});
