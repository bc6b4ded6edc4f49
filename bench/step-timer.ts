// Times training steps of a task outside the trainer: forward, backward and the optimizer update, then one
// asynchronous read of the loss, which waits for queued GPU work (WebGPU runs asynchronously, so a timer
// without a read would only measure how fast work is queued). Shared by bench/train.bench.ts and
// bench/gpu.bench.ts.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../src-main/schema/experiment';
import { createTask } from '../src-main/engine/tasks';
import type { Task } from '../src-main/engine/tasks/task';
import { ModuliRegularizer } from '../src-main/engine/learning/regularizer';

export interface StepTiming {
  /** Median of the timed steps. */
  msPerStep: number;
  /** MatMul FLOPs of forward + backward per second. */
  gflops: number;
  /** Live tensors after the timed steps (growth = a leak). */
  tensors: number;
  /** Bytes held in tensors by the backend (GPU memory in use on WebGPU). */
  tensorMB: number;
  rssMB: number;
}

function flopsPerStep(config: ExperimentConfig, vocab: number): number {
  const t = config.task;
  if (t.task === 'navigation') {
    const rows = t.sequenceLength * t.batchSize;
    const forward = 2 * (t.batchSize * t.placeCells * t.hidden + rows * 2 * t.hidden + rows * t.hidden * t.hidden + rows * t.hidden * t.placeCells);
    return 3 * forward;
  }
  if (t.task === 'language') {
    const rows = t.bptt * t.batchSize;
    const gates = t.cell === 'lstm' ? 4 : 1;
    let forward = 2 * rows * t.hidden * vocab;
    for (let l = 0; l < t.layers; l++) forward += 2 * rows * gates * t.hidden * ((l === 0 ? t.embeddingSize : t.hidden) + t.hidden);
    return 3 * forward;
  }
  return 0;
}

async function step(task: Task, reg: ModuliRegularizer, lambda: number, opt: ReturnType<Task['createOptimizer']>, i: number): Promise<void> {
  const vars = task.variables();
  const list = Object.values(vars);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.add(task.trainStep({ phase: 'train', epoch: 0, step: i }).loss, tf.mul(reg.penalty(), lambda)) as tf.Scalar,
      list,
    );
    const byKey: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(vars)) byKey[k] = grads[v.name];
    opt.apply(vars, byKey);
    return value;
  });
  await loss.data();
  loss.dispose();
  task.afterStep?.();
}

/** Builds the task, runs `warmup` untimed and `steps` timed steps on the active tfjs backend, and disposes it. */
/** `threads` > 1: the task may use a second thread, as a run with those threads does (navigation's batch prefetch). */
export async function timeSteps(
  config: ExperimentConfig,
  o: { steps: number; warmup: number; threads?: number; prepare?: (task: Task) => void },
): Promise<StepTiming> {
  const task = createTask(config, 'init', { backgroundThread: (o.threads ?? 1) > 1 });
  o.prepare?.(task);
  const reg = new ModuliRegularizer(config.regularization, task.recurrent(), config.seed);
  const opt = task.createOptimizer();
  task.beginEpoch({ phase: 'train', epoch: 0, step: 0 });
  const times: number[] = [];
  for (let i = 0; i < o.warmup + o.steps; i++) {
    const t0 = performance.now();
    await step(task, reg, config.regularization.lambda, opt, i % Math.max(1, task.stepsPerEpoch()));
    if (i >= o.warmup) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const vocab = 'corpus' in task ? (task as unknown as { corpus: { vocab: { size: number } } }).corpus.vocab.size : 0;
  const memory = tf.memory();
  const timing: StepTiming = {
    msPerStep: +ms.toFixed(1),
    gflops: +(flopsPerStep(config, vocab) / (ms / 1000) / 1e9).toFixed(2),
    tensors: memory.numTensors,
    tensorMB: Math.round(memory.numBytes / 2 ** 20),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  task.dispose();
  reg.dispose();
  opt.dispose();
  return timing;
}

/**
 * Kernel time per op over one training step (tf.profile), largest first: which ops dominate the step. On
 * WebGPU the times need the adapter's timestamp-query feature; without it tfjs reports none and this says so.
 */
export async function profileStep(config: ExperimentConfig): Promise<Array<{ kernel: string; ms: number; calls: number }> | string> {
  const task = createTask(config, 'init');
  const reg = new ModuliRegularizer(config.regularization, task.recurrent(), config.seed);
  const opt = task.createOptimizer();
  task.beginEpoch({ phase: 'train', epoch: 0, step: 0 });
  await step(task, reg, config.regularization.lambda, opt, 0);
  const info = await tf.profile(() => step(task, reg, config.regularization.lambda, opt, 1) as unknown as tf.TensorContainer);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let timed = false;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN;
    if (Number.isFinite(ms)) timed = true;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number.isFinite(ms) ? ms : 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  task.dispose();
  reg.dispose();
  opt.dispose();
  if (!timed) return 'no kernel times (the adapter lacks timestamp-query)';
  return [...byKernel].map(([kernel, e]) => ({ kernel, ms: +e.ms.toFixed(2), calls: e.calls })).sort((a, b) => b.ms - a.ms);
}
