// Memory soak: the real trainer (runExperiment, with pruning, penalty, validation, snapshots, checkpoints)
// for --steps training steps of a small navigation network; tf.memory().numTensors and RSS sampled every
// --every steps. A leak of one tensor per step shows as +10⁴ tensors; the verdict line compares the last
// sample with the second (the first pruning epoch allocates the masks once; the wasm heap grows to size).
// Usage: npm run bench:soak -- [--steps 10000] [--hidden 64] [--every 1000]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { runExperiment } from '../src-main/engine/training/trainer';
import { ExperimentConfig } from '../src-main/schema/experiment';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    hidden: { type: 'string', default: '64' },
    every: { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const total = Number(args.steps);
const every = Number(args.every);
const epochs = 10;
const config = ExperimentConfig.parse({
  backend: args.backend,
  task: {
    task: 'navigation',
    hidden: Number(args.hidden),
    placeCells: 64,
    sequenceLength: 10,
    batchSize: 20,
    stepsPerEpoch: Math.ceil(total / epochs),
    epochs,
    validationBatches: 2,
  },
  regularization: { lambda: 0.01 },
  pruning: { target: 0.9 },
});

const samples: Array<{ step: number; tensors: number; rssMB: number; heapMB: number }> = [];
let next = every;
const t0 = performance.now();
await runExperiment(config, {
  metricsEvery: 100,
  onEvent: (e) => {
    if (e.type !== 'metrics' || e.step < next) return;
    next += every;
    // With --expose-gc (npm run bench:soak sets it) collect first, so heapMB is what is retained.
    (globalThis as { gc?: () => void }).gc?.();
    const s = {
      step: e.step,
      tensors: tf.memory().numTensors,
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
    samples.push(s);
    console.log(JSON.stringify({ bench: 'soak', ...s, elapsedS: Math.round((performance.now() - t0) / 1000) }));
  },
});
// The first pruning epoch creates the masks (a fixed set of tensors): compare from the sample after it.
const first = samples[Math.min(1, samples.length - 1)];
const last = samples[samples.length - 1];
console.log(
  JSON.stringify({
    bench: 'soak-verdict',
    steps: last.step,
    fromStep: first.step,
    tensorsFrom: first.tensors,
    tensorsAtEnd: last.tensors,
    tensorsMaxAfter: Math.max(...samples.slice(1).map((s) => s.tensors)),
    rssFromMB: first.rssMB,
    rssAtEndMB: last.rssMB,
    rssGrowthMB: last.rssMB - first.rssMB,
    maxRssMB: Math.max(...samples.map((s) => s.rssMB)),
  }),
);
