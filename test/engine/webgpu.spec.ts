// The WebGPU backend (Dawn through the `webgpu` package) against the cpu backend, on tiny sizes. No GPU is
// needed: Debian's chromium ships SwiftShader's Vulkan driver, a CPU emulation of a GPU that Dawn accepts
// (`--backend webgpu` may use it; `auto` never does). .ci/run installs it and sets MODULI_REQUIRE_WEBGPU, so a
// missing adapter fails there; elsewhere these tests are skipped with the reason printed.
//
// Tolerance: the GPU sums in a different order (tree reductions in workgroups) than the cpu backend's
// sequential loops, so float32 results differ in the last bits (~1e-7 relative per reduction). Through 24–30
// Adam/SGD steps with pruning, the measured largest per-step relative difference of the loss was 1.1e-7
// (navigation), 1.3e-7 (adding) and 2.1e-6 (language model). The bound, 1e-4, leaves a 50× margin for
// other GPUs and drivers and still fails any real difference in the maths: a wrong or missing gradient term
// moves the loss by more than 1e-3 within a few steps.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CURVE_CONFIGS } from '../../scripts/record-loss-curves';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import type { TrainingEvent } from '../../src-main/engine/training/events';
import type { Scalar } from '@tensorflow/tfjs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
process.env.XDG_RUNTIME_DIR ??= tmpdir();

const { probeAdapter } = await import('../../src-main/engine/webgpu');
const { selectBackend } = await import('../../src-main/engine/backend');
const { runExperiment } = await import('../../src-main/engine/training/trainer');
const { decodeCheckpoint } = await import('../../src-main/engine/training/checkpoint');
const tf = await import('@tensorflow/tfjs');

const probe = await probeAdapter();
const TOLERANCE = 1e-4;

if (!probe.adapter) {
  console.warn(`WebGPU tests skipped: ${probe.reason} (install chromium and libvulkan1 for SwiftShader)`);
  it.runIf(process.env.MODULI_REQUIRE_WEBGPU)('CI provides a WebGPU adapter (SwiftShader from chromium + libvulkan1)', () => {
    expect.fail(probe.reason);
  });
}

/** A small word-level corpus (40 words) so the language model's softmax stays tiny on an emulated GPU. */
function syntheticCorpus(): { train: string; valid: string; test: string } {
  const dir = mkdtempSync(join(tmpdir(), 'moduli-corpus-'));
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
  let s = 12345;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const text = (lines: number) =>
    Array.from({ length: lines }, () => Array.from({ length: 12 }, () => words[Math.floor(next() * words.length)]).join(' ')).join('\n') + '\n';
  const files = { train: join(dir, 'train.txt'), valid: join(dir, 'valid.txt'), test: join(dir, 'test.txt') };
  writeFileSync(files.train, text(60));
  writeFileSync(files.valid, text(20));
  writeFileSync(files.test, text(20));
  return files;
}

const CONFIGS = {
  navigation: CURVE_CONFIGS.navigation,
  adding: CURVE_CONFIGS.adding,
  language: { ...CURVE_CONFIGS.language, task: { ...CURVE_CONFIGS.language.task, corpus: syntheticCorpus() } },
};

async function collect(config: unknown, backend: string, opts: Parameters<typeof runExperiment>[1] = {}) {
  const events: TrainingEvent[] = [];
  const result = await runExperiment(ExperimentConfig.parse({ ...(config as object), backend }), {
    metricsEvery: 1,
    ...opts,
    onEvent: (e) => {
      events.push(e);
      opts.onEvent?.(e);
    },
  });
  const losses = events.flatMap((e) => (e.type === 'metrics' && e.phase === 'train' ? [e.values.loss] : []));
  return { events, result, losses };
}

/**
 * tfjs keeps one active backend per process; the reference curves come from the cpu backend in the same
 * process, so each comparison switches explicitly.
 */
async function onBackend<T>(name: 'cpu' | 'webgpu', f: () => Promise<T>): Promise<T> {
  await tf.setBackend(name);
  return f();
}

describe.runIf(probe.adapter)('WebGPU backend (SwiftShader in CI)', () => {
  it('--backend webgpu selects it, records the adapter, and says when the adapter is software', async () => {
    const info = await selectBackend('webgpu');
    expect(info.active).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter?.description).toBe(probe.adapter!.description);
    expect(info.gpu).toBe(!probe.adapter!.software);
    if (probe.adapter!.software) expect(info.notices.join(' ')).toMatch(/software adapter/);
  });

  it.each(['navigation', 'adding', 'language'] as const)('%s: the loss curve matches the cpu backend within 1e-4 relative at every step', async (name) => {
    await selectBackend('webgpu');
    const cpu = await onBackend('cpu', () => collect(CONFIGS[name], 'cpu'));
    const gpu = await onBackend('webgpu', () => collect(CONFIGS[name], 'webgpu'));
    expect(gpu.losses.length).toBe(cpu.losses.length);
    expect(gpu.losses.length).toBeGreaterThan(10);
    gpu.losses.forEach((x, i) => expect(Math.abs(x - cpu.losses[i]) / Math.abs(cpu.losses[i]), `step ${i}`).toBeLessThan(TOLERANCE));
    // Pruned weights are exactly zero in every snapshot.
    for (const e of gpu.events) {
      if (e.type !== 'snapshot') continue;
      // −0 is zero too: Math.abs folds it.
      for (const m of e.matrices) if (m.mask) m.mask.forEach((k, i) => k === 0 && expect(Math.abs(m.weights[i])).toBe(0));
    }
  });

  it('masks stay exact: pruned weights are 0 after every optimizer step', async () => {
    await selectBackend('webgpu');
    await tf.setBackend('webgpu');
    const { MaskSet } = await import('../../src-main/engine/learning/pruning');
    const { AdamW } = await import('../../src-main/engine/learning/optimizers');
    const w = tf.variable(tf.randomNormal([24, 24], 0, 1, 'float32', 7));
    const masks = new MaskSet([{ name: 'W', variable: w }]);
    await masks.pruneTo(0.75);
    const opt = new AdamW(1e-2, 0);
    const target = tf.randomNormal([24, 24], 0, 1, 'float32', 8);
    const mask = await masks.masks.get('W')!.data();
    for (let step = 0; step < 20; step++) {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(w, target))) as Scalar, [w]);
      opt.apply({ W: w }, { W: grads[w.name] });
      tf.dispose(grads);
      masks.apply();
      const values = await w.data();
      mask.forEach((k, i) => k === 0 && expect(Math.abs(values[i]), `step ${step}, entry ${i}`).toBe(0));
    }
    tf.dispose([w, target]);
    masks.dispose();
    opt.dispose();
  });

  it('resume from a checkpoint continues exactly like the uninterrupted run on the same backend', async () => {
    await selectBackend('webgpu');
    await tf.setBackend('webgpu');
    const config = { ...CONFIGS.adding, task: { ...CONFIGS.adding.task, epochs: 3 } };
    const full = await collect(config, 'webgpu');
    const ckpt = full.events.find((e) => e.type === 'checkpoint' && e.epoch === 2);
    if (!ckpt || ckpt.type !== 'checkpoint') throw new Error('no checkpoint after epoch 2');
    const resumed = await collect(config, 'webgpu', { resume: ckpt.bytes });
    const from = decodeCheckpoint(ckpt.bytes).meta.globalStep;
    const after = (ev: TrainingEvent[]) => ev.flatMap((e) => (e.type === 'metrics' && e.step > from ? [[e.step, e.values.loss]] : []));
    expect(after(resumed.events).length).toBeGreaterThan(0);
    expect(after(resumed.events)).toEqual(after(full.events));
    expect(resumed.result.test).toEqual(full.result.test);
  });

  it('no tensor leaks across 200 training steps (count and bytes held by the backend)', async () => {
    await selectBackend('webgpu');
    await tf.setBackend('webgpu');
    const counts: Array<[number, number, number]> = [];
    const config = { ...CONFIGS.adding, task: { ...CONFIGS.adding.task, samplesPerEpoch: 160, batchSize: 16, epochs: 20 } };
    await collect(config, 'webgpu', {
      onEvent: (e) => {
        if (e.type === 'metrics') counts.push([e.step, tf.memory().numTensors, tf.memory().numBytes]);
      },
    });
    expect(counts.at(-1)![0]).toBe(200);
    // From the second epoch on (optimizer slots and masks exist by then), the count never changes.
    const steady = counts.filter(([step]) => step > 10).map(([, n]) => n);
    expect(new Set(steady).size, `tensor counts seen: ${[...new Set(steady)].join(', ')}`).toBe(1);
    const bytes = counts.filter(([step]) => step > 10).map(([, , b]) => b);
    expect(new Set(bytes).size, `bytes seen: ${[...new Set(bytes)].join(', ')}`).toBe(1);
  });
});
