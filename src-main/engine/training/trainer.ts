// The training loop shared by every task: moduli penalty in the loss, gradual global magnitude pruning at epoch
// starts, masks enforced after every optimizer step, optional lottery-ticket retrain (docs/method.md §3–5).
import { effectiveLambda, type ExperimentConfig } from '../../schema/experiment';
import { selectBackend, type BackendInfo } from '../backend';
import { acquireCpuCompute } from '../threads/cpu-compute';
import { engineVersion } from '../version';
import { createTask, type TaskFactoryOptions } from '../tasks';
import type { Metrics, Task } from '../tasks/task';
import { decodeCheckpoint, type Checkpoint } from './checkpoint';
import type { Phase, RunResult } from './events';
import { beginEpoch, buildPhase, disposeAll, measureSparsity, restore, snapshot, syncSparseTraining, type PhaseState } from './phase';
import { RunReporter, type ReportingOptions } from './reporting';
import { optimizationStep, trainableFor } from './step';

export interface TrainerOptions extends TaskFactoryOptions, ReportingOptions {
  /** Checked between steps: 'pause' writes a checkpoint and stops; 'cancel' stops. */
  control?: () => 'run' | 'pause' | 'cancel';
  /** Resume from an encoded checkpoint. */
  resume?: Uint8Array;
  /** Train through pruned recurrent matrices with the sparse kernels where they apply (default true). */
  sparseTraining?: boolean;
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
  // Threads, helper threads and the native BLAS for the whole run, stopped with it (engine/threads).
  const cpu = await acquireCpuCompute(config, opts.autoThreads);
  const backend = { ...selected, notices: [...selected.notices, ...cpu.notices], threads: cpu.threads, ...(cpu.blas ? { blas: cpu.blas } : {}) };
  try {
    return await trainWith(backend, config, { backgroundThread: cpu.cores > 1, ...opts });
  } finally {
    await cpu.release();
  }
}

/** What the loop carries across steps, epochs and phases (and into checkpoints), besides the phase state. */
interface RunTotals {
  globalStep: number;
  diverged: boolean;
  trainResult: Metrics | undefined;
  endpointResult: Metrics | undefined;
  sparsity: RunResult['sparsity'];
}

/** The loop, top to bottom: phases (train, lottery) → epochs (cut, train, validate, snapshot, checkpoint) → steps. */
async function trainWith(backend: BackendInfo, config: ExperimentConfig, opts: TrainerOptions): Promise<RunResult> {
  const control = opts.control ?? (() => 'run' as const);
  const resume: Checkpoint | null = opts.resume ? decodeCheckpoint(opts.resume) : null;
  // λ·(N/N_ref)^k when the config scales λ with the hidden size (schema: lambdaExponent); λ itself otherwise.
  const lambda = effectiveLambda(config.regularization, config.task.hidden);
  const phases: Phase[] = config.lottery.enabled ? ['train', 'lottery'] : ['train'];
  const firstTask = createTask(config, 'init', opts);
  const stepsPerEpoch = firstTask.stepsPerEpoch();
  const epochsOf = (task: Task, phase: Phase) => totalEpochs(task, phase, config.pruning.recoveryEpochs);
  const totalSteps = phases.reduce((s, p) => s + epochsOf(firstTask, p) * stepsPerEpoch, 0);
  const baselines = firstTask.baselines();
  const run: RunTotals = {
    globalStep: resume?.meta.globalStep ?? 0,
    diverged: false,
    trainResult: resume?.meta.trainResult,
    endpointResult: resume?.meta.endpointResult,
    sparsity: { global: 0, perMatrix: {}, smallWeightFraction: {} },
  };
  const report = new RunReporter(opts, totalSteps, run.globalStep, resume?.meta.elapsedMs ?? 0);
  const { emit } = report;
  emit({ type: 'started', backend, engineVersion: engineVersion(), parameters: countParameters(firstTask), totalSteps, baselines, resumedAt: run.globalStep });

  let trainState: PhaseState | null = null;
  for (let pi = resume ? phases.indexOf(resume.meta.phase) : 0; pi < phases.length; pi++) {
    const phase = phases[pi];
    const resuming = resume?.meta.phase === phase ? resume : null;
    const state = buildPhase(config, phase, opts, pi === 0 ? firstTask : null, trainState);
    if (pi === 0) trainState = state; // the lottery phase inherits its masks (not when resuming into the lottery)
    if (resuming) restore(state, resuming);
    const { task, regularizer, masks, optimizer } = state;
    const epochs = epochsOf(task, phase);

    for (let epoch = resuming?.meta.epoch ?? 0; epoch < epochs; epoch++) {
      const firstStep = resuming && epoch === resuming.meta.epoch ? resuming.meta.step : 0;
      const threshold = firstStep === 0 ? await beginEpoch(state, config, epoch) : 0;
      if (opts.sparseTraining !== false) await syncSparseTraining(state);
      const trainable = trainableFor(state, epoch);

      for (let step = firstStep; step < stepsPerEpoch; step++) {
        const command = control();
        if (command !== 'run') {
          if (command === 'pause') await report.checkpoint(state, epoch, step, run);
          const reason = command === 'pause' ? 'paused' : 'cancelled';
          emit({ type: 'stopped', reason, step: run.globalStep });
          disposeAll(state, trainState);
          throw new RunStopped(reason);
        }
        const wantMetrics = report.wantsMetrics(run.globalStep, step === stepsPerEpoch - 1);
        const values = await optimizationStep(state, { phase, epoch, step }, { lambda, wantMetrics, trainable });
        masks.apply();
        regularizer.projectEmbeddings();
        task.afterStep?.();
        run.globalStep++;
        if (!Number.isFinite(values.loss)) run.diverged = true;
        if (wantMetrics) report.stepMetrics(state, { phase, epoch, step: run.globalStep }, values);
        report.progress({ phase, epoch, step: run.globalStep });
        // Yield to the event loop so control messages (pause, cancel) can arrive.
        if (step % 10 === 9) await new Promise((r) => setImmediate(r));
      }

      const valid = await task.validate({ phase, epoch, step: stepsPerEpoch });
      task.endEpoch?.(valid, optimizer);
      run.sparsity = await measureSparsity(state);
      // The reference evaluates at the end of its last pruning epoch; later (recovery, stabiliser) epochs can
      // heal pruning damage, so that endpoint is measured on the test set too.
      if (phase === 'train' && epoch === task.epochs - 1 && epochs > task.epochs) run.endpointResult = await task.test();
      const at = { phase, epoch, step: run.globalStep };
      emit({ type: 'epoch', ...at, pruneAmount: state.pruneAmount, threshold, sparsity: run.sparsity, valid, learningRate: optimizer.learningRate });
      if (report.wantsSnapshot(epoch, epochs)) emit({ type: 'snapshot', ...at, matrices: await snapshot(state) });
      await report.checkpoint(state, epoch + 1, 0, run);
    }

    const test = await task.test();
    if (Object.values(test).some((x) => !Number.isFinite(x))) run.diverged = true;
    if (phase === 'train') {
      run.trainResult = test;
      run.endpointResult ??= test;
    }
    if (pi < phases.length - 1) continue;
    // The last phase: a lottery rerun reports the trained network's test beside its own.
    const [final, lottery] = phase === 'train' ? [test, undefined] : [run.trainResult ?? {}, test];
    const result: RunResult = {
      test: final,
      endpoint: run.endpointResult,
      lottery,
      baselines,
      sparsity: run.sparsity,
      steps: run.globalStep,
      diverged: run.diverged,
      wallMs: report.sessionMs(),
    };
    emit({ type: 'finished', result });
    disposeAll(state, trainState);
    return result;
  }
  throw new Error('unreachable: no phase ran');
}
