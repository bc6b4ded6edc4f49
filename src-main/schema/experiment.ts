// One experiment = one task configuration + moduli regularization + pruning + lottery + seed + backend.
// Defaults are the reference's (docs/method.md §3–6 and §9.1, the paper-era defaults).
import { z } from 'zod';
import { PenaltySpec } from './penalty';
import { assertKnownPath, schemaPaths } from './paths';

const positiveInt = z.number().int().positive();

export const NavigationTask = z.strictObject({
  task: z.literal('navigation'),
  hidden: positiveInt.default(4096).describe('hidden ("grid") units N'),
  placeCells: positiveInt.default(512).describe('place cells Np (decoder outputs)'),
  placeCellWidth: z.number().positive().default(0.12).describe('place-cell width σ (m)'),
  surroundScale: z.number().positive().default(2).describe('DoG surround: σ₂² = scale·σ²'),
  placeCellCode: z
    .enum(['dog', 'gaussian'])
    .default('dog')
    .describe('dog: difference of softmaxes, shifted and renormalised (reference default); gaussian: the plain softmax (reference --DoG False)'),
  boxSize: z.number().positive().default(2.2).describe('side of the square box (m)'),
  sequenceLength: positiveInt.default(50).describe('RNN steps per trajectory'),
  batchSize: positiveInt.default(200),
  stepsPerEpoch: positiveInt.default(1000).describe('the paper-era value; the reference HEAD says 1 (a defect)'),
  epochs: positiveInt.default(30),
  learningRate: z.number().positive().default(1e-4).describe('AdamW learning rate'),
  adamWeightDecay: z.number().min(0).default(0.01).describe('AdamW decoupled weight decay (PyTorch default)'),
  activation: z.enum(['relu', 'tanh']).default('relu'),
  validationBatches: positiveInt.default(5),
  accumulateGradients: z
    .boolean()
    .default(false)
    .describe("the authors' headline code (commit 0553732) never zeroed gradients: each step applies the sum of every gradient so far (docs/method.md §9.4)"),
});

export const LanguageTask = z.strictObject({
  task: z.literal('language'),
  corpus: z
    .strictObject({
      train: z.string().min(1).describe('training token file (WikiText-2 style: whitespace tokens, one line per paragraph)'),
      valid: z.string().min(1),
      test: z.string().min(1),
    })
    .describe('token files; tests train on the validation split and evaluate on the test split'),
  cell: z.enum(['lstm', 'rnn_tanh', 'rnn_relu']).default('rnn_tanh'),
  layers: positiveInt.default(3),
  embeddingSize: positiveInt.default(650),
  hidden: positiveInt.default(650),
  dropout: z.number().min(0).max(0.9).default(0),
  tied: z.boolean().default(false).describe('tie decoder and embedding weights (needs hidden = embeddingSize)'),
  batchSize: positiveInt.default(20),
  evalBatchSize: positiveInt.default(10),
  bptt: positiveInt.default(35),
  learningRate: z.number().positive().default(20).describe('plain SGD; divided by 4 when validation loss does not improve'),
  clip: z.number().positive().default(0.25).describe('global gradient-norm clip'),
  epochs: positiveInt.default(15),
  maxTrainWindows: positiveInt.optional().describe('cap on BPTT windows per epoch (quick runs)'),
  maxEvalTokens: positiveInt.optional().describe('cap on evaluation tokens per split (quick runs)'),
  plainL1OnInputs: z.boolean().default(true).describe('the reference also adds λ·mean|W| on W_ih, embedding and decoder (docs/method.md §3)'),
});

export const AddingTask = z.strictObject({
  task: z.literal('adding'),
  sequenceLength: positiveInt.default(50),
  hidden: positiveInt.default(128),
  samplesPerEpoch: positiveInt.default(10000),
  batchSize: positiveInt.default(32),
  epochs: positiveInt.default(100),
  stabiliserEpochs: z.number().int().min(0).default(10).describe('epochs with masks kept and the embedding frozen'),
  learningRate: z.number().positive().default(1e-4).describe('Adam learning rate'),
  clip: z.number().positive().default(0.5),
  activation: z.enum(['relu', 'tanh']).default('relu'),
  testSamples: positiveInt.default(2000),
});

export const TaskConfig = z.discriminatedUnion('task', [NavigationTask, AddingTask, LanguageTask]);
export type TaskConfig = z.infer<typeof TaskConfig>;
export type NavigationTask = z.infer<typeof NavigationTask>;
export type LanguageTask = z.infer<typeof LanguageTask>;
export type AddingTask = z.infer<typeof AddingTask>;
export const TASKS = ['navigation', 'language', 'adding'] as const;
export type TaskName = (typeof TASKS)[number];

/**
 * Each task's headline metric (lower is better): what run lists, reports and charts lead with. The engine's
 * tasks declare the same name (Task.primaryMetric; test/engine/tasks-registry.spec.ts keeps them equal).
 */
export const PRIMARY_METRIC: Record<TaskName, string> = { navigation: 'error_cm', language: 'perplexity', adding: 'mse' };

/**
 * The trivial baseline a trained run must beat, per task (a key of the run's baselines): predicting the start
 * position (navigation), predicting the mean sum (adding), the training split's unigram model (language model).
 * Reports count the runs that end worse than it: a recipe that loses to it has failed, whatever its sparsity.
 */
export const TRIVIAL_BASELINE: Record<TaskName, string> = { navigation: 'start_position_error_cm', adding: 'trivial_mse', language: 'unigram_test_perplexity' };

export function primaryMetricOf(task: string): string {
  const metric = PRIMARY_METRIC[task as TaskName];
  if (!metric) throw new Error(`unknown task '${task}'`);
  return metric;
}

export const Regularization = z.strictObject({
  penalty: PenaltySpec.default(PenaltySpec.parse({})),
  lambda: z.number().min(0).default(0.1).describe('λ, the penalty coefficient (the reference calls it weight_decay)'),
  power: z
    .union([z.literal(1), z.literal(2)])
    .default(1)
    .describe('p in |W|^p'),
  learnEmbedding: z.boolean().default(false).describe('learn the embedding end to end (C rebuilt every step)'),
  // Size scaling of λ (docs/studies/lambda-across-sizes.md): the reference uses λ as given at every N (exponent 0).
  lambdaExponent: z
    .number()
    .min(0)
    .max(3)
    .default(0)
    .describe(
      'k in λ_eff = λ·(N/lambdaReferenceN)^k; 0 (the reference) uses λ as given at every hidden size N; 2 makes the penalty a sum normalised by lambdaReferenceN²',
    ),
  lambdaReferenceN: positiveInt.default(128).describe('the hidden size at which λ_eff = λ when lambdaExponent > 0'),
});
export type Regularization = z.infer<typeof Regularization>;

/**
 * The λ a run trains with: λ·(N/N_ref)^k. Configs stored before these fields existed have neither: λ as given.
 */
export function effectiveLambda(
  r: Pick<Regularization, 'lambda'> & Partial<Pick<Regularization, 'lambdaExponent' | 'lambdaReferenceN'>>,
  hidden: number,
): number {
  const k = r.lambdaExponent ?? 0;
  return k === 0 ? r.lambda : r.lambda * (hidden / (r.lambdaReferenceN ?? hidden)) ** k;
}

/**
 * Whether the run adds a penalty term at all: λ > 0 and a space other than 'none'. The one definition the run's
 * name, its memory estimate and the regulariser read (λ = 0 or 'none' is the unregularised control).
 */
export function penaltyActive(r: Pick<Regularization, 'lambda'> & { penalty: Pick<Regularization['penalty'], 'space'> }): boolean {
  return r.lambda > 0 && r.penalty.space !== 'none';
}

export const Pruning = z.strictObject({
  target: z.number().min(0).max(0.999).default(0.9).describe('final global fraction of pruned weights'),
  schedule: z.enum(['linear', 'cubic']).default('linear').describe('linear: the reference; cubic: Zhu & Gupta (2017)'),
  scope: z
    .enum(['reference', 'recurrent'])
    .default('reference')
    .describe('reference: the matrices the reference prunes together for the task; recurrent: only the W_hh matrices'),
  allocation: z
    .enum(['global', 'per-matrix'])
    .default('global')
    .describe(
      'global: one magnitude threshold over all pruned matrices (the reference; at small N it can leave W_hh almost empty); per-matrix: each matrix pruned to the target fraction by its own threshold',
    ),
  recoveryEpochs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('extra epochs at the target with masks fixed (beyond the reference, which reaches the target at its last epoch)'),
});
export type Pruning = z.infer<typeof Pruning>;

export const Lottery = z.strictObject({
  enabled: z.boolean().default(false).describe('after training, retrain the final mask from fresh weights'),
  embedding: z
    .enum(['same', 'fresh'])
    .default('same')
    .describe('same: keep the geometry that produced the mask (the paper’s intent); fresh: the reference’s new embedding'),
});

export const BACKENDS = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const Backend = z.enum(BACKENDS);
export type Backend = z.infer<typeof Backend>;

/** CPU threads for the wasm backend's matrix products; results are bit-identical for every count. */
export const Threads = z.union([z.literal('auto'), z.number().int().min(1).max(64)]);
export type Threads = z.infer<typeof Threads>;

export const BLAS_SETTINGS = ['auto', 'off'] as const;
export const Blas = z.enum(BLAS_SETTINGS);

export const ExperimentConfig = z.strictObject({
  name: z.string().max(200).default(''),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1)
    .describe('random seed: weights, data, embedding and permutation'),
  task: TaskConfig,
  regularization: Regularization.default(Regularization.parse({})),
  pruning: Pruning.default(Pruning.parse({})),
  lottery: Lottery.default(Lottery.parse({})),
  backend: Backend.default('auto').describe('compute backend (auto: the best present, with a notice)'),
  threads: Threads.default('auto').describe(
    'CPU threads for matrix products on the wasm backend (auto: the cores left per run when several train at once, at most 8); the results do not depend on it',
  ),
  blas: Blas.default('auto').describe(
    'CPU matrix products through the platform BLAS (OpenBLAS, MKL, Accelerate) where one is found (auto), or the built-in wasm path (off); results agree to float rounding',
  ),
});
export type ExperimentConfig = z.infer<typeof ExperimentConfig>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;

/** Every dotted path of an experiment config ('task.hidden', 'regularization.penalty.space', …). */
export const CONFIG_PATHS: readonly string[] = schemaPaths(ExperimentConfig);

/** Throws ConfigPathError for a path the experiment config does not have (with the nearest valid ones). */
export function assertConfigPath(path: string): void {
  assertKnownPath(path, CONFIG_PATHS);
}
