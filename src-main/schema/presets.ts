// Three presets per task: `paper` (the paper's sizes, for a GPU), `quick` (sized to learn within minutes on
// 2 CPU cores) and `medium` (an overnight study on a workstation CPU, minutes per run on a GPU); navigation also
// has `paper-regime` (the paper's recipe at a size a 2-core CPU trains in minutes: docs/studies/paper-regime.md).
// Presets are partial configs merged under the user's own settings.
import { ExperimentConfig, type ExperimentConfigInput, type TaskName } from './experiment';

export const PRESET_NAMES = ['paper', 'medium', 'quick', 'paper-regime'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What each preset is for, in a few words: the CLI's --preset help and the forms' option labels. */
export const PRESET_DESCRIPTIONS: Record<PresetName, string> = {
  quick: 'CPU, minutes',
  medium: 'overnight on a CPU, minutes on a GPU',
  paper: 'the paper, GPU',
  'paper-regime': "navigation: the paper's recipe at N = 256, minutes on a CPU",
};
/** "quick (CPU, minutes)": a preset named with what it is for. */
export const presetLabel = (preset: PresetName) => `${preset} (${PRESET_DESCRIPTIONS[preset]})`;

type TaskInput = ExperimentConfigInput['task'];

type CommonPresetName = Exclude<PresetName, 'paper-regime'>;

const TASK_PRESETS: Record<TaskName, Record<CommonPresetName, TaskInput> & Partial<Record<PresetName, TaskInput>>> = {
  navigation: {
    // Paper-era reference: N = 4096, 512 place cells, T = 50, batch 200, 30 epochs × 1000 steps.
    paper: { task: 'navigation' },
    // Quick: the plain-softmax place-cell code (the reference's --DoG False) learns within ~2000 CPU steps;
    // with the DoG code the target is nearly uniform (entropy 4.75 of a possible 4.85 nats at Np = 128) and
    // the error had not moved after 2500 steps (README, "Presets").
    quick: {
      task: 'navigation',
      hidden: 128,
      placeCells: 128,
      placeCellCode: 'gaussian',
      sequenceLength: 20,
      batchSize: 64,
      stepsPerEpoch: 200,
      epochs: 10,
      learningRate: 1e-2,
      validationBatches: 4,
    },
    // Medium: the quick recipe (Gaussian code, cubic pace, recovery epochs) at N = 1024 with 256 place cells
    // and 3.6× the steps (README "Presets"; about an hour per run on one CPU core with sparse training).
    // lr ∝ 1/N from N = 256, the largest size at which the quick lr 1e-2 trained every seed: at N = 512 it
    // killed 2 of 6 runs within the first 50 steps (docs/studies/navigation-scaling-quick.md).
    medium: {
      task: 'navigation',
      hidden: 1024,
      placeCells: 256,
      placeCellCode: 'gaussian',
      sequenceLength: 20,
      batchSize: 64,
      stepsPerEpoch: 500,
      epochs: 16,
      learningRate: 2.5e-3,
      validationBatches: 8,
    },
    // The paper's regime where a 2-core CPU can afford it (issue: the quick recipe heals pruning damage):
    // 256 place cells and T = 50 as in the paper, the reference's linear pace over every epoch, no recovery
    // epochs (the final metric is the reference's endpoint: the end of the last pruning epoch), and lr × steps
    // at the target (0.3) within 3× the paper's (1e-4 × 1000). N = 256 instead of 4096, batch 64 instead of 200,
    // the Gaussian code as in quick, λ and lr from the pilot (docs/studies/paper-regime.md).
    'paper-regime': {
      task: 'navigation',
      hidden: 256,
      placeCells: 256,
      placeCellCode: 'gaussian',
      sequenceLength: 50,
      batchSize: 64,
      stepsPerEpoch: 100,
      epochs: 19,
      learningRate: 3e-3,
      validationBatches: 8,
    },
  },
  language: {
    // The paper's sweep: 3-layer RNN_TANH, 650/650, dropout 0, 15 epochs (docs/method.md §6).
    paper: { task: 'language', corpus: { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' } },
    quick: {
      task: 'language',
      corpus: { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' },
      cell: 'lstm',
      layers: 1,
      embeddingSize: 128,
      hidden: 128,
      dropout: 0,
      epochs: 4,
      batchSize: 20,
      bptt: 35,
      maxTrainWindows: 150,
      maxEvalTokens: 20000,
    },
    // Medium: two LSTM layers of 256 (a penalty per layer), 8 epochs of 600 windows, 50k evaluation tokens.
    medium: {
      task: 'language',
      corpus: { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' },
      cell: 'lstm',
      layers: 2,
      embeddingSize: 256,
      hidden: 256,
      dropout: 0,
      epochs: 8,
      batchSize: 20,
      bptt: 35,
      maxTrainWindows: 600,
      maxEvalTokens: 50000,
    },
  },
  adding: {
    paper: { task: 'adding' },
    quick: {
      task: 'adding',
      sequenceLength: 30,
      hidden: 64,
      samplesPerEpoch: 3200,
      epochs: 12,
      stabiliserEpochs: 4,
      learningRate: 2e-3,
      testSamples: 1000,
    },
    // Medium: the paper's network and sequence length (N = 128, T = 50), 30 of its 100 epochs, lr 1e-3.
    medium: {
      task: 'adding',
      sequenceLength: 50,
      hidden: 128,
      samplesPerEpoch: 10000,
      epochs: 30,
      stabiliserEpochs: 5,
      learningRate: 1e-3,
      testSamples: 2000,
    },
  },
};

/** λ per task (reference: 0.1 navigation and language model, 1e-3 adding problem); targets 90 / 90 / 95 %. */
const TASK_DEFAULTS: Record<TaskName, { lambda: number; target: number; power: 1 | 2 }> = {
  navigation: { lambda: 0.1, target: 0.9, power: 1 },
  language: { lambda: 0.1, target: 0.9, power: 2 },
  adding: { lambda: 1e-3, target: 0.95, power: 1 },
};

/** Quick presets train at the target a little longer than the reference: few steps per epoch (README). */
const QUICK_RECOVERY_EPOCHS: Record<TaskName, number> = { navigation: 3, language: 0, adding: 0 };

/** The small-CPU presets (quick, medium) share the quick recipe's λ, pruning pace and recovery epochs. */
const cpuRecipe = (preset: PresetName) => preset === 'quick' || preset === 'medium';

/**
 * λ of the paper-regime preset: 0.1·(256/4096)^0.5 (the paper's λ moved to N = 256 by the N^−0.4…0.5 law of
 * docs/studies/lambda-across-sizes.md), kept by the pilot.
 */
const PAPER_REGIME_LAMBDA = 0.02;

/** The presets a task has (every task has paper, medium and quick). */
export function presetsFor(task: TaskName): PresetName[] {
  return PRESET_NAMES.filter((p) => TASK_PRESETS[task][p] !== undefined);
}

/**
 * λ of the CPU presets. The reference's λ = 0.1 drove W_hh of the N = 128 navigation network entirely to zero
 * (measured: 54 cm error at 90 % with λ = 0.1, 12.3 cm with 0.01). Not because the mean over N² entries makes
 * λ ~N× stronger at small N, as first assumed: measured (docs/studies/lambda-across-sizes.md), the ratio of the
 * penalty's to the task's gradient on W_hh falls only like N^−0.4, so the paper's λ = 0.1 at N = 4096 is
 * about λ = 0.025 at N = 128, and 0.01 is within 2.5× of the paper's strength.
 */
const QUICK_LAMBDA: Partial<Record<TaskName, number>> = { navigation: 0.01 };

/**
 * Pruning pace of the quick navigation preset: Zhu & Gupta's cubic ramp instead of the reference's linear
 * one. With 10 short epochs the linear ramp's last step (80 → 90 %) removes half the remaining weights at once,
 * which leaves W_hh at 98–99 % and, measured over 8 seeds, left 3/8 torus and 6/8 no-regulariser runs worse
 * than predicting the start position; with the cubic ramp 2/10 and 0/10 (docs/studies/navigation-controls-quick.md).
 */
const QUICK_SCHEDULE: Partial<Record<TaskName, 'linear' | 'cubic'>> = { navigation: 'cubic' };

/** A preset the task does not have (a usage error at the CLI, a form error in the app). */
export class PresetError extends Error {}

const tasksWith = (preset: PresetName) => (Object.keys(TASK_PRESETS) as TaskName[]).filter((t) => TASK_PRESETS[t][preset] !== undefined);

export function presetConfig(task: TaskName, preset: PresetName, overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfig {
  const d = TASK_DEFAULTS[task];
  const taskPreset = TASK_PRESETS[task][preset];
  if (!taskPreset)
    throw new PresetError(`the '${preset}' preset exists for ${tasksWith(preset).join(', ')} only, not for ${task}: use one of ${presetsFor(task).join(', ')}`);
  const recoveryEpochs = cpuRecipe(preset) ? QUICK_RECOVERY_EPOCHS[task] : 0;
  const lambda = preset === 'paper-regime' ? PAPER_REGIME_LAMBDA : cpuRecipe(preset) ? (QUICK_LAMBDA[task] ?? d.lambda) : d.lambda;
  return ExperimentConfig.parse({
    ...overrides,
    task: { ...taskPreset, ...(overrides.task ?? {}) },
    regularization: { lambda, power: d.power, ...(overrides.regularization ?? {}) },
    pruning: {
      target: d.target,
      recoveryEpochs,
      ...(cpuRecipe(preset) && QUICK_SCHEDULE[task] ? { schedule: QUICK_SCHEDULE[task] } : {}),
      ...(overrides.pruning ?? {}),
    },
  });
}
