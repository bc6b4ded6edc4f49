// The training loop shared by every task: moduli penalty in the loss, gradual global magnitude pruning at epoch
// starts, masks enforced after every optimizer step, optional lottery-ticket retrain (docs/method.md §3–5).
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../schema/experiment';
import { selectBackend, type BackendInfo } from '../backend';
import { createTask, type TaskFactoryOptions } from '../tasks';
import type { Metrics, Task } from '../tasks/task';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointMeta } from './checkpoint';
import type { MatrixSnapshot, Phase, RunResult, TrainingEvent } from './events';
import { clipByGlobalNorm, type Optimizer } from './optimizers';
import { MaskSet, scheduledAmount, smallWeightFraction } from './pruning';
import { ModuliRegularizer } from './regularizer';

export interface TrainerOptions extends TaskFactoryOptions {
  onEvent?: (e: TrainingEvent) => void;
  /** Checked between steps: 'pause' writes a checkpoint and stops; 'cancel' stops. */
  control?: () => 'run' | 'pause' | 'cancel';
  /** Resume from an encoded checkpoint. */
  resume?: Uint8Array;
  /** Emit step metrics every k steps (the last step of an epoch always). */
  metricsEvery?: number;
  /** Emit weight snapshots at the end of every k-th epoch (the first and last always). */
  snapshotEvery?: number;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
}

export class RunStopped extends Error {
  constructor(readonly reason: 'paused' | 'cancelled') {
    super(`run ${reason}`);
  }
}

interface PhaseState {
  phase: Phase;
  task: Task;
  regularizer: ModuliRegularizer;
  masks: MaskSet;
  optimizer: Optimizer;
  pruneAmount: number;
}

export function countParameters(task: Task): number {
  return Object.values(task.variables()).reduce((s, v) => s + v.size, 0);
}

/** Main epochs, then (training only) the task's stabiliser epochs and the configured recovery epochs. */
function totalEpochs(task: Task, phase: Phase, recoveryEpochs: number): number {
  return task.epochs + (phase === 'train' ? task.stabiliserEpochs + recoveryEpochs : 0);
}

export async function runExperiment(config: ExperimentConfig, opts: TrainerOptions = {}): Promise<RunResult> {
  const backend: BackendInfo = await selectBackend(config.backend);
  const emit = opts.onEvent ?? (() => {});
  const control = opts.control ?? (() => 'run' as const);
  const metricsEvery = Math.max(1, opts.metricsEvery ?? 1);
  const snapshotEvery = Math.max(1, opts.snapshotEvery ?? 1);
  const progressInterval = opts.progressIntervalMs ?? 1000;
  const started = Date.now();
  const resume: Checkpoint | null = opts.resume ? decodeCheckpoint(opts.resume) : null;
  const { lambda } = config.regularization;

  const phases: Phase[] = config.lottery.enabled ? ['train', 'lottery'] : ['train'];
  const firstTask = createTask(config, 'init', opts);
  const stepsPerEpoch = firstTask.stepsPerEpoch();
  const recovery = config.pruning.recoveryEpochs;
  const phaseSteps = (p: Phase) => totalEpochs(firstTask, p, recovery) * stepsPerEpoch;
  const totalSteps = phases.reduce((s, p) => s + phaseSteps(p), 0);
  const baselines = firstTask.baselines();
  emit({ type: 'started', backend, parameters: countParameters(firstTask), totalSteps, baselines, resumedAt: resume?.meta.globalStep ?? 0 });

  let globalStep = resume?.meta.globalStep ?? 0;
  const stepsAtStart = globalStep;
  let lastProgress = 0;
  let diverged = false;
  let trainResult: Metrics | undefined = resume?.meta.trainResult;
  let trainState: PhaseState | null = null;
  let finalSparsity: RunResult['sparsity'] = { global: 0, perMatrix: {}, smallWeightFraction: {} };

  const startPhaseIndex = resume ? phases.indexOf(resume.meta.phase) : 0;
  for (let pi = startPhaseIndex; pi < phases.length; pi++) {
    const phase = phases[pi];
    const resuming = resume && resume.meta.phase === phase ? resume : null;
    const state = buildPhase(config, phase, opts, pi === 0 ? firstTask : null, trainState);
    if (pi === 0 && trainState === null) trainState = state;
    if (resuming) restore(state, resuming);
    const { task, regularizer, masks, optimizer } = state;
    const epochs = totalEpochs(task, phase, recovery);
    const startEpoch = resuming?.meta.epoch ?? 0;

    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      const firstStep = resuming && epoch === startEpoch ? resuming.meta.step : 0;
      let threshold = 0;
      if (firstStep === 0) {
        // The lottery retrains with the inherited masks fixed; stabiliser epochs keep the last masks.
        if (phase === 'train' && epoch < task.epochs) {
          const amount = scheduledAmount(config.pruning.schedule, config.pruning.target, epoch, task.scheduleTiming);
          if (amount > state.pruneAmount) {
            threshold = masks.pruneTo(amount);
            state.pruneAmount = amount;
          }
        }
        task.beginEpoch({ phase, epoch, step: 0 });
      }
      const embeddings = regularizer.embeddingVariables();
      // Learned embeddings are frozen in stabiliser epochs (adding problem, reference §5).
      const learnEmbedding = Object.keys(embeddings).length > 0 && epoch < task.epochs;
      const trainable: Record<string, tf.Variable> = { ...task.variables(), ...(learnEmbedding ? embeddings : {}) };
      const trainableList = Object.values(trainable);
      const keyOf = new Map(Object.entries(trainable).map(([k, v]) => [v.name, k]));
      const plainL1 = task.plainL1();

      for (let step = firstStep; step < stepsPerEpoch; step++) {
        const command = control();
        if (command !== 'run') {
          if (command === 'pause') emitCheckpoint(state, epoch, step);
          emit({ type: 'stopped', reason: command === 'pause' ? 'paused' : 'cancelled', step: globalStep });
          disposeAll(state, trainState);
          throw new RunStopped(command === 'pause' ? 'paused' : 'cancelled');
        }
        const wantMetrics = (globalStep + 1) % metricsEvery === 0 || step === stepsPerEpoch - 1;
        const values = tf.tidy(() => {
          let taskLoss = 0;
          let penalty = 0;
          let taskMetrics: Metrics = {};
          const { value, grads: byVarName } = tf.variableGrads(() => {
            const r = task.trainStep({ phase, epoch, step });
            const pen = regularizer.penalty();
            const l1 = plainL1.length ? tf.addN(plainL1.map((w) => tf.mean(tf.abs(w)))) : tf.scalar(0);
            const total = tf.add(r.loss, tf.mul(tf.add(pen, l1), lambda)) as tf.Scalar;
            taskLoss = r.loss.dataSync()[0];
            penalty = pen.dataSync()[0];
            if (wantMetrics && r.metrics) taskMetrics = r.metrics();
            return total;
          }, trainableList);
          const grads: Record<string, tf.Tensor> = {};
          for (const [name, g] of Object.entries(byVarName)) grads[keyOf.get(name)!] = g;
          if (learnEmbedding && task.embeddingGradScale) {
            const s = task.embeddingGradScale(epoch);
            for (const k of Object.keys(embeddings)) grads[k] = tf.mul(grads[k], s);
          }
          const clipped = task.clipNorm !== null ? clipByGlobalNorm(grads, task.clipNorm) : { grads, norm: NaN };
          optimizer.apply(trainable, clipped.grads);
          return { loss: value.dataSync()[0], taskLoss, penalty, gradNorm: clipped.norm, ...taskMetrics };
        });
        masks.apply();
        regularizer.projectEmbeddings();
        task.afterStep?.();
        globalStep++;
        if (!Number.isFinite(values.loss)) diverged = true;
        if (wantMetrics) {
          const v: Metrics = { loss: values.loss, task_loss: values.taskLoss, penalty: values.penalty, learning_rate: optimizer.learningRate };
          if (Number.isFinite(values.gradNorm)) v.grad_norm = values.gradNorm;
          for (const [k, x] of Object.entries(values)) if (!['loss', 'taskLoss', 'penalty', 'gradNorm'].includes(k)) v[`train_${k}`] = x;
          emit({ type: 'metrics', phase, epoch, step: globalStep, values: v });
        }
        const now = Date.now();
        if (now - lastProgress >= progressInterval || globalStep === totalSteps) {
          lastProgress = now;
          const done = globalStep - stepsAtStart;
          const elapsed = now - started;
          const etaMs = done > 0 ? (elapsed / done) * (totalSteps - globalStep) : null;
          emit({ type: 'progress', phase, epoch, step: globalStep, totalSteps, elapsedMs: elapsed, etaMs });
        }
        // Yield to the event loop so control messages (pause, cancel) can arrive.
        if (step % 10 === 9) await new Promise((r) => setImmediate(r));
      }

      const valid = await task.validate({ phase, epoch, step: stepsPerEpoch });
      task.endEpoch?.(valid, optimizer);
      const sparsity = measureSparsity(state);
      finalSparsity = sparsity;
      emit({ type: 'epoch', phase, epoch, step: globalStep, pruneAmount: state.pruneAmount, threshold, sparsity, valid, learningRate: optimizer.learningRate });
      if (epoch === 0 || epoch === epochs - 1 || (epoch + 1) % snapshotEvery === 0) {
        emit({ type: 'snapshot', phase, epoch, step: globalStep, matrices: snapshot(state) });
      }
      emitCheckpoint(state, epoch + 1, 0);
    }

    const test = await task.test();
    if (Object.values(test).some((x) => !Number.isFinite(x))) diverged = true;
    if (phase === 'train') trainResult = test;
    else {
      const result = finish(trainResult ?? {}, test);
      disposeAll(state, trainState);
      return result;
    }
    if (pi === phases.length - 1) {
      const result = finish(test, undefined);
      disposeAll(state, trainState);
      return result;
    }
  }
  throw new Error('unreachable: no phase ran');

  function finish(test: Metrics, lottery: Metrics | undefined): RunResult {
    const result: RunResult = { test, lottery, baselines, sparsity: finalSparsity, steps: globalStep, diverged, wallMs: Date.now() - started };
    emit({ type: 'finished', result });
    return result;
  }

  function emitCheckpoint(state: PhaseState, epoch: number, step: number) {
    const meta: CheckpointMeta = {
      phase: state.phase,
      epoch,
      step,
      globalStep,
      learningRate: state.optimizer.learningRate,
      optimizerStep: state.optimizer.state().step,
      taskState: state.task.saveState?.() ?? {},
      pruneAmount: state.pruneAmount,
      trainResult,
    };
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(state.task.variables())) tensors[`var/${k}`] = v;
    for (const [k, v] of state.masks.masks) tensors[`mask/${k}`] = v;
    for (const [k, v] of Object.entries(state.optimizer.state().slots)) tensors[`opt/${k}`] = v;
    for (const [k, v] of Object.entries(state.regularizer.embeddingVariables())) tensors[`emb/${k}`] = v;
    for (const [k, v] of Object.entries(state.task.saveTensors?.() ?? {})) tensors[`carry/${k}`] = v;
    emit({ type: 'checkpoint', phase: state.phase, epoch, step, bytes: encodeCheckpoint(meta, tensors) });
  }
}

function buildPhase(config: ExperimentConfig, phase: Phase, opts: TaskFactoryOptions, firstTask: Task | null, trained: PhaseState | null): PhaseState {
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
  const masks = new MaskSet(targets);
  let pruneAmount = 0;
  if (phase === 'lottery' && trained) {
    // Fresh weights, the trained masks, never re-pruned (reference §4 "Lottery ticket").
    masks.load(Object.fromEntries(trained.masks.masks));
    pruneAmount = trained.pruneAmount;
  }
  return { phase, task, regularizer, masks, optimizer: task.createOptimizer(), pruneAmount };
}

function restore(state: PhaseState, ckpt: Checkpoint): void {
  const t = (name: string) => {
    const e = ckpt.tensors[name];
    if (!e) throw new Error(`checkpoint lacks '${name}': was it written by a different configuration?`);
    return tf.tensor(e.data, e.shape);
  };
  for (const [k, v] of Object.entries(state.task.variables())) {
    const x = t(`var/${k}`);
    if (x.shape.join() !== v.shape.join()) throw new Error(`checkpoint '${k}' has shape [${x.shape}], the model [${v.shape}]`);
    v.assign(x);
    x.dispose();
  }
  const maskNames = Object.keys(ckpt.tensors).filter((k) => k.startsWith('mask/'));
  if (maskNames.length) {
    const masks = Object.fromEntries(maskNames.map((k) => [k.slice(5), t(k)]));
    state.masks.load(masks);
    tf.dispose(Object.values(masks));
  }
  const slots = Object.fromEntries(
    Object.keys(ckpt.tensors)
      .filter((k) => k.startsWith('opt/'))
      .map((k) => [k.slice(4), t(k)]),
  );
  state.optimizer.load({ step: ckpt.meta.optimizerStep, learningRate: ckpt.meta.learningRate, slots });
  tf.dispose(Object.values(slots));
  for (const [k, v] of Object.entries(state.regularizer.embeddingVariables())) {
    const x = t(`emb/${k}`);
    v.assign(x);
    x.dispose();
  }
  const carry = Object.keys(ckpt.tensors).filter((k) => k.startsWith('carry/'));
  if (carry.length && state.task.loadTensors) {
    const tensors = Object.fromEntries(carry.map((k) => [k.slice(6), t(k)]));
    state.task.loadTensors(tensors);
    tf.dispose(Object.values(tensors));
  }
  state.task.loadState?.(ckpt.meta.taskState);
  state.pruneAmount = ckpt.meta.pruneAmount;
}

function measureSparsity(state: PhaseState): RunResult['sparsity'] {
  const s = state.masks.sparsity();
  const small: Record<string, number> = {};
  for (const m of state.task.recurrent()) small[m.name] = smallWeightFraction(m.variable);
  return { ...s, smallWeightFraction: small };
}

function snapshot(state: PhaseState): MatrixSnapshot[] {
  const orders = state.regularizer.orders();
  return state.task.recurrent().map((m, i) => ({
    name: m.name,
    rows: m.variable.shape[0]!,
    cols: m.variable.shape[1]!,
    gates: m.gates,
    weights: Float32Array.from(m.variable.dataSync()),
    mask: state.masks.masks.get(m.name) ? Float32Array.from(state.masks.masks.get(m.name)!.dataSync()) : null,
    order: orders[i],
  }));
}

function disposeAll(state: PhaseState, trained: PhaseState | null): void {
  for (const s of new Set([state, trained])) {
    if (!s) continue;
    s.task.dispose();
    s.regularizer.dispose();
    s.masks.dispose();
    s.optimizer.dispose();
  }
}
