// Training-step benchmark. One JSON line per (task, hidden, backend):
//   {"task","hidden","backend","msPerStep","gflops","tensors","tensorMB","rssMB"} (+ "adapter" on webgpu)
// msPerStep is the median of --steps timed steps after --warmup steps, each ending with a read of the loss
// (bench/step-timer.ts); gflops counts the matMul FLOPs of forward + backward (≈ 3× forward); tensors,
// tensorMB and rssMB are read after the timed steps (a leak shows as growth).
// Usage: npm run bench:train -- --task navigation --hidden 256,512,1024 [--backend webgpu,wasm,cpu,tensorflow] [--json]
// webgpu uses whatever adapter Dawn finds, a software one (SwiftShader) included: the adapter is printed.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { ExperimentConfig } from '../src-main/schema/experiment';
import { presetConfig } from '../src-main/schema/presets';
import { loadBackendModule } from '../src-main/engine/backend';
import { probeAdapter, adapterLabel } from '../src-main/engine/webgpu';
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
  },
});

let adapter: string | null = null;

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
for (const backend of args.backend!.split(',')) {
  if (!(await useBackend(backend))) {
    if (!args.json) console.error(`backend ${backend}: not available, skipped`);
    continue;
  }
  for (const hidden of args.hidden!.split(',').map(Number)) {
    const config = args.task === 'language' ? languageConfig(hidden) : navigationConfig(hidden);
    const t = await timeSteps(config, { steps, warmup });
    const line = { task: args.task, hidden, backend, ...t, ...(backend === 'webgpu' ? { adapter } : {}) };
    console.log(
      args.json ? JSON.stringify(line) : `${line.task} N=${hidden} ${backend}: ${t.msPerStep} ms/step, ${t.gflops} GFLOP/s, ${t.tensors} tensors (${t.tensorMB} MB), ${t.rssMB} MB RSS${backend === 'webgpu' ? ` on ${adapter}` : ''}`,
    );
  }
}
