// The authors' headline code never zeroed its gradients (docs/method.md §9.4): with accumulateGradients each
// step applies the sum of every gradient so far. Checked against AdamW by hand on a one-weight model.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import type { Task } from '../../src-main/engine/tasks/task';
import { AdamW } from '../../src-main/engine/learning/optimizers';
import { checkpointTensors, type PhaseState } from '../../src-main/engine/training/phase';
import { MaskSet } from '../../src-main/engine/learning/pruning';
import type { ModuliRegularizer } from '../../src-main/engine/learning/regularizer';
import { optimizationStep } from '../../src-main/engine/training/step';
import { ExperimentConfig } from '../../src-main/schema/experiment';

beforeAll(async () => {
  await selectBackend('wasm');
});

const LR = 0.1;
/** Loss of step k is x_k · w, so its gradient is x_k. */
const X = [2, 3];

function oneWeightState(accumulate: boolean): PhaseState {
  const w = tf.variable(tf.tensor1d([1]), true);
  const task = {
    variables: () => ({ w }),
    plainL1: () => [],
    clipNorm: null,
    trainStep: ({ step }: { step: number }) => ({ loss: tf.sum(tf.mul(w, X[step])) as tf.Scalar }),
  } as unknown as Task;
  const regularizer = { penalty: () => tf.scalar(0), embeddingVariables: () => ({}) } as unknown as ModuliRegularizer;
  return { phase: 'train', task, regularizer, masks: new MaskSet([]), optimizer: new AdamW(LR), pruneAmount: 0, gradientSums: accumulate ? new Map() : null };
}

/** AdamW (no weight decay) by hand: the weight after applying gradients G_1, G_2, … from w = 1. */
function adamByHand(applied: number[]): number {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let [w, m, v] = [1, 0, 0];
  applied.forEach((g, i) => {
    const t = i + 1;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    w -= (LR * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
  });
  return w;
}

async function twoSteps(accumulate: boolean): Promise<{ w: number; state: PhaseState }> {
  const state = oneWeightState(accumulate);
  const trainable = { variables: state.task.variables(), embeddingKeys: [] };
  for (let step = 0; step < 2; step++) await optimizationStep(state, { phase: 'train', epoch: 0, step }, { lambda: 0, wantMetrics: false, trainable });
  return { w: (await state.task.variables().w.data())[0], state };
}

describe('gradient accumulation (the authors’ headline code)', () => {
  it('applies g1 then g1 + g2, as the reference without zero_grad()', async () => {
    const { w, state } = await twoSteps(true);
    expect(w).toBeCloseTo(adamByHand([2, 2 + 3]), 6);
    expect(w).not.toBeCloseTo(adamByHand([2, 3]), 4);
    // The sums are checkpointed, so a resumed run keeps accumulating where it stopped.
    const saved = checkpointTensors(state);
    expect(Object.keys(saved)).toContain('gsum/w');
    expect((await saved['gsum/w'].data())[0]).toBe(5);
  });

  it('is off by default: each step applies its own gradient', async () => {
    const { w, state } = await twoSteps(false);
    expect(w).toBeCloseTo(adamByHand([2, 3]), 6);
    expect(Object.keys(checkpointTensors(state)).some((k) => k.startsWith('gsum/'))).toBe(false);
    expect(ExperimentConfig.parse({ task: { task: 'navigation' } }).task).toMatchObject({ accumulateGradients: false });
  });
});
