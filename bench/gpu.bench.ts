// One-command GPU check: `npm run bench:gpu`. Prints the WebGPU adapter, then ms/step and memory for the
// paper's navigation preset (N = 4096, 512 place cells, T = 50, batch 200) and the paper's language model
// (3-layer RNN_TANH 650/650, batch 20, BPTT 35, on a synthetic corpus with WikiText-2's vocabulary size,
// 33,278 words, so no data is needed and the softmax has the paper's shape). Unattended in under 8 minutes on
// a GPU: each model gets 2 warm-up and 5 timed steps, fewer when one step is slow.
// Exits 1 with the reason when there is no hardware adapter. `--allow-software` runs the same script on a
// software adapter (SwiftShader) at tiny sizes, to check the script itself; its numbers mean nothing.
// `--profile` adds the ten ops with the most kernel time in one step of each model (what to fuse next).
//   npm run bench:gpu [-- --json] [-- --allow-software] [-- --profile]
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src-main/engine/backend';
import { adapterLabel, probeAdapter } from '../src-main/engine/webgpu';
import { presetConfig } from '../src-main/schema/presets';
import { profileStep, timeSteps } from './step-timer';

const { values: args } = parseArgs({
  options: { json: { type: 'boolean', default: false }, 'allow-software': { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
});
const started = performance.now();
const out = (line: Record<string, unknown>, text: string) => console.log(args.json ? JSON.stringify(line) : text);

const probe = await probeAdapter();
if (!probe.adapter) {
  console.error(
    `bench:gpu: ${probe.reason}. Install the GPU's Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver; README "Compute backends" says what to check.`,
  );
  process.exit(1);
}
const software = probe.adapter.software;
if (software && !args['allow-software']) {
  console.error(
    `bench:gpu: only a software adapter was found (${adapterLabel(probe.adapter)}); no hardware GPU is visible to Dawn. README "Compute backends" says what to check.`,
  );
  process.exit(1);
}
await selectBackend('webgpu');
out(
  { adapter: probe.adapter, software },
  `adapter: ${adapterLabel(probe.adapter)}${software ? ' — software adapter: tiny sizes, the numbers mean nothing' : ''}`,
);

/** Word-level corpus with `vocab` distinct words (every word appears in train) and `tokens` training tokens. */
function syntheticCorpus(vocab: number, tokens: number): { train: string; valid: string; test: string } {
  const dir = mkdtempSync(join(tmpdir(), 'moduli-gpu-bench-'));
  let s = 1;
  const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const words = (n: number, all: boolean) => Array.from({ length: n }, (_, i) => `w${all && i < vocab ? i : Math.floor(next() * vocab)}`);
  const lines = (ws: string[]) =>
    ws.reduce<string[]>((acc, w, i) => (i % 20 === 0 ? [...acc, w] : ((acc[acc.length - 1] += ` ${w}`), acc)), []).join('\n') + '\n';
  const files = { train: join(dir, 'train.txt'), valid: join(dir, 'valid.txt'), test: join(dir, 'test.txt') };
  writeFileSync(files.train, lines(words(Math.max(tokens, vocab), true)));
  writeFileSync(files.valid, lines(words(2000, false)));
  writeFileSync(files.test, lines(words(2000, false)));
  return files;
}

const navigation = presetConfig(
  'navigation',
  'paper',
  software ? ({ task: { task: 'navigation', hidden: 64, placeCells: 64, sequenceLength: 10, batchSize: 20 } } as never) : {},
);
const vocab = software ? 500 : 33278;
const language = presetConfig('language', 'paper', {
  task: { task: 'language', corpus: syntheticCorpus(vocab, 60_000), ...(software ? { layers: 1, hidden: 32, embeddingSize: 32, batchSize: 4, bptt: 10 } : {}) },
} as never);

for (const [name, config] of [
  ['navigation', navigation],
  ['language', language],
] as const) {
  const t = config.task;
  const shape =
    t.task === 'navigation'
      ? `N = ${t.hidden}, ${t.placeCells} place cells, T = ${t.sequenceLength}, batch ${t.batchSize}`
      : t.task !== 'language'
        ? t.task
        : `${t.layers}-layer ${t.cell} ${t.embeddingSize}/${t.hidden}, vocab ${vocab}, batch ${t.batchSize}, BPTT ${t.bptt}`;
  // A first untimed step says how slow a step is; slow models get fewer timed steps to stay within 8 minutes.
  const first = await timeSteps(config, { steps: 1, warmup: 0 });
  const steps = first.msPerStep > 20_000 ? 1 : first.msPerStep > 5_000 ? 3 : 5;
  const timing = await timeSteps(config, { steps, warmup: 2 });
  if (args.profile) {
    const kernels = await profileStep(config);
    const top = typeof kernels === 'string' ? kernels : kernels.slice(0, 10);
    out(
      { model: name, profile: top },
      `  ${name} kernel time per step: ${typeof top === 'string' ? top : top.map((k) => `${k.kernel} ${k.ms} ms (${k.calls}×)`).join(', ')}`,
    );
  }
  out(
    { model: name, shape, steps, ...timing },
    `${name} (${shape}): ${timing.msPerStep} ms/step (median of ${steps}), ${timing.gflops} GFLOP/s, ${timing.tensorMB} MB in tensors, ${timing.rssMB} MB RSS`,
  );
}
const memory = tf.memory();
out(
  { totalSeconds: Math.round((performance.now() - started) / 1000), tensorMB: Math.round(memory.numBytes / 2 ** 20) },
  `done in ${Math.round((performance.now() - started) / 1000)} s`,
);
process.exit(0);
