// Training-step benchmark. One JSON line per (task, hidden, backend):
//   {"task","hidden","backend","msPerStep","gflops","tensors","rssMB"}
// msPerStep is the median of --steps timed steps after --warmup steps; gflops counts the matMul FLOPs of
// forward + backward (≈ 3× forward); tensors and rssMB are read after the timed steps (a leak shows as growth).
// Usage: npm run bench:train -- --task navigation --hidden 256,512,1024 [--backend wasm,cpu,tensorflow] [--json]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { ExperimentConfig } from '../src-main/schema/experiment';
import { presetConfig } from '../src-main/schema/presets';
import { loadBackendModule } from '../src-main/engine/backend';
import { createTask } from '../src-main/engine/tasks';
import type { Task } from '../src-main/engine/tasks/task';
import { ModuliRegularizer } from '../src-main/engine/training/regularizer';

const { values: args } = parseArgs({
  options: {
    task: { type: 'string', default: 'navigation' },
    hidden: { type: 'string', default: '256,512,1024' },
    backend: { type: 'string', default: 'tensorflow,wasm' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    corpus: { type: 'string', default: '../shared/data/wikitext-2' },
    json: { type: 'boolean', default: false },
  },
});

/** 'tensorflow' tries tfjs-node-gpu, then tfjs-node; 'wasm' and 'cpu' are always present. */
async function useBackend(name: string): Promise<boolean> {
  const kinds = name === 'tensorflow' ? (['tensorflow-gpu', 'tensorflow'] as const) : ([name] as Array<'wasm' | 'cpu'>);
  for (const kind of kinds) {
    try {
      const tfName = await loadBackendModule(kind);
      if (await tf.setBackend(tfName)) {
        await tf.ready();
        return true;
      }
    } catch {
      // try the next kind
    }
  }
  return false;
}

function navigationConfig(hidden: number): ExperimentConfig {
  // The shapes of the reference comparison (issue #8): seq 20, batch 200, 512 place cells, torus DoG-inverted L1.
  return ExperimentConfig.parse({
    task: { task: 'navigation', hidden, placeCells: 512, sequenceLength: 20, batchSize: 200, stepsPerEpoch: 1000, epochs: 30 },
    regularization: { lambda: 0.1, power: 1, penalty: { space: 'torus', weighting: 'dog', invert: true } },
  });
}

function languageConfig(hidden: number): ExperimentConfig {
  const c = args.corpus!;
  return presetConfig('language', 'quick', {
    task: { task: 'language', hidden, embeddingSize: hidden, corpus: { train: `${c}/valid.txt`, valid: `${c}/test.txt`, test: `${c}/test.txt` } },
  } as never);
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

function step(task: Task, reg: ModuliRegularizer, lambda: number, opt: ReturnType<Task['createOptimizer']>, i: number): void {
  const vars = task.variables();
  const list = Object.values(vars);
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.add(task.trainStep({ phase: 'train', epoch: 0, step: i }).loss, tf.mul(reg.penalty(), lambda)) as tf.Scalar, list);
    const byKey: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(vars)) byKey[k] = grads[v.name];
    opt.apply(vars, byKey);
  });
  task.afterStep?.();
}

const steps = Number(args.steps);
const warmup = Number(args.warmup);
for (const backend of args.backend!.split(',')) {
  if (!(await useBackend(backend))) {
    if (!args.json) console.error(`backend ${backend}: not available, skipped`);
    continue;
  }
  for (const hidden of args.hidden!.split(',').map(Number)) {
    const config = args.task === 'language' ? languageConfig(hidden) : navigationConfig(hidden);
    const task = createTask(config, 'init');
    const reg = new ModuliRegularizer(config.regularization, task.recurrent(), config.seed);
    const opt = task.createOptimizer();
    task.beginEpoch({ phase: 'train', epoch: 0, step: 0 });
    const times: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      step(task, reg, config.regularization.lambda, opt, i % Math.max(1, task.stepsPerEpoch()));
      if (i >= warmup) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const vocab = 'corpus' in task ? (task as unknown as { corpus: { vocab: { size: number } } }).corpus.vocab.size : 0;
    const line = {
      task: args.task,
      hidden,
      backend,
      msPerStep: +ms.toFixed(1),
      gflops: +(flopsPerStep(config, vocab) / (ms / 1000) / 1e9).toFixed(2),
      tensors: tf.memory().numTensors,
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
    console.log(args.json ? JSON.stringify(line) : `${line.task} N=${hidden} ${backend}: ${line.msPerStep} ms/step, ${line.gflops} GFLOP/s, ${line.tensors} tensors, ${line.rssMB} MB RSS`);
    task.dispose();
    reg.dispose();
    opt.dispose();
  }
}
