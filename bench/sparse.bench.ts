// Does sparsity pay? One Elman forward sequence (inference; seq 20, 512 → N hidden) with W_hh pruned to a
// target sparsity: dense tfjs (the fused op the trainer uses, on the chosen backend) against the sparse SIMD
// kernel with neurons in natural and in embedding order. The pruned W mimics moduli regularisation: kept
// connections are the geodesically nearest pairs on a random torus embedding (plus a random control mask).
// Prints one JSON line per case: msPerSequence is the median of --reps after a warm-up, conversions included.
// Usage: npm run bench:sparse -- [--hidden 1024] [--batch 200,1] [--sparsity 0.9,0.95] [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { loadBackendModule } from '../src-main/engine/backend';
import { distanceMatrix, embedNeurons } from '../src-main/engine/geometry/penalty';
import { fusedElman } from '../src-main/engine/ops/elman';
import { SparseRecurrence, toCsr } from '../src-main/engine/ops/sparse/recurrence';
import { deriveRng } from '../src-main/engine/random';
import { PenaltySpec } from '../src-main/schema/penalty';

const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '1024' },
    batch: { type: 'string', default: '200,1' },
    sparsity: { type: 'string', default: '0.9,0.95' },
    steps: { type: 'string', default: '20' },
    reps: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
  },
});

const tfName = await loadBackendModule(args.backend as 'wasm' | 'cpu' | 'tensorflow');
await tf.setBackend(tfName);
await tf.ready();

function median(f: () => void, reps: number): number {
  f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const steps = Number(args.steps);
const reps = Number(args.reps);
for (const n of args.hidden!.split(',').map(Number)) {
  const emb = embedNeurons(PenaltySpec.parse({ space: 'torus' }), n, deriveRng(1, 'embedding'));
  const D = distanceMatrix(emb.space!, emb.rows!, emb.cols!);
  const rng = seedrandom('bench');
  const weights = Float32Array.from({ length: n * n }, () => (rng() - 0.5) / Math.sqrt(n));
  for (const sparsity of args.sparsity!.split(',').map(Number)) {
    const keep = Math.round((1 - sparsity) * n * n);
    const cutoff = Float64Array.from(D).sort()[keep - 1];
    const local = weights.map((w, k) => (D[k] <= cutoff ? w : 0));
    const random = weights.map(() => 0);
    const picks = Float64Array.from({ length: n * n }, () => rng()).map((u, k) => u + 0 * k);
    const rCut = Float64Array.from(picks).sort()[keep - 1];
    picks.forEach((u, k) => (random[k] = u <= rCut ? weights[k] : 0));
    for (const batch of args.batch!.split(',').map(Number)) {
      const x = Float32Array.from({ length: steps * batch * n }, () => rng() - 0.4);
      const h0 = new Float32Array(batch * n);
      const cases: Array<[string, string, () => void]> = [];
      for (const [maskName, W] of [
        ['local', local],
        ['random', random],
      ] as const) {
        const xt = tf.tensor2d(x, [steps * batch, n]);
        const h0t = tf.tensor2d(h0, [batch, n]);
        const wt = tf.tensor2d(W, [n, n]);
        cases.push([maskName, `dense-${args.backend}`, () => tf.tidy(() => void fusedElman(xt, h0t, wt, 'relu').dataSync())]);
        const natural = new SparseRecurrence(toCsr(W, n));
        cases.push([maskName, 'sparse-natural-order', () => void natural.run(x, h0, batch, 'relu')]);
        const ordered = new SparseRecurrence(toCsr(W, n, emb.order));
        cases.push([maskName, 'sparse-embedding-order', () => void ordered.run(x, h0, batch, 'relu')]);
      }
      const dense: Record<string, number> = {};
      for (const [mask, variant, f] of cases) {
        const ms = median(f, reps);
        if (variant.startsWith('dense')) dense[mask] = ms;
        const macs = variant.startsWith('dense') ? steps * batch * n * n : steps * batch * keep;
        console.log(
          JSON.stringify({
            op: 'elman-forward',
            hidden: n,
            batch,
            steps,
            sparsity,
            mask,
            variant,
            msPerSequence: +ms.toFixed(2),
            speedupVsDense: +(dense[mask] / ms).toFixed(2),
            gflops: +((2 * macs) / (ms / 1000) / 1e9).toFixed(2),
          }),
        );
      }
    }
  }
}
