// The state of one training phase (train or lottery): task, regularizer, masks, optimizer, and how it is built,
// checkpointed, restored, measured and disposed. The training loop itself is trainer.ts.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../schema/experiment';
import { createTask, type TaskFactoryOptions } from '../tasks';
import type { Task } from '../tasks/task';
import type { Checkpoint, CheckpointMeta } from './checkpoint';
import type { MatrixSnapshot, Phase, RunResult } from './events';
import type { Optimizer } from '../learning/optimizers';
import { MaskSet, scheduledAmount, smallWeightFraction } from '../learning/pruning';
import { ModuliRegularizer } from '../learning/regularizer';
import { readFloats } from '../read';

export interface PhaseState {
  phase: Phase;
  task: Task;
  regularizer: ModuliRegularizer;
  masks: MaskSet;
  optimizer: Optimizer;
  pruneAmount: number;
  /** The running gradient sums applied instead of each step's gradients, when the task accumulates them. */
  gradientSums: Map<string, tf.Variable> | null;
}

/**
 * The start of an epoch: a training epoch within the pruning schedule cuts to the schedule's amount (the
 * lottery retrains with inherited masks fixed; stabiliser and recovery epochs keep the last masks), then the
 * task begins its epoch. Returns the magnitude threshold of the cut, 0 when nothing was cut.
 */
export async function beginEpoch(state: PhaseState, config: ExperimentConfig, epoch: number): Promise<number> {
  const { task, masks } = state;
  let threshold = 0;
  if (state.phase === 'train' && epoch < task.epochs) {
    const amount = scheduledAmount(config.pruning.schedule, config.pruning.target, epoch, task.scheduleTiming);
    if (amount > state.pruneAmount) {
      threshold = await masks.pruneTo(amount);
      state.pruneAmount = amount;
    }
  }
  task.beginEpoch({ phase: state.phase, epoch, step: 0 });
  return threshold;
}

/** Tensor groups of a checkpoint, by name prefix. */
const GROUP = { variables: 'var/', masks: 'mask/', optimizer: 'opt/', embeddings: 'emb/', carry: 'carry/', gradientSums: 'gsum/' } as const;

/** Every tensor a checkpoint must hold to resume this phase exactly, named by group. */
export function checkpointTensors(state: PhaseState): Record<string, tf.Tensor> {
  const tensors: Record<string, tf.Tensor> = {};
  const put = (g: keyof typeof GROUP, entries: Iterable<[string, tf.Tensor]>) => {
    for (const [k, v] of entries) tensors[`${GROUP[g]}${k}`] = v;
  };
  put('variables', Object.entries(state.task.variables()));
  put('masks', state.masks.masks);
  put('optimizer', Object.entries(state.optimizer.state().slots));
  put('embeddings', Object.entries(state.regularizer.embeddingVariables()));
  put('carry', Object.entries(state.task.saveTensors?.() ?? {}));
  put('gradientSums', state.gradientSums ?? []);
  return tensors;
}

/** The scalar part of a checkpoint: where to resume and the state that is not a tensor. */
export function checkpointMeta(
  state: PhaseState,
  at: {
    epoch: number;
    step: number;
    globalStep: number;
    trainResult: Record<string, number> | undefined;
    endpointResult: Record<string, number> | undefined;
    elapsedMs: number;
  },
): CheckpointMeta {
  return {
    phase: state.phase,
    epoch: at.epoch,
    step: at.step,
    globalStep: at.globalStep,
    learningRate: state.optimizer.learningRate,
    optimizerStep: state.optimizer.state().step,
    taskState: { ...state.task.saveState?.(), ...state.task.recurrencePath?.save() },
    pruneAmount: state.pruneAmount,
    trainResult: at.trainResult,
    endpointResult: at.endpointResult,
    elapsedMs: at.elapsedMs,
  };
}

export function buildPhase(config: ExperimentConfig, phase: Phase, opts: TaskFactoryOptions, firstTask: Task | null, trained: PhaseState | null): PhaseState {
  const task = firstTask ?? createTask(config, phase === 'lottery' ? 'lottery-init' : 'init', opts);
  let regularizer: ModuliRegularizer;
  if (phase === 'lottery' && trained && config.lottery.embedding === 'same') {
    // Same geometry as the run that produced the mask: rebuild C from the same seed (fixed embeddings) or
    // carry the learned coordinates over.
    regularizer = new ModuliRegularizer(config.regularization, task.recurrent(), config.seed);
    regularizer.layers.forEach((l, i) => {
      const src = trained.regularizer.layers[i].coords;
      if (l.coords && src) l.coords.assign(src);
    });
  } else {
    regularizer = new ModuliRegularizer(config.regularization, task.recurrent(), phase === 'lottery' ? config.seed + 7919 : config.seed);
  }
  const recurrentNames = new Set(task.recurrent().map((m) => m.name));
  const targets = config.pruning.scope === 'recurrent' ? task.prunable().filter((p) => recurrentNames.has(p.name)) : task.prunable();
  const masks = new MaskSet(targets, config.pruning.allocation);
  let pruneAmount = 0;
  if (phase === 'lottery' && trained) {
    // Fresh weights, the trained masks, never re-pruned (reference §4 "Lottery ticket").
    masks.load(Object.fromEntries(trained.masks.masks));
    pruneAmount = trained.pruneAmount;
  }
  return { phase, task, regularizer, masks, optimizer: task.createOptimizer(), pruneAmount, gradientSums: task.accumulateGradients ? new Map() : null };
}

/** Restores a phase from a checkpoint written by checkpointTensors (same configuration). */
export function restore(state: PhaseState, ckpt: Checkpoint): void {
  const t = (name: string) => {
    const e = ckpt.tensors[name];
    if (!e) throw new Error(`checkpoint lacks '${name}': was it written by a different configuration?`);
    return tf.tensor(e.data, e.shape);
  };
  /** The checkpoint's tensors of one group, keyed by their name within the group. */
  const group = (g: keyof typeof GROUP) =>
    Object.fromEntries(
      Object.keys(ckpt.tensors)
        .filter((k) => k.startsWith(GROUP[g]))
        .map((k) => [k.slice(GROUP[g].length), t(k)]),
    );
  for (const [k, v] of Object.entries(state.task.variables())) {
    const x = t(`${GROUP.variables}${k}`);
    if (x.shape.join() !== v.shape.join()) throw new Error(`checkpoint '${k}' has shape [${x.shape}], the model [${v.shape}]`);
    v.assign(x);
    x.dispose();
  }
  const masks = group('masks');
  if (Object.keys(masks).length) {
    state.masks.load(masks);
    tf.dispose(Object.values(masks));
  }
  const slots = group('optimizer');
  state.optimizer.load({ step: ckpt.meta.optimizerStep, learningRate: ckpt.meta.learningRate, slots });
  tf.dispose(Object.values(slots));
  for (const [k, v] of Object.entries(state.regularizer.embeddingVariables())) {
    const x = t(`${GROUP.embeddings}${k}`);
    v.assign(x);
    x.dispose();
  }
  const carry = group('carry');
  if (Object.keys(carry).length && state.task.loadTensors) state.task.loadTensors(carry);
  tf.dispose(Object.values(carry));
  const sums = group('gradientSums');
  if (state.gradientSums) for (const [k, v] of Object.entries(sums)) state.gradientSums.set(k, tf.variable(v, false));
  else tf.dispose(Object.values(sums));
  state.task.loadState?.(ckpt.meta.taskState);
  state.task.recurrencePath?.load(ckpt.meta.taskState);
  state.pruneAmount = ckpt.meta.pruneAmount;
}

/** Hands the recurrent matrices' current masks to the task (it may switch to sparse training steps). */
export async function syncSparseTraining(state: PhaseState): Promise<void> {
  if (!state.task.useSparseTraining) return;
  const masks = new Map<string, Float32Array>();
  for (const m of state.task.recurrent()) {
    const mask = state.masks.masks.get(m.name);
    if (mask) masks.set(m.name, await readFloats(mask));
  }
  state.task.useSparseTraining(masks);
}

export async function measureSparsity(state: PhaseState): Promise<RunResult['sparsity']> {
  const s = await state.masks.sparsity();
  const small: Record<string, number> = {};
  for (const m of state.task.recurrent()) small[m.name] = await smallWeightFraction(m.variable);
  return { ...s, smallWeightFraction: small };
}

export async function snapshot(state: PhaseState): Promise<MatrixSnapshot[]> {
  const orders = await state.regularizer.orders();
  return Promise.all(
    state.task.recurrent().map(async (m, i) => {
      const mask = state.masks.masks.get(m.name);
      return {
        name: m.name,
        rows: m.variable.shape[0]!,
        cols: m.variable.shape[1]!,
        gates: m.gates,
        // Copies: the snapshot outlives the variables.
        weights: Float32Array.from(await readFloats(m.variable)),
        mask: mask ? Float32Array.from(await readFloats(mask)) : null,
        order: orders[i],
      };
    }),
  );
}

export function disposeAll(state: PhaseState, trained: PhaseState | null): void {
  for (const s of new Set([state, trained])) {
    if (!s) continue;
    s.task.dispose();
    s.regularizer.dispose();
    s.masks.dispose();
    s.optimizer.dispose();
    for (const v of s.gradientSums?.values() ?? []) v.dispose();
    s.gradientSums?.clear();
  }
}
