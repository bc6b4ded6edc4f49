// The training loop shared by every task: moduli penalty in the loss, gradual global magnitude pruning at epoch
// starts, masks enforced after every optimizer step, optional lottery-ticket retrain (docs/method.md §3–5).
import { effectiveLambda, type ExperimentConfig } from '../../schema/experiment';
import { selectBackend, type BackendInfo } from '../backend';
import { acquireMatMulThreads, activeMatMulThreads, registerBatchMatMul, resolveThreads } from '../threads/parallel-matmul';
import { acquireNativeBlas } from '../blas/runtime';
import { engineVersion } from '../version';
import { createTask, type TaskFactoryOptions } from '../tasks';
import type { Metrics, Task } from '../tasks/task';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint';
import type { Phase, RunResult, TrainingEvent } from './events';
import { buildPhase, checkpointMeta, checkpointTensors, disposeAll, measureSparsity, restore, snapshot, syncSparseTraining, type PhaseState } from './phase';
import { scheduledAmount } from '../learning/pruning';
import { optimizationStep, trainableFor } from './step';

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
  /** Train through pruned recurrent matrices with the sparse kernels where they apply (default true). */
  sparseTraining?: boolean;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
  /** What `threads: 'auto'` resolves to (the job runner's share of the cores); default: this machine's cores. */
  autoThreads?: number;
}

export class RunStopped extends Error {
  constructor(readonly reason: 'paused' | 'cancelled') {
    super(`run ${reason}`);
  }
}


export function countParameters(task: Task): number {
  return Object.values(task.variables()).reduce((s, v) => s + v.size, 0);
}

/** Main epochs, then (training only) the task's stabiliser epochs and the configured recovery epochs. */
function totalEpochs(task: Task, phase: Phase, recoveryEpochs: number): number {
  return task.epochs + (phase === 'train' ? task.stabiliserEpochs + recoveryEpochs : 0);
}

export async function runExperiment(config: ExperimentConfig, opts: TrainerOptions = {}): Promise<RunResult> {
  const selected = await selectBackend(config.backend);
  // Helper threads for the wasm matrix products, held for the whole run and stopped with it (engine/threads).
  // (On other backends nothing starts: acquireMatMulThreads checks the backend.)
  const threads = resolveThreads(config.threads, opts.autoThreads);
  const notices = [...selected.notices];
  // Helpers that cannot start (a packaged app that cannot load tfjs in a worker thread, no memory) cost
  // speed, not the run: it trains on one thread and says so. Results are the same either way.
  const release = await acquireMatMulThreads(threads).catch((e: unknown) => {
    notices.push(`threads: ${threads} requested, computing on 1 (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return async () => {};
  });
  // Matrix products through the platform's BLAS where one is found (engine/blas), on the same `threads`.
  const blas = acquireNativeBlas(config.blas, threads, registerBatchMatMul);
  if (blas.notice) notices.push(blas.notice);
  try {
    return await trainWith({ ...selected, notices, threads: blas.label ? threads : activeMatMulThreads(), ...(blas.label ? { blas: blas.label } : {}) }, config, { backgroundThread: threads > 1, ...opts });
  } finally {
    blas.release();
    await release();
  }
}

async function trainWith(backend: BackendInfo, config: ExperimentConfig, opts: TrainerOptions): Promise<RunResult> {
  const emit = opts.onEvent ?? (() => {});
  const control = opts.control ?? (() => 'run' as const);
  const metricsEvery = Math.max(1, opts.metricsEvery ?? 1);
  const snapshotEvery = Math.max(1, opts.snapshotEvery ?? 1);
  const progressInterval = opts.progressIntervalMs ?? 1000;
  const started = Date.now();
  const resume: Checkpoint | null = opts.resume ? decodeCheckpoint(opts.resume) : null;
  /** Training time of this run so far: earlier sessions (from the checkpoint) plus this one. */
  const trainingMs = () => (resume?.meta.elapsedMs ?? 0) + (Date.now() - started);
  // λ·(N/N_ref)^k when the config scales λ with the hidden size (schema: lambdaExponent); λ itself otherwise.
  const lambda = effectiveLambda(config.regularization, config.task.hidden);

  const phases: Phase[] = config.lottery.enabled ? ['train', 'lottery'] : ['train'];
  const firstTask = createTask(config, 'init', opts);
  const stepsPerEpoch = firstTask.stepsPerEpoch();
  const recovery = config.pruning.recoveryEpochs;
  const phaseSteps = (p: Phase) => totalEpochs(firstTask, p, recovery) * stepsPerEpoch;
  const totalSteps = phases.reduce((s, p) => s + phaseSteps(p), 0);
  const baselines = firstTask.baselines();
  emit({ type: 'started', backend, engineVersion: engineVersion(), parameters: countParameters(firstTask), totalSteps, baselines, resumedAt: resume?.meta.globalStep ?? 0 });

  let globalStep = resume?.meta.globalStep ?? 0;
  const stepsAtStart = globalStep;
  let lastProgress = 0;
  let diverged = false;
  let trainResult: Metrics | undefined = resume?.meta.trainResult;
  let endpointResult: Metrics | undefined = resume?.meta.endpointResult;
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
            threshold = await masks.pruneTo(amount);
            state.pruneAmount = amount;
          }
        }
        task.beginEpoch({ phase, epoch, step: 0 });
      }
      if (opts.sparseTraining !== false) await syncSparseTraining(state);
      // Where the sparse kernels raced dense products for this mask, the run records the choice and both times.
      const race = state.task.recurrencePath?.race ?? null;
      const raceMetrics: Metrics = race ? { sparse_recurrence: race.sparse ? 1 : 0, sparse_recurrence_ms: race.sparseMs, dense_recurrence_ms: race.denseMs } : {};
      const epochTrainable = trainableFor(state, epoch);

      for (let step = firstStep; step < stepsPerEpoch; step++) {
        const command = control();
        if (command !== 'run') {
          if (command === 'pause') await emitCheckpoint(state, epoch, step);
          emit({ type: 'stopped', reason: command === 'pause' ? 'paused' : 'cancelled', step: globalStep });
          disposeAll(state, trainState);
          throw new RunStopped(command === 'pause' ? 'paused' : 'cancelled');
        }
        const wantMetrics = (globalStep + 1) % metricsEvery === 0 || step === stepsPerEpoch - 1;
        const values = await optimizationStep(state, { phase, epoch, step }, { lambda, wantMetrics, trainable: epochTrainable });
        masks.apply();
        regularizer.projectEmbeddings();
        task.afterStep?.();
        globalStep++;
        if (!Number.isFinite(values.loss)) diverged = true;
        if (wantMetrics) {
          // wall_time_s: training time since the run began, across pauses and resumes (the charts' time axis).
          const v: Metrics = { loss: values.loss, task_loss: values.taskLoss, penalty: values.penalty, learning_rate: optimizer.learningRate, wall_time_s: trainingMs() / 1000, ...raceMetrics };
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
      const sparsity = await measureSparsity(state);
      finalSparsity = sparsity;
      // The reference evaluates at the end of its last pruning epoch; later (recovery, stabiliser) epochs can
      // heal pruning damage, so that endpoint is measured on the test set too.
      if (phase === 'train' && epoch === task.epochs - 1 && epochs > task.epochs) endpointResult = await task.test();
      emit({ type: 'epoch', phase, epoch, step: globalStep, pruneAmount: state.pruneAmount, threshold, sparsity, valid, learningRate: optimizer.learningRate });
      if (epoch === 0 || epoch === epochs - 1 || (epoch + 1) % snapshotEvery === 0) {
        emit({ type: 'snapshot', phase, epoch, step: globalStep, matrices: await snapshot(state) });
      }
      await emitCheckpoint(state, epoch + 1, 0);
    }

    const test = await task.test();
    if (Object.values(test).some((x) => !Number.isFinite(x))) diverged = true;
    if (phase === 'train') {
      trainResult = test;
      endpointResult ??= test;
    }
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
    const result: RunResult = { test, endpoint: endpointResult, lottery, baselines, sparsity: finalSparsity, steps: globalStep, diverged, wallMs: Date.now() - started };
    emit({ type: 'finished', result });
    return result;
  }

  async function emitCheckpoint(state: PhaseState, epoch: number, step: number) {
    const meta = checkpointMeta(state, { epoch, step, globalStep, trainResult, endpointResult, elapsedMs: trainingMs() });
    emit({ type: 'checkpoint', phase: state.phase, epoch, step, bytes: await encodeCheckpoint(meta, checkpointTensors(state)) });
  }
}

