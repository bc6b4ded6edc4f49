// Training-step benchmark. One JSON line per (task, hidden, backend, threads):
//   {"task","hidden","threads","backend","msPerStep","gflops","tensors","tensorMB","rssMB"} (+ "adapter" on webgpu,
//   + "speedup": the 1-thread step over this one, when --threads lists 1; + "msRange" with --repeat)
// --threads 1,2,4: the wasm backend's matrix products on that many threads (engine/threads); other backends
// run their own threading and print one line with threads 1.
// --repeat k measures every variant of a size (thread counts, pruned dense and sparse) k times in turn and
// reports the median of the k medians (with their range as msRange): on a shared host whose speed drifts
// (measured ±30 % between runs minutes apart) single measurements of different variants are not comparable.
// msPerStep is the median of --steps timed steps after --warmup steps, each ending with a read of the loss
// (bench/step-timer.ts); gflops counts the matMul FLOPs of forward + backward (≈ 3× forward); tensors,
// tensorMB and rssMB are read after the timed steps (a leak shows as growth). With --sparsity, lines for the
// pruned phase add {sparsity, sparse, ratioToDense}; their gflops is the dense-equivalent rate (dense FLOPs
// over the time), so a sparse step's speed-up shows in both msPerStep and gflops.
// Usage: npm run bench:train -- --task navigation --hidden 256,512,1024 [--threads 1,2] [--sparsity 0.9] [--repeat 3]
//          [--backend webgpu,wasm,cpu,tensorflow] [--json]
// webgpu uses whatever adapter Dawn finds, a software one (SwiftShader) included: the adapter is printed.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { ExperimentConfig } from '../src-main/schema/experiment';
import { presetConfig } from '../src-main/schema/presets';
import { loadBackendModule } from '../src-main/engine/backend';
import { probeAdapter, adapterLabel } from '../src-main/engine/webgpu';
import type { Task } from '../src-main/engine/tasks/task';
import { acquireHelperThreads, limitThreads, registerBatchMatMul } from '../src-main/engine/threads/parallel-matmul';
import { acquireNativeBlas } from '../src-main/engine/blas/runtime';
import { sparseTrainingFor } from '../src-main/engine/models/elman';
import { referenceAtItsBest } from './reference';
import { timeSteps, type StepTiming } from './step-timer';

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
    repeat: { type: 'string', default: '1' },
    blas: { type: 'string', default: 'native' },
    reference: { type: 'boolean', default: false },
    'machine-env': { type: 'string', default: 'clean' },
  },
});

// This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for older OpenBLAS builds; with them current
// OpenBLAS runs 1.3–1.5× slower (ours and the reference's alike), and a user's workstation does not set them.
// They are removed for this benchmark process and its reference child only (before any BLAS loads), never
// in tests or CI. --machine-env keep measures with them.
if (args['machine-env'] === 'clean') {
  delete process.env.OPENBLAS_CORETYPE;
  delete process.env.OPENBLAS_L2_SIZE;
}

let adapter: string | null = null;

/** Magnitude-prunes the task's W_hh matrices to `sparsity` (weights zeroed); with `sparse`, switches the task to sparse steps. */
function pruneRecurrent(task: Task, sparsity: number, sparse: boolean): boolean {
  const masks = new Map<string, Float32Array>();
  for (const m of task.recurrent()) {
    const w = m.variable.dataSync() as Float32Array;
    const sorted = Float32Array.from(w, Math.abs).sort();
    const threshold = sorted[Math.min(sorted.length - 1, Math.round(sparsity * sorted.length))];
    const mask = Float32Array.from(w, (x) => (Math.abs(x) < threshold ? 0 : 1));
    const pruned = tf.tensor(
      Float32Array.from(w, (x, i) => x * mask[i]),
      m.variable.shape,
    );
    m.variable.assign(pruned);
    pruned.dispose();
    masks.set(m.name, mask);
  }
  if (!sparse) return false;
  // The sparse kernels themselves, without the race against dense products that a run holds
  // (ops/sparse/race.ts): this variant measures what the race compares. Elman tasks keep the kernel on their
  // model; it stays null where sparse steps do not apply.
  const model = (task as unknown as { model?: { trainingKernel?: unknown; hidden: number; activation: 'relu' | 'tanh' } }).model;
  if (!model || !masks.has('W_hh')) return false;
  model.trainingKernel = sparseTrainingFor(masks.get('W_hh')!, model.hidden, model.activation).kernel;
  return model.trainingKernel != null;
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
const sparsities = args.sparsity ? args.sparsity.split(',').map(Number) : [];
const repeats = Math.max(1, Number(args.repeat));
const blasModes = args.blas!.split(',') as Array<'native' | 'off'>;
if (blasModes.some((b) => b !== 'native' && b !== 'off')) throw new Error(`--blas ${args.blas}: expected native, off or native,off`);
const referenceMs = new Map<number, { msPerStep: number; setup: string }>();
const plural = (t: number) => `${t} thread${t > 1 ? 's' : ''}`;

for (const backend of args.backend!.split(',')) {
  if (!(await useBackend(backend))) {
    if (!args.json) console.error(`backend ${backend}: not available, skipped`);
    continue;
  }
  const counts = backend === 'wasm' ? threadCounts : [1];
  // Helpers for the largest count run throughout; each variant uses its own count (limitThreads).
  const release = await acquireHelperThreads(Math.max(...counts));
  try {
    for (const hidden of args.hidden!.split(',').map(Number)) {
      const config = args.task === 'language' ? languageConfig(hidden) : navigationConfig(hidden);
      type Kind = {
        threads: number;
        blas: 'native' | 'off';
        blasLabel?: string | null;
        sparsity?: number;
        sparse?: boolean;
        used?: boolean;
        runs: StepTiming[];
      };
      const modes = backend === 'wasm' ? blasModes : (['off'] as const);
      const kinds: Kind[] = modes.flatMap((blas) =>
        counts.flatMap((threads) => [
          { threads, blas, runs: [] },
          ...sparsities.flatMap((sparsity) => [false, true].map((sparse) => ({ threads, blas, sparsity, sparse, runs: [] }))),
        ]),
      );
      for (let r = 0; r < repeats; r++) {
        for (const kind of kinds) {
          limitThreads(kind.threads);
          // The pruned phase: W_hh magnitude-pruned to the sparsity, stepped dense (masked weights, full
          // products) and sparse (the kernels of ops/sparse/training.ts, where the backend and activation allow).
          const prepare = kind.sparsity === undefined ? undefined : (task: Task) => (kind.used = pruneRecurrent(task, kind.sparsity!, kind.sparse!));
          const blas = kind.blas === 'native' ? acquireNativeBlas('auto', kind.threads, registerBatchMatMul) : null;
          if (blas?.notice) console.error(blas.notice);
          kind.blasLabel = blas?.label ?? null;
          try {
            kind.runs.push(await timeSteps(config, { steps, warmup, prepare, threads: kind.threads }));
          } finally {
            blas?.release();
          }
        }
      }
      limitThreads(null);
      const timings = kinds.map((k) => {
        const sorted = [...k.runs].sort((a, b) => a.msPerStep - b.msPerStep);
        const mid = sorted[Math.floor(sorted.length / 2)];
        return repeats > 1 ? { ...mid, msRange: [sorted[0].msPerStep, sorted.at(-1)!.msPerStep] } : mid;
      });
      const dense = (threads: number, blas: string) =>
        timings[kinds.findIndex((k) => k.threads === threads && k.blas === blas && k.sparsity === undefined)].msPerStep;
      if (args.reference && args.task === 'navigation' && !referenceMs.has(hidden)) {
        const ref = referenceAtItsBest(hidden, Math.max(...counts), { steps, warmup });
        if (ref) referenceMs.set(hidden, ref);
      }
      const ref = referenceMs.get(hidden);
      kinds.forEach((kind, i) => {
        const t = timings[i];
        const engine = kind.blasLabel ? `${backend} + ${kind.blasLabel}` : backend;
        if (kind.sparsity === undefined) {
          const speedup = counts.includes(1) ? { speedup: +(dense(1, kind.blas) / t.msPerStep).toFixed(2) } : {};
          const vsRef = ref ? { referenceMs: ref.msPerStep, referenceSetup: ref.setup, oursOverReference: +(t.msPerStep / ref.msPerStep).toFixed(2) } : {};
          const line = {
            task: args.task,
            hidden,
            threads: kind.threads,
            backend,
            blas: kind.blasLabel ?? 'off',
            ...t,
            ...speedup,
            ...vsRef,
            ...(backend === 'webgpu' ? { adapter } : {}),
          };
          console.log(
            args.json
              ? JSON.stringify(line)
              : `${line.task} N=${hidden} ${engine} ${plural(kind.threads)}: ${t.msPerStep} ms/step, ${t.gflops} GFLOP/s, ${t.tensors} tensors (${t.tensorMB} MB), ${t.rssMB} MB RSS${'speedup' in speedup ? `, ${speedup.speedup}× one thread` : ''}${ref ? `; reference at its best ${ref.msPerStep} ms (${ref.setup}): ours/reference ${vsRef.oursOverReference}×` : ''}${backend === 'webgpu' ? ` on ${adapter}` : ''}`,
          );
          return;
        }
        if (kind.sparse && !kind.used) {
          if (!args.json) console.error(`N=${hidden} ${backend}: no sparse training path here (it needs wasm or cpu and ReLU)`);
          return;
        }
        const l = {
          task: args.task,
          hidden,
          threads: kind.threads,
          backend,
          blas: kind.blasLabel ?? 'off',
          sparsity: kind.sparsity,
          sparse: kind.sparse,
          ...t,
          ratioToDense: +(t.msPerStep / dense(kind.threads, kind.blas)).toFixed(3),
        };
        console.log(
          args.json
            ? JSON.stringify(l)
            : `${l.task} N=${hidden} ${engine} ${plural(kind.threads)}, W_hh ${(100 * kind.sparsity).toFixed(0)} % pruned, ${kind.sparse ? 'sparse' : 'dense'} steps: ${t.msPerStep} ms/step (${l.ratioToDense}× the unpruned dense step)`,
        );
      });
    }
  } finally {
    await release();
  }
}
