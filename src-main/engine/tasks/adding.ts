// The adding problem (docs/method.md §6.3): T steps of (value ~ U(0,1), marker ∈ {0,1})
// with exactly two markers; target = the sum of the two marked values; MSE. Fresh samples every step, as
// the reference; we add a fixed held-out test set. Trivial baseline: predicting 1.0 gives MSE 1/6.
import * as tf from '@tensorflow/tfjs';
import type { AddingTask as AddingConfig } from '../../schema/experiment';
import { AddingRnn, RecurrencePath, sparseInference } from '../models/elman';
import { readAndDispose, readScalar } from '../read';
import { deriveRng, type Rng } from '../random';
import { AdamW, type Optimizer } from '../learning/optimizers';
import type { Prunable, ScheduleTiming } from '../learning/pruning';
import type { RecurrentMatrix } from '../learning/regularizer';
import type { Metrics, StepContext, StepResult, Task } from './task';

export const TRIVIAL_MSE = 1 / 6;

export interface AddingSamples {
  /** [T, B, 2] time-major (value, marker). */
  inputs: Float32Array;
  targets: Float32Array;
  batch: number;
  steps: number;
}

export function generateAddingSamples(batch: number, steps: number, rng: Rng): AddingSamples {
  const inputs = new Float32Array(steps * batch * 2);
  const targets = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const first = rng.int(steps);
    let second = rng.int(steps - 1);
    if (second >= first) second++;
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      const v = rng.uniform();
      const o = (t * batch + b) * 2;
      inputs[o] = v;
      if (t === first || t === second) {
        inputs[o + 1] = 1;
        sum += v;
      }
    }
    targets[b] = sum;
  }
  return { inputs, targets, batch, steps };
}

export class AddingTask implements Task {
  readonly name = 'adding' as const;
  readonly epochs: number;
  readonly stabiliserEpochs: number;
  readonly scheduleTiming: ScheduleTiming;
  readonly clipNorm: number;
  readonly primaryMetric = 'mse';
  readonly model: AddingRnn;
  private readonly testSet: AddingSamples;

  constructor(
    readonly config: AddingConfig,
    readonly seed: number,
    initSeed: string = 'init',
  ) {
    this.epochs = config.epochs;
    this.stabiliserEpochs = config.stabiliserEpochs;
    this.scheduleTiming = { epochs: config.epochs, firstEpoch: 1, offset: 0 };
    this.clipNorm = config.clip;
    this.model = new AddingRnn(config.hidden, config.activation, deriveRng(seed, initSeed));
    this.testSet = generateAddingSamples(config.testSamples, config.sequenceLength, deriveRng(seed, 'adding:test'));
  }

  variables() {
    return this.model.variables();
  }

  /** Reference: i2h (input and hidden columns together) and h2o are pruned together. */
  prunable(): Prunable[] {
    return [
      { name: 'W_ih', variable: this.model.wih },
      { name: 'W_hh', variable: this.model.whh },
      { name: 'h2o', variable: this.model.h2o },
    ];
  }

  recurrent(): RecurrentMatrix[] {
    return [{ name: 'W_hh', variable: this.model.whh, gates: 1 }];
  }

  plainL1() {
    return [];
  }

  createOptimizer(): Optimizer {
    return new AdamW(this.config.learningRate, 0);
  }

  stepsPerEpoch() {
    return Math.ceil(this.config.samplesPerEpoch / this.config.batchSize);
  }

  beginEpoch() {}

  private batchSize(step: number): number {
    const rest = this.config.samplesPerEpoch - step * this.config.batchSize;
    return Math.min(this.config.batchSize, rest);
  }

  readonly recurrencePath = new RecurrencePath();

  useSparseTraining(masks: Map<string, Float32Array>): void {
    this.model.trainingKernel = this.recurrencePath.choose(masks.get('W_hh') ?? null, this.model.hidden, this.model.activation, {
      batch: this.config.batchSize,
      steps: this.config.sequenceLength,
    });
  }

  trainStep(ctx: StepContext): StepResult {
    const s = generateAddingSamples(this.batchSize(ctx.step), this.config.sequenceLength, deriveRng(this.seed, `adding:${ctx.phase}:${ctx.epoch}:${ctx.step}`));
    const pred = this.model.forward(tf.tensor3d(s.inputs, [s.steps, s.batch, 2]), this.model.trainingKernel);
    const loss = tf.losses.meanSquaredError(tf.tensor1d(s.targets), pred) as tf.Scalar;
    return { loss };
  }

  private async evaluate(): Promise<Metrics> {
    const sparse = sparseInference(this.model.whh, this.model.activation);
    const s = this.testSet;
    const mse = await readAndDispose(
      tf.tidy(() => tf.losses.meanSquaredError(tf.tensor1d(s.targets), this.model.forward(tf.tensor3d(s.inputs, [s.steps, s.batch, 2]), sparse))),
      readScalar,
    );
    return { mse, loss: mse };
  }

  async validate(): Promise<Metrics> {
    return this.evaluate();
  }

  async test(): Promise<Metrics> {
    return this.evaluate();
  }

  baselines(): Metrics {
    const t = this.testSet.targets;
    let predictOne = 0;
    for (const y of t) predictOne += (y - 1) ** 2;
    return { trivial_mse: TRIVIAL_MSE, predict_one_test_mse: predictOne / t.length };
  }

  embeddingGradScale(epoch: number): number {
    return 0.99 ** epoch;
  }

  dispose() {
    tf.dispose(Object.values(this.model.variables()));
  }
}
