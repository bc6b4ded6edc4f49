// What the trainer needs from a task: the model's variables, which of them are pruned and penalised, the
// optimizer, one training loss per step, and evaluation. Data for (phase, epoch, step) is derived from the
// seed, so any step can be regenerated after a resume without saving random-number state.
import type * as tf from '@tensorflow/tfjs';
import type { RecurrencePath } from '../models/elman';
import type { TaskName } from '../../schema/experiment';
import type { Optimizer } from '../learning/optimizers';
import type { Prunable, ScheduleTiming } from '../learning/pruning';
import type { RecurrentMatrix } from '../learning/regularizer';

export type Metrics = Record<string, number>;

export interface StepContext {
  phase: 'train' | 'lottery';
  epoch: number;
  step: number;
}

export interface StepResult {
  /** Task loss (without the penalty), a scalar to differentiate. */
  loss: tf.Scalar;
  /**
   * Cheap metrics of the training batch from tensors already in hand. Called inside the step, it keeps the
   * tensors it needs and returns a reader that resolves them after the step (reads are asynchronous:
   * engine/read.ts) and disposes them.
   */
  metrics?: () => () => Promise<Metrics>;
}

export interface Task {
  readonly name: TaskName;
  /** Main-phase epochs (pruning happens within them) and extra epochs with masks fixed (adding: stabiliser). */
  readonly epochs: number;
  readonly stabiliserEpochs: number;
  readonly scheduleTiming: ScheduleTiming;
  /** Global-norm clip, or null. */
  readonly clipNorm: number | null;
  /** The task's headline metric (lower is better) and its unit, e.g. error_cm / perplexity / mse. */
  readonly primaryMetric: string;

  variables(): Record<string, tf.Variable>;
  prunable(): Prunable[];
  recurrent(): RecurrentMatrix[];
  /** Extra plain-L1 terms λ·mean|W| (the language model's reference behaviour). */
  plainL1(): tf.Variable[];
  createOptimizer(): Optimizer;
  stepsPerEpoch(): number;

  beginEpoch(ctx: StepContext): void;
  /** Builds the loss for one step; called inside the gradient tape. */
  trainStep(ctx: StepContext): StepResult;
  /**
   * The current masks of the recurrent matrices (by name), at every epoch start: a task may switch its training
   * steps to sparse kernels once they are pruned enough (Elman tasks, models/elman.ts sparseTrainingFor).
   */
  useSparseTraining?(masks: Map<string, Float32Array>): void;
  /**
   * Elman tasks: whether a pruned W_hh trains through the sparse kernels or dense products (models/elman.ts),
   * decided by useSparseTraining; the trainer records it and keeps it in checkpoints.
   */
  readonly recurrencePath?: RecurrencePath;
  /**
   * Apply the running sum of every gradient so far instead of this step's (the authors' headline code never
   * zeroed its gradients; engine/training/step.ts).
   */
  readonly accumulateGradients?: boolean;
  /** After the optimizer step (e.g. keep carried hidden state). */
  afterStep?(): void;
  /** Validation metrics at the end of an epoch (primary metric included). */
  validate(ctx: StepContext): Promise<Metrics>;
  /** Final held-out metrics. */
  test(): Promise<Metrics>;
  /** Reference points: trivial baselines for the primary metric. */
  baselines(): Metrics;
  /** Called with the validation metrics; may change the learning rate (language model: ÷4). */
  endEpoch?(valid: Metrics, optimizer: Optimizer): void;
  /** Scalars to checkpoint beyond variables and optimizer state (e.g. best validation loss). */
  saveState?(): Record<string, number>;
  loadState?(s: Record<string, number>): void;
  /** Tensors carried between steps (language model hidden state), for mid-epoch checkpoints. */
  saveTensors?(): Record<string, tf.Tensor>;
  loadTensors?(t: Record<string, tf.Tensor>): void;
  /** Learned-embedding gradient scale for this epoch (adding: 0.99^epoch), default 1. */
  embeddingGradScale?(epoch: number): number;
  dispose(): void;
}
