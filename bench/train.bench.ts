// Training-step benchmark. One JSON line per (task, hidden, backend, threads):
//   {"task","hidden","threads","backend","msPerStep","gflops","tensors","tensorMB","rssMB"} (+ "adapter" on webgpu,
//   + "speedup": the 1-thread step over this one, when --threads lists 1)
// --threads 1,2,4: the wasm backend's matrix products on that many threads (engine/threads); other backends
// run their own threading and print one line with threads 1.
// msPerStep is the median of --steps timed steps after --warmup steps, each ending with a read of the loss
// (bench/step-timer.ts); gflops counts the matMul FLOPs of forward + backward (≈ 3× forward); tensors,
// tensorMB and rssMB are read after the timed steps (a leak shows as growth). With --sparsity, lines for the
// pruned phase add {sparsity, sparse, ratioToDense}; their gflops is the dense-equivalent rate (dense FLOPs
// over the time), so a sparse step's speed-up shows in both msPerStep and gflops.
// Usage: npm run bench:train -- --task navigation --hidden 256,512,1024 [--threads 1,2] [--sparsity 0.9]
//          [--backend webgpu,wasm,cpu,tensorflow] [--json]
// webgpu uses whatever adapter Dawn finds, a software one (SwiftShader) included: the adapter is printed.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { ExperimentConfig } from '../src-main/schema/experiment';
import { presetConfig } from '../src-main/schema/presets';
import { loadBackendModule } from '../src-main/engine/backend';
import { probeAdapter, adapterLabel } from '../src-main/engine/webgpu';
import type { Task } from '../src-main/engine/tasks/task';
import { acquireMatMulThreads } from '../src-main/engine/threads/parallel-matmul';
import { timeSteps } from './step-timer';

const { values: args } = parseArgs({
  options: {
    task: { type: 'string', default: 'navigation' },
    hidden: { type: 'string', default: '256,512,1024' },
    backend: { type: 'string', default: 'tensorflow,wasm' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    corpus: { type: 'string', default: '../shared/data/wikitext-2' },
    json: { type: 'boolean', default: false },
    sparsity: { type: 'string' },
    threads: { type: 'string', default: '1' },
  },
});

let adapter: string | null = null;

/** Magnitude-prunes the task's W_hh matrices to `sparsity` (weights zeroed); with `sparse`, switches the task to sparse steps. */
function pruneRecurrent(task: Task, sparsity: number, sparse: boolean): boolean {
  const masks = new Map<string, Float32Array>();
  for (const m of task.recurrent()) {
    const w = m.variable.dataSync() as Float32Array;
    const sorted = Float32Array.from(w, Math.abs).sort();
    const threshold = sorted[Math.min(sorted.length - 1, Math.round(sparsity * sorted.length))];
    const mask = Float32Array.from(w, (x) => (Math.abs(x) < threshold ? 0 : 1));
    const pruned = tf.tensor(Float32Array.from(w, (x, i) => x * mask[i]), m.variable.shape);
    m.variable.assign(pruned);
    pruned.dispose();
    masks.set(m.name, mask);
  }
  if (!sparse) return false;
  task.useSparseTraining?.(masks);
  // Elman tasks keep the kernel on their model; it stays null where sparse steps do not apply.
  return (task as unknown as { model?: { trainingKernel?: unknown } }).model?.trainingKernel != null;
}

/** 'tensorflow' tries tfjs-node-gpu, then tfjs-node; 'wasm' and 'cpu' are always present. */
async function useBackend(name: string): Promise<boolean> {
  if (name === 'webgpu') {
    const probe = await probeAdapter();
    if (!probe.adapter) {
      console.error(`backend webgpu: ${probe.reason}`);
      return false;
    }
    adapter = adapterLabel(probe.adapter);
  }
  const kinds = name === 'tensorflow' ? (['tensorflow-gpu', 'tensorflow'] as const) : ([name] as Array<'webgpu' | 'wasm' | 'cpu'>);
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

const steps = Number(args.steps);
const warmup = Number(args.warmup);
const threadCounts = args.threads!.split(',').map(Number);
if (threadCounts.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--threads ${args.threads}: expected positive integers, e.g. 1,2,4`);
for (const backend of args.backend!.split(',')) {
  if (!(await useBackend(backend))) {
    if (!args.json) console.error(`backend ${backend}: not available, skipped`);
    continue;
  }
  for (const hidden of args.hidden!.split(',').map(Number)) {
    const config = args.task === 'language' ? languageConfig(hidden) : navigationConfig(hidden);
    const oneThread = new Map<string, number>();
    for (const threads of backend === 'wasm' ? threadCounts : [1]) {
      const release = await acquireMatMulThreads(threads);
      try {
        const t = await timeSteps(config, { steps, warmup });
        if (threads === 1) oneThread.set('dense', t.msPerStep);
        const speedup = oneThread.has('dense') ? { speedup: +(oneThread.get('dense')! / t.msPerStep).toFixed(2) } : {};
        const line = { task: args.task, hidden, threads, backend, ...t, ...speedup, ...(backend === 'webgpu' ? { adapter } : {}) };
        console.log(
          args.json
            ? JSON.stringify(line)
            : `${line.task} N=${hidden} ${backend} ${threads} thread${threads > 1 ? 's' : ''}: ${t.msPerStep} ms/step, ${t.gflops} GFLOP/s, ${t.tensors} tensors (${t.tensorMB} MB), ${t.rssMB} MB RSS${'speedup' in speedup ? `, ${speedup.speedup}× one thread` : ''}${backend === 'webgpu' ? ` on ${adapter}` : ''}`,
        );
        // The pruned phase: W_hh magnitude-pruned to --sparsity, stepped dense (masked weights, full products)
        // and sparse (the kernels of ops/sparse/training.ts, where the backend and activation allow them).
        for (const sparsity of args.sparsity ? args.sparsity.split(',').map(Number) : []) {
          for (const sparse of [false, true]) {
            let used = false;
            const ts = await timeSteps(config, { steps, warmup, prepare: (task) => (used = pruneRecurrent(task, sparsity, sparse)) });
            if (sparse && !used) {
              if (!args.json) console.error(`N=${hidden} ${backend}: no sparse training path here (it needs wasm or cpu and ReLU)`);
              continue;
            }
            const l = { task: args.task, hidden, threads, backend, sparsity, sparse, ...ts, ratioToDense: +(ts.msPerStep / t.msPerStep).toFixed(3) };
            console.log(
              args.json
                ? JSON.stringify(l)
                : `${l.task} N=${hidden} ${backend} ${threads} thread${threads > 1 ? 's' : ''}, W_hh ${(100 * sparsity).toFixed(0)} % pruned, ${sparse ? 'sparse' : 'dense'} steps: ${ts.msPerStep} ms/step (${l.ratioToDense}× the unpruned dense step)`,
            );
          }
        }
      } finally {
        await release();
      }
    }
  }
}
