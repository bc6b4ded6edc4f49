// Time to a finished run with and without sparse training steps (issue #15): the same config and seed,
// trained with the dense recurrence throughout and with the sparse kernels once W_hh is ≥ 90 % pruned.
// With --threads 1,2 each mode runs once per thread count (engine/threads; results are the same on any count).
// Prints one JSON line per mode: {config, threads, sparseTraining, wallS, sparseSteps, finalMetric}.
//   npm run bench:sparse-run -- [--preset quick] [--hidden 1024 --steps 20 --epochs 4] [--threads 1,2]
import { parseArgs } from 'node:util';
import { SparseTrainingKernel } from '../src-main/engine/ops/sparse/training';
import { runExperiment } from '../src-main/engine/training/trainer';
import { ExperimentConfig, primaryMetricOf } from '../src-main/schema/experiment';
import { presetConfig } from '../src-main/schema/presets';

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string' },
    hidden: { type: 'string', default: '1024' },
    steps: { type: 'string', default: '20' },
    epochs: { type: 'string', default: '4' },
    target: { type: 'string', default: '0.95' },
    threads: { type: 'string', default: '1' },
  },
});

// Either the quick navigation preset as shipped, or a short run at a larger N pruned to --target by epoch E − 1.
const config: ExperimentConfig = args.preset
  ? presetConfig('navigation', args.preset as 'quick')
  : ExperimentConfig.parse({
      backend: 'wasm',
      task: {
        task: 'navigation',
        hidden: Number(args.hidden),
        placeCells: 512,
        sequenceLength: 20,
        batchSize: 200,
        stepsPerEpoch: Number(args.steps),
        epochs: Number(args.epochs),
        validationBatches: 1,
      },
      regularization: { lambda: 0.1 },
      pruning: { target: Number(args.target), scope: 'recurrent' },
    });

let sparseSteps = 0;
const forward = SparseTrainingKernel.prototype.forward;
SparseTrainingKernel.prototype.forward = function (...a: Parameters<typeof forward>) {
  sparseSteps++;
  return forward.apply(this, a);
};

for (const threads of args.threads!.split(',').map(Number)) {
  for (const sparseTraining of [false, true]) {
    sparseSteps = 0;
    const t0 = performance.now();
    const result = await runExperiment({ ...config, threads }, { sparseTraining });
    const line = {
      config: args.preset ? `navigation ${args.preset}` : `navigation N=${args.hidden}, ${args.epochs}×${args.steps} steps, W_hh → ${args.target}`,
      threads,
      sparseTraining,
      wallS: +((performance.now() - t0) / 1000).toFixed(1),
      sparseSteps,
      totalSteps: result.steps,
      finalMetric: +(result.test[primaryMetricOf('navigation')] ?? NaN).toFixed(3),
    };
    console.log(JSON.stringify(line));
  }
}
process.exit(0);
