// How strong is λ at each hidden size N? (issue #16, docs/studies/lambda-across-sizes.md)
// The penalty λ·mean(C ⊙ |W_hh|) is a mean over N² entries, so its gradient on one weight is λ·C_ij/N², while
// the task's gradient on that weight shrinks more slowly with N. Under Adam what matters per weight is the
// ratio of the two; this measures it: RMS of the penalty gradient (per unit λ) over RMS of the task gradient,
// both on W_hh, after --warmup steps of unregularised training (RMS over 8 fresh batches), for each N. A log-log
// fit of ratio vs N gives the exponent k with which λ must grow (λ·(N/N_ref)^k) to keep its strength.
// Prints one JSON line per (N, steps) and a final {fit} line.
//   npm run bench:lambda -- [--hidden 64,128,256,512,1024] [--warmup 100,400] [--seeds 1,2] [--preset quick|paper]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src-main/engine/backend';
import { readFloats } from '../src-main/engine/read';
import { buildPhase, disposeAll } from '../src-main/engine/training/phase';
import { optimizationStep, trainableFor } from '../src-main/engine/training/step';
import { presetConfig, type PresetName } from '../src-main/schema/presets';

const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,128,256,512,1024' },
    warmup: { type: 'string', default: '100,400' },
    seeds: { type: 'string', default: '1,2' },
    preset: { type: 'string', default: 'quick' },
  },
});
const sizes = args.hidden.split(',').map(Number);
const seeds = args.seeds.split(',').map(Number);
const checkpoints = args.warmup.split(',').map(Number);
await selectBackend('wasm');

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** Task gradients fluctuate from batch to batch: their RMS is taken over this many fresh batches. */
const BATCHES = 8;

/** RMS of ∂(task loss)/∂W_hh (over BATCHES batches) and ∂(penalty without λ)/∂W_hh at the current weights. */
async function gradientScales(state: ReturnType<typeof buildPhase>, step: number): Promise<{ task: number; penalty: number }> {
  const W = state.task.recurrent()[0].variable;
  let sumSquares = 0;
  for (let b = 0; b < BATCHES; b++) {
    const ctx = { phase: 'train' as const, epoch: 1000, step: step + b };
    const g = tf.tidy(() => tf.variableGrads(() => state.task.trainStep(ctx).loss, [W]).grads[W.name]);
    sumSquares += rms(await readFloats(g)) ** 2;
    g.dispose();
  }
  const gPen = tf.tidy(() => tf.variableGrads(() => state.regularizer.penalty(), [W]).grads[W.name]);
  const p = await readFloats(gPen);
  gPen.dispose();
  return { task: Math.sqrt(sumSquares / BATCHES), penalty: rms(p) };
}

const points: Array<{ n: number; ratio: number; steps: number }> = [];
for (const n of sizes) {
  for (const seed of seeds) {
    // The navigation preset (quick: Gaussian code, T 20, batch 64; paper: DoG code, T 50, batch 200, Np 512) at
    // size N, torus DoG⁻¹ (the paper's main arm).
    const config = presetConfig('navigation', args.preset as PresetName, {
      seed,
      backend: 'wasm',
      task: { task: 'navigation', hidden: n },
      regularization: { penalty: { space: 'torus', weighting: 'dog', invert: true } },
    });
    const state = buildPhase(config, 'train', {}, null, null);
    state.task.beginEpoch({ phase: 'train', epoch: 0, step: 0 });
    const trainable = trainableFor(state, 0);
    const t0 = performance.now();
    let trained = 0;
    for (const steps of checkpoints) {
      // Unregularised training up to each checkpoint: the task gradient of a network that has started to learn.
      for (; trained < steps; trained++)
        await optimizationStep(state, { phase: 'train', epoch: 0, step: trained }, { lambda: 0, wantMetrics: false, trainable });
      const g = await gradientScales(state, steps + 1);
      const ratio = g.penalty / g.task;
      points.push({ n, ratio, steps });
      console.log(
        JSON.stringify({
          preset: args.preset,
          hidden: n,
          seed,
          steps,
          taskRms: +g.task.toExponential(3),
          penaltyRmsPerLambda: +g.penalty.toExponential(3),
          ratio: +ratio.toExponential(3),
        }),
      );
    }
    console.error(`N=${n} seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    disposeAll(state, null);
  }
}

// Least-squares slope of log ratio vs log N, per measurement point (init / after warm-up).
for (const steps of checkpoints) {
  const pts = points.filter((p) => p.steps === steps);
  const xs = pts.map((p) => Math.log(p.n));
  const ys = pts.map((p) => Math.log(p.ratio));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  console.log(JSON.stringify({ fit: 'log ratio = a + slope·log N', steps, slope: +slope.toFixed(3), points: pts.length }));
}
process.exit(0);
