import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExperimentConfig, Regularization } from '../../src-main/schema/experiment';
import { selectBackend } from '../../src-main/engine/backend';
import { decodeCheckpoint, CheckpointError } from '../../src-main/engine/training/checkpoint';
import type { TrainingEvent } from '../../src-main/engine/training/events';
import { MaskSet, scheduledAmount } from '../../src-main/engine/learning/pruning';
import { ModuliRegularizer } from '../../src-main/engine/learning/regularizer';
import { runExperiment, RunStopped } from '../../src-main/engine/training/trainer';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A tiny adding-problem run: 3 epochs × 10 steps. */
function tinyAdding(over: Record<string, unknown> = {}): ExperimentConfig {
  return ExperimentConfig.parse({
    seed: 3,
    task: {
      task: 'adding',
      sequenceLength: 8,
      hidden: 16,
      samplesPerEpoch: 160,
      batchSize: 16,
      epochs: 3,
      stabiliserEpochs: 1,
      learningRate: 5e-3,
      testSamples: 64,
    },
    regularization: { lambda: 1e-2, penalty: { space: 'torus', weighting: 'dog', invert: true } },
    pruning: { target: 0.8 },
    ...over,
  });
}

async function collect(config: ExperimentConfig, opts: Parameters<typeof runExperiment>[1] = {}) {
  const events: TrainingEvent[] = [];
  const result = await runExperiment(config, { ...opts, onEvent: (e) => events.push(e) });
  return { events, result };
}

describe('moduli penalty', () => {
  it.each([1, 2] as const)('gradient of λ·mean(C ⊙ |W|^p) is λ·p·C ⊙ sign(W)|W|^(p−1) / N² (p = %i)', (p) => {
    const n = 12;
    const W = tf.variable(tf.randomNormal([n, n], 0, 1, 'float32', 5));
    const reg = new ModuliRegularizer(
      Regularization.parse({ lambda: 0.1, power: p, penalty: { space: 'klein' } }),
      [{ name: 'W_hh', variable: W, gates: 1 }],
      1,
    );
    // The engine takes gradients with tf.variableGrads (trainer.ts); tf.grad must agree with it.
    const g = tf.grad(() => tf.mul(reg.penalty(), 0.1) as tf.Scalar)(W);
    const { grads } = tf.variableGrads(() => tf.mul(reg.penalty(), 0.1) as tf.Scalar, [W]);
    const got = grads[W.name].dataSync();
    const viaGrad = g.dataSync();
    for (let i = 0; i < n * n; i++) expect(viaGrad[i]).toBeCloseTo(got[i], 7);
    g.dispose();
    const C = reg.penaltyMatrix(reg.layers[0]).dataSync();
    const w = W.dataSync();
    for (let i = 0; i < n * n; i++) {
      const expected = (0.1 * p * C[i] * Math.sign(w[i]) * Math.abs(w[i]) ** (p - 1)) / (n * n);
      expect(got[i]).toBeCloseTo(expected, 6);
    }
    reg.dispose();
  });

  it('tiles C over the four gate blocks of an LSTM W_hh [4N, N]', () => {
    const n = 6;
    // Every entry different, so any other placement of C over the gate blocks (transposed, shifted, one
    // block only) gives another penalty.
    const w = Float32Array.from({ length: 4 * n * n }, (_, k) => 1 + ((k * 7919) % 97) / 10);
    const W = tf.variable(tf.tensor2d(w, [4 * n, n]));
    const reg = new ModuliRegularizer(Regularization.parse({ penalty: { space: 'torus' } }), [{ name: 'W_hh', variable: W, gates: 4 }], 2);
    const C = Array.from(reg.penaltyMatrix(reg.layers[0]).dataSync());
    // Row g·N + i of W_hh is gate g of neuron i: its penalty is C[i, j] (docs/method.md §3).
    let expected = 0;
    for (let g = 0; g < 4; g++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected += C[i * n + j] * w[(g * n + i) * n + j];
    expect(reg.penalty().dataSync()[0]).toBeCloseTo(expected / (4 * n * n), 3);
    reg.dispose();
  });

  it('a learned embedding receives the penalty gradient and S³ coordinates stay on the sphere', () => {
    const n = 10;
    const W = tf.variable(tf.randomNormal([n, n], 0, 1, 'float32', 1));
    const reg = new ModuliRegularizer(Regularization.parse({ learnEmbedding: true, penalty: { space: 's3' } }), [{ name: 'W_hh', variable: W, gates: 1 }], 4);
    const emb = reg.embeddingVariables()['embedding/W_hh'];
    const { grads } = tf.variableGrads(() => reg.penalty(), [emb]);
    expect(tf.norm(grads[emb.name]).dataSync()[0]).toBeGreaterThan(0);
    emb.assign(tf.mul(emb, 3));
    reg.projectEmbeddings();
    const norms = tf.norm(emb, 'euclidean', 1).dataSync();
    for (const x of norms) expect(x).toBeCloseTo(1, 5);
    reg.dispose();
  });
});

describe('pruning schedule', () => {
  const nav = { epochs: 30, firstEpoch: 1, offset: 0 };
  const lm = { epochs: 15, firstEpoch: 1, offset: 1 };
  it('linear (reference navigation/adding): 0 at epoch 0, target·e/(E−1), the target at the last epoch', () => {
    expect(scheduledAmount('linear', 0.9, 0, nav)).toBe(0);
    expect(scheduledAmount('linear', 0.9, 1, nav)).toBeCloseTo(0.9 / 29, 12);
    expect(scheduledAmount('linear', 0.9, 29, nav)).toBeCloseTo(0.9, 12);
  });
  it('linear (reference language model): 12 % at its epoch 2 for E = 15, the target at epoch E', () => {
    expect(scheduledAmount('linear', 0.9, 0, lm)).toBe(0);
    expect(scheduledAmount('linear', 0.9, 1, lm)).toBeCloseTo(0.12, 12);
    expect(scheduledAmount('linear', 0.9, 14, lm)).toBeCloseTo(0.9, 12);
  });
  it('cubic (Zhu & Gupta): s_f·(1 − (1 − p)³), front-loaded, same endpoints', () => {
    expect(scheduledAmount('cubic', 0.9, 0, nav)).toBe(0);
    expect(scheduledAmount('cubic', 0.9, 29, nav)).toBeCloseTo(0.9, 12);
    const p = 10 / 29;
    expect(scheduledAmount('cubic', 0.9, 10, nav)).toBeCloseTo(0.9 * (1 - (1 - p) ** 3), 12);
    expect(scheduledAmount('cubic', 0.9, 10, nav)).toBeGreaterThan(scheduledAmount('linear', 0.9, 10, nav));
  });
});

describe('global magnitude pruning', () => {
  it('masks exactly round(amount·total) entries across matrices, smallest first, nested over steps', async () => {
    const a = tf.variable(tf.tensor([0.5, -0.1, 0.3, 0.01]));
    const b = tf.variable(
      tf.tensor([
        [-0.2, 0.05],
        [0.9, -0.02],
      ]),
    );
    const masks = new MaskSet([
      { name: 'a', variable: a },
      { name: 'b', variable: b },
    ]);
    await masks.pruneTo(0.25);
    // `+ 0` folds −0 (a masked negative weight) into 0.
    const values = (t: tf.Tensor) => Array.from(t.dataSync(), (x) => x + 0);
    expect(values(a)).toEqual([0.5, -0.1, 0.3, 0].map(Math.fround));
    expect(values(b)).toEqual([-0.2, 0.05, 0.9, 0].map(Math.fround));
    a.assign(tf.tensor([0.5, -0.1, 0.3, 7]));
    masks.apply();
    expect(a.dataSync()[3]).toBe(0);
    await masks.pruneTo(0.5);
    expect((await masks.sparsity()).global).toBe(0.5);
    expect(values(b)).toEqual([-0.2, 0, 0.9, 0].map(Math.fround));
    masks.dispose();
  });

  it('after training, the configured target sparsity is met within 0.5 % and pruned weights are exactly zero', async () => {
    const { events, result } = await collect(tinyAdding());
    expect(Math.abs(result.sparsity.global - 0.8)).toBeLessThan(0.005);
    const snap = events.filter((e) => e.type === 'snapshot').at(-1)!;
    if (snap.type !== 'snapshot') throw new Error('the run emitted no snapshot');
    const m = snap.matrices[0];
    let nonzeroMasked = 0;
    for (let i = 0; i < m.weights.length; i++) if (m.mask![i] === 0 && m.weights[i] !== 0) nonzeroMasked++;
    expect(nonzeroMasked).toBe(0);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => (e.type === 'epoch' ? +e.pruneAmount.toFixed(4) : 0))).toEqual([0, 0.4, 0.8, 0.8]);
  });
});

describe('runs', () => {
  it.each(['torus', 'klein', 's2'])('with a learned embedding on %s: train, prune, retrain the lottery ticket and leave no tensor behind', async (space) => {
    // A flat space projects coordinates to the same tensor; assigning a variable to itself freed its buffer
    // and every such run died at its first step (regularizer.projectEmbeddings).
    const config = tinyAdding({ regularization: { lambda: 1e-2, learnEmbedding: true, penalty: { space, weighting: 'gauss' } }, lottery: { enabled: true } });
    await collect(config); // a first run creates tfjs's process-wide cached tensors
    const before = tf.memory().numTensors;
    const { result } = await collect(config);
    expect(result.diverged).toBe(false);
    expect(result.lottery).toBeDefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('are reproducible: the same seed gives the same loss curve, another seed a different one', async () => {
    const curve = async (seed: number) => (await collect(tinyAdding({ seed }))).events.flatMap((e) => (e.type === 'metrics' ? [e.values.loss] : []));
    const a = await curve(3);
    expect(await curve(3)).toEqual(a);
    expect(await curve(4)).not.toEqual(a);
  });

  it('λ scales with the hidden size only when asked: loss − task loss = λ·(N/N_ref)^k · penalty at every step', async () => {
    const { effectiveLambda } = await import('../../src-main/schema/experiment');
    const ratios = async (regularization: Record<string, unknown>) => {
      const config = tinyAdding({ regularization: { lambda: 1e-2, penalty: { space: 'torus', weighting: 'dog', invert: true }, ...regularization } });
      const { events } = await collect(config);
      return events.flatMap((e) => (e.type === 'metrics' && e.values.penalty > 0 ? [(e.values.loss - e.values.task_loss) / e.values.penalty] : []));
    };
    // N = 16: the reference uses λ as given; k = 2 with N_ref = 8 trains with 4λ; k = 1 with N_ref = 32 with λ/2.
    for (const [extra, expected] of [
      [{}, 1e-2],
      [{ lambdaExponent: 2, lambdaReferenceN: 8 }, 4e-2],
      [{ lambdaExponent: 1, lambdaReferenceN: 32 }, 5e-3],
    ] as const) {
      const r = await ratios(extra);
      expect(r.length).toBeGreaterThan(10);
      for (const x of r) expect(x).toBeCloseTo(expected, 4);
      expect(effectiveLambda(Regularization.parse({ lambda: 1e-2, ...extra }), 16)).toBeCloseTo(expected, 12);
    }
    // A config stored before the fields existed: λ as given.
    expect(effectiveLambda({ lambda: 0.3 }, 4096)).toBe(0.3);
  });

  it('resume from a checkpoint gives the same next steps as an uninterrupted run', async () => {
    const full = await collect(tinyAdding());
    const ckpt = full.events.find((e) => e.type === 'checkpoint' && e.epoch === 2);
    if (!ckpt || ckpt.type !== 'checkpoint') throw new Error('no checkpoint after epoch 2');
    expect(decodeCheckpoint(ckpt.bytes).meta.epoch).toBe(2);
    const resumed = await collect(tinyAdding(), { resume: ckpt.bytes });
    // Steps after the checkpoint's global step: the resumed run must repeat them exactly.
    const resumeStep = decodeCheckpoint(ckpt.bytes).meta.globalStep;
    const after = (ev: TrainingEvent[]) => ev.flatMap((e) => (e.type === 'metrics' && e.step > resumeStep ? [[e.step, e.values.loss]] : []));
    expect(after(full.events).length).toBeGreaterThan(0);
    expect(after(resumed.events)).toEqual(after(full.events));
    expect(resumed.result.test).toEqual(full.result.test);
    // Wall time continues from the checkpoint's instead of restarting at 0 (the charts' time axis).
    const wall = (ev: TrainingEvent[]) => ev.flatMap((e) => (e.type === 'metrics' ? [e.values.wall_time_s] : []));
    const checkpointSeconds = decodeCheckpoint(ckpt.bytes).meta.elapsedMs! / 1000;
    expect(wall(resumed.events)[0]).toBeGreaterThanOrEqual(checkpointSeconds);
    for (const w of [wall(full.events), wall(resumed.events)]) w.forEach((x, i) => i > 0 && expect(x).toBeGreaterThanOrEqual(w[i - 1]));
  });

  it('pause writes a checkpoint mid-epoch, and resuming it finishes like an uninterrupted run', async () => {
    const full = await collect(tinyAdding());
    let steps = 0;
    const paused: TrainingEvent[] = [];
    await expect(
      runExperiment(tinyAdding(), {
        onEvent: (e) => {
          paused.push(e);
          if (e.type === 'metrics') steps++;
        },
        control: () => (steps >= 15 ? 'pause' : 'run'),
      }),
    ).rejects.toBeInstanceOf(RunStopped);
    const ckpt = paused.filter((e) => e.type === 'checkpoint').at(-1);
    if (!ckpt || ckpt.type !== 'checkpoint') throw new Error('no checkpoint');
    expect(ckpt.step).toBe(5);
    const resumed = await collect(tinyAdding(), { resume: ckpt.bytes });
    expect(resumed.result.test).toEqual(full.result.test);
  });

  it('lottery ticket retrains the final mask from fresh weights and reports both results', async () => {
    const { events, result } = await collect(tinyAdding({ lottery: { enabled: true } }));
    expect(result.lottery).toBeDefined();
    const lotteryEpochs = events.filter((e) => e.type === 'epoch' && e.phase === 'lottery');
    expect(lotteryEpochs).toHaveLength(3);
    for (const e of lotteryEpochs) if (e.type === 'epoch') expect(Math.abs(e.sparsity.global - 0.8)).toBeLessThan(0.005);
    const lastTrain = events.filter((e) => e.type === 'snapshot' && e.phase === 'train').at(-1);
    const firstLottery = events.find((e) => e.type === 'snapshot' && e.phase === 'lottery');
    if (lastTrain?.type !== 'snapshot' || firstLottery?.type !== 'snapshot') throw new Error('missing the last training or the first lottery snapshot');
    expect(Array.from(firstLottery.matrices[0].mask!)).toEqual(Array.from(lastTrain.matrices[0].mask!));
    expect(Array.from(firstLottery.matrices[0].weights)).not.toEqual(Array.from(lastTrain.matrices[0].weights));
  });

  it('rejects a corrupt checkpoint with a clear error', () => {
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(new TextEncoder().encode('MWCKPT01\xff\xff\xff\x7f{'))).toThrow(/corrupt/);
  });
});

describe('pruning scope', () => {
  it('recurrent scope prunes only W_hh, to the target within 0.5 %', async () => {
    const { result } = await collect(tinyAdding({ pruning: { target: 0.8, scope: 'recurrent' } }));
    expect(Object.keys(result.sparsity.perMatrix)).toEqual(['W_hh']);
    expect(Math.abs(result.sparsity.perMatrix.W_hh - 0.8)).toBeLessThan(0.005);
  });
});
