// Path integration (docs/method.md §6.1): trajectories → velocity inputs → place-cell logits.
// Loss: cross-entropy between the place-cell code and softmax(logits); metric: decoding error (cm) from the
// mean centre of the top-3 cells, with the fraction of errors ≥ 10/20/50 cm.
import * as tf from '@tensorflow/tfjs';
import type { NavigationTask as NavigationConfig } from '../../../schema/experiment';
import { NavigationRnn, RecurrencePath, sparseInference } from '../../models/elman';
import { softmaxCrossEntropy } from '../../ops/cross-entropy';
import { readAndDispose, readInts, readScalar } from '../../read';
import { deriveRng } from '../../random';
import { AdamW, type Optimizer } from '../../learning/optimizers';
import type { Prunable, ScheduleTiming } from '../../learning/pruning';
import type { RecurrentMatrix } from '../../learning/regularizer';
import type { Metrics, StepContext, StepResult, Task } from '../task';
import { decodingFloor, testTrajectories, TOP_K } from './decoding-floor';
import { PlaceCells } from './place-cells';
import { PlaceCodeThread } from './place-code-thread';
import { generateTrajectories, type TrajectoryBatch } from './trajectories';

export interface NavigationBatch {
  velocity: tf.Tensor3D;
  initCode: tf.Tensor2D;
  targetCode: tf.Tensor2D;
  positions: Float64Array;
  start: Float64Array;
}

export class NavigationTask implements Task {
  readonly name = 'navigation' as const;
  readonly epochs: number;
  readonly stabiliserEpochs = 0;
  readonly scheduleTiming: ScheduleTiming;
  readonly clipNorm = null;
  readonly primaryMetric = 'error_cm';
  readonly accumulateGradients: boolean;
  readonly placeCells: PlaceCells;
  readonly model: NavigationRnn;
  /** The next training batch's place codes on a second thread (when the run may use one). */
  private readonly prefetch: PlaceCodeThread | null = null;
  private prefetched: { traj: TrajectoryBatch } | null = null;

  constructor(
    readonly config: NavigationConfig,
    readonly seed: number,
    initSeed: string = 'init',
    opts: { backgroundThread?: boolean } = {},
  ) {
    this.epochs = config.epochs;
    this.accumulateGradients = config.accumulateGradients;
    this.scheduleTiming = { epochs: config.epochs, firstEpoch: 1, offset: 0 };
    this.placeCells = new PlaceCells({
      count: config.placeCells,
      width: config.placeCellWidth,
      surroundScale: config.surroundScale,
      boxSize: config.boxSize,
      code: config.placeCellCode,
    });
    this.model = new NavigationRnn(config.hidden, config.placeCells, config.activation, deriveRng(seed, initSeed));
    if (opts.backgroundThread) {
      try {
        this.prefetch = new PlaceCodeThread(this.placeCells.spec(), config.batchSize * (config.sequenceLength + 1));
      } catch {
        // No second thread here (a sandbox without worker_threads): codes are computed in line, as fast as before.
      }
    }
  }

  variables() {
    return this.model.variables();
  }

  /** Reference: encoder, W_hh, W_ih and decoder are pruned together. */
  prunable(): Prunable[] {
    const v = this.model.variables();
    return ['encoder', 'W_hh', 'W_ih', 'decoder'].map((name) => ({ name, variable: v[name] }));
  }

  recurrent(): RecurrentMatrix[] {
    return [{ name: 'W_hh', variable: this.model.whh, gates: 1 }];
  }

  plainL1() {
    return [];
  }

  createOptimizer(): Optimizer {
    return new AdamW(this.config.learningRate, this.config.adamWeightDecay);
  }

  stepsPerEpoch() {
    return this.config.stepsPerEpoch;
  }

  beginEpoch() {}

  /** Tensors for one batch of trajectories (caller disposes). */
  makeBatch(traj: TrajectoryBatch): NavigationBatch {
    const { batch: B, steps: T } = traj;
    const Np = this.config.placeCells;
    const init = new Float32Array(B * Np);
    this.placeCells.encodeRows(traj.start, 0, B, init);
    const target = new Float32Array(T * B * Np);
    this.placeCells.encodeRows(traj.positions, 0, T * B, target);
    return {
      velocity: tf.tensor3d(traj.velocity, [T, B, 2]),
      initCode: tf.tensor2d(init, [B, Np]),
      targetCode: tf.tensor2d(target, [T * B, Np]),
      positions: traj.positions,
      start: traj.start,
    };
  }

  private trajectoriesFor(ctx: StepContext): TrajectoryBatch {
    const rng = deriveRng(this.seed, `nav:${ctx.phase}:${ctx.epoch}:${ctx.step}`);
    return generateTrajectories(this.config.batchSize, this.config.sequenceLength, this.config.boxSize, rng);
  }

  /**
   * The batch of a training step. With a prefetch thread, its place codes were computed while the previous
   * step trained, and the next step's are started now; the batch is the same either way (a pure function of
   * the seed and the step).
   */
  batchFor(ctx: StepContext): NavigationBatch {
    const key = (c: StepContext) => `${c.phase}:${c.epoch}:${c.step}`;
    const ready = this.prefetched?.traj && this.prefetch?.take(key(ctx));
    const batch = ready && this.prefetched ? this.batchWithCodes(this.prefetched.traj, ready) : this.makeBatch(this.trajectoriesFor(ctx));
    this.prefetched = null;
    if (this.prefetch && ctx.step + 1 < this.config.stepsPerEpoch) {
      const next = { ...ctx, step: ctx.step + 1 };
      const traj = this.trajectoriesFor(next);
      // Start positions first, then every step's positions: the codes come back in that order.
      const rows = traj.batch + traj.steps * traj.batch;
      const positions = new Float64Array(2 * rows);
      positions.set(traj.start);
      positions.set(traj.positions.subarray(0, 2 * traj.steps * traj.batch), 2 * traj.batch);
      this.prefetch.submit(key(next), positions, rows);
      this.prefetched = { traj };
    }
    return batch;
  }

  private batchWithCodes(traj: TrajectoryBatch, codes: Float32Array): NavigationBatch {
    const { batch: B, steps: T } = traj;
    const Np = this.config.placeCells;
    return {
      velocity: tf.tensor3d(traj.velocity, [T, B, 2]),
      initCode: tf.tensor2d(codes.subarray(0, B * Np), [B, Np]),
      targetCode: tf.tensor2d(codes.subarray(B * Np), [T * B, Np]),
      positions: traj.positions,
      start: traj.start,
    };
  }

  /** Soft-target cross-entropy −Σ y·log_softmax(logits), averaged over T·B. */
  static crossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
    return softmaxCrossEntropy(logits, target);
  }

  /** Decoding errors (m) per row. */
  async decodingErrors(logits: tf.Tensor2D, positions: Float64Array): Promise<Float64Array> {
    return this.errorsFromTopK(await readAndDispose(NavigationTask.topCells(logits), readInts), positions);
  }

  /** Indices of the TOP_K most active place cells per row (int32, rows × TOP_K). */
  private static topCells(logits: tf.Tensor2D): tf.Tensor {
    return tf.tidy(() => tf.topk(logits, TOP_K).indices);
  }

  private errorsFromTopK(idx: Int32Array, positions: Float64Array): Float64Array {
    const decoded = this.placeCells.decodeTopK(idx, TOP_K);
    const errs = new Float64Array(decoded.length / 2);
    for (let r = 0; r < errs.length; r++) errs[r] = Math.hypot(decoded[2 * r] - positions[2 * r], decoded[2 * r + 1] - positions[2 * r + 1]);
    return errs;
  }

  static errorMetrics(errs: Float64Array): Metrics {
    let sum = 0;
    let e10 = 0;
    let e20 = 0;
    let e50 = 0;
    for (const e of errs) {
      sum += e;
      if (e >= 0.1) e10++;
      if (e >= 0.2) e20++;
      if (e >= 0.5) e50++;
    }
    const n = errs.length;
    return { error_cm: (100 * sum) / n, frac_err_ge_10cm: e10 / n, frac_err_ge_20cm: e20 / n, frac_err_ge_50cm: e50 / n };
  }

  readonly recurrencePath = new RecurrencePath();

  useSparseTraining(masks: Map<string, Float32Array>): void {
    this.model.trainingKernel = this.recurrencePath.choose(masks.get('W_hh') ?? null, this.model.hidden, this.model.activation, {
      batch: this.config.batchSize,
      steps: this.config.sequenceLength,
    });
  }

  trainStep(ctx: StepContext): StepResult {
    const batch = this.batchFor(ctx);
    const logits = this.model.forward(batch.velocity, batch.initCode, this.model.trainingKernel);
    const loss = NavigationTask.crossEntropy(logits, batch.targetCode);
    return {
      loss,
      metrics: () => {
        const top = tf.keep(NavigationTask.topCells(logits));
        return async () => NavigationTask.errorMetrics(this.errorsFromTopK(await readAndDispose(top, readInts), batch.positions));
      },
    };
  }

  private async evaluateBatches(purpose: string, batches: number): Promise<Metrics> {
    const errs: number[] = [];
    let lossSum = 0;
    const sparse = sparseInference(this.model.whh, this.model.activation);
    for (let i = 0; i < batches; i++) {
      const rng = deriveRng(this.seed, `${purpose}:${i}`);
      const batch = this.makeBatch(generateTrajectories(this.config.batchSize, this.config.sequenceLength, this.config.boxSize, rng));
      const logits = tf.tidy(() => this.model.forward(batch.velocity, batch.initCode, sparse));
      lossSum += await readAndDispose(
        tf.tidy(() => NavigationTask.crossEntropy(logits, batch.targetCode)),
        readScalar,
      );
      errs.push(...(await this.decodingErrors(logits, batch.positions)));
      tf.dispose([logits, batch.velocity, batch.initCode, batch.targetCode]);
    }
    return { loss: lossSum / batches, ...NavigationTask.errorMetrics(Float64Array.from(errs)) };
  }

  validate(): Promise<Metrics> {
    return this.evaluateBatches('validation', this.config.validationBatches);
  }

  test(): Promise<Metrics> {
    return this.evaluateBatches('test', this.config.validationBatches);
  }

  /**
   * Error of predicting the start position for every step and of predicting the box centre, and the decoding
   * floor: what a perfect predictor scores on the test trajectories through the same top-3 decoder (with its
   * standard error over trajectories).
   */
  baselines(): Metrics {
    const floor = decodingFloor(this.placeCells, testTrajectories(this.config, this.seed), TOP_K);
    const rng = deriveRng(this.seed, 'test:0');
    const traj = generateTrajectories(this.config.batchSize, this.config.sequenceLength, this.config.boxSize, rng);
    let start = 0;
    let centre = 0;
    const B = traj.batch;
    const rows = traj.steps * B;
    for (let r = 0; r < rows; r++) {
      const b = r % B;
      start += Math.hypot(traj.positions[2 * r] - traj.start[2 * b], traj.positions[2 * r + 1] - traj.start[2 * b + 1]);
      centre += Math.hypot(traj.positions[2 * r], traj.positions[2 * r + 1]);
    }
    return {
      start_position_error_cm: (100 * start) / rows,
      box_centre_error_cm: (100 * centre) / rows,
      decoding_floor_cm: floor.meanCm,
      decoding_floor_se_cm: floor.standardErrorCm,
    };
  }

  dispose() {
    this.prefetch?.dispose();
    tf.dispose(Object.values(this.model.variables()));
  }
}
