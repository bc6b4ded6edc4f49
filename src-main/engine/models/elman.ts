// Elman RNNs: h_t = act(W_ih·x_t + W_hh·h_{t−1} (+ b)). Weights use PyTorch's [out, in] layout, so W_hh[i, j]
// is the connection from neuron j (pre) to neuron i (post), as in the reference.
import * as tf from '@tensorflow/tfjs';
import { fusedElman, sparseTrainingElman, type Activation } from '../ops/elman';
import { raceRecurrence, type RecurrenceRace } from '../ops/sparse/race';
import { activeBlas } from '../blas/runtime';
import { SparseRecurrence, toCsr } from '../ops/sparse/recurrence';
import { SparseTrainingKernel } from '../ops/sparse/training';
import type { Rng } from '../random';
import { linear, uniformVariable, zerosVariable } from './init';

export type { Activation };

function activate(x: tf.Tensor, act: Activation): tf.Tensor2D {
  return (act === 'relu' ? tf.relu(x) : tf.tanh(x)) as tf.Tensor2D;
}

/**
 * Runs the recurrence over a whole sequence. The input projection of all T steps is one matMul
 * ([T·B, in] · W_ihᵀ), then each step adds W_hh·h. Returns every hidden state [T·B, N] (time-major).
 */
export function elmanUnroll(
  inputs: tf.Tensor3D,
  h0: tf.Tensor2D,
  wih: tf.Tensor2D,
  whh: tf.Tensor2D,
  act: Activation,
  bias?: tf.Tensor1D,
  sparse?: SparseRecurrence | SparseTrainingKernel | null,
): tf.Tensor2D {
  const [T, B, I] = inputs.shape;
  const projected = linear(tf.reshape(inputs, [T * B, I]) as tf.Tensor2D, wih, bias);
  // Training with a pruned W_hh: forward and backward over the kept connections only (ops/sparse/training.ts).
  if (sparse instanceof SparseTrainingKernel) return sparseTrainingElman(projected, h0, whh, sparse);
  // Inference with a pruned W_hh: the SIMD sparse kernel (no gradient; evaluation only).
  if (sparse) return tf.tensor2d(sparse.run(projected.dataSync() as Float32Array, h0.dataSync() as Float32Array, B, 'relu'), [T * B, whh.shape[0]]);
  // wasm: one fused op with a hand-derived gradient (ops/elman.ts); native backends: tfjs autodiff.
  if (tf.getBackend() === 'wasm') return fusedElman(projected, h0, whh, act);
  const steps = tf.split(projected, T, 0) as tf.Tensor2D[];
  const states: tf.Tensor2D[] = [];
  let h = h0;
  for (const x of steps) {
    h = activate(tf.add(x, linear(h, whh)), act);
    states.push(h);
  }
  return tf.concat(states, 0) as tf.Tensor2D;
}

/** Below this fraction of zeros in W_hh the dense matMul is as fast as the sparse kernel (bench/sparse.bench.ts). */
export const SPARSE_INFERENCE_MIN_SPARSITY = 0.8;

/**
 * The sparse kernel for evaluating with the current W_hh, or null where it does not pay or does not apply:
 * too dense, a tanh network (the kernel implements ReLU), or a native backend (tfjs-node's BLAS or the GPU
 * are faster than one wasm thread). Weights are read once per evaluation, not per batch.
 */
export function sparseInference(whh: tf.Variable, act: Activation): SparseRecurrence | null {
  if (act !== 'relu' || !['wasm', 'cpu'].includes(tf.getBackend())) return null;
  const w = whh.dataSync(); // wasm/cpu only (checked above): synchronous reads are fine there
  let zeros = 0;
  for (let k = 0; k < w.length; k++) if (w[k] === 0) zeros++;
  if (zeros / w.length < SPARSE_INFERENCE_MIN_SPARSITY) return null;
  return new SparseRecurrence(toCsr(w, whh.shape[0]!));
}

/** From this fraction of pruned W_hh entries on, training uses the sparse kernels (bench/train.bench.ts --sparsity). */
export const SPARSE_TRAINING_MIN_SPARSITY = 0.9;

/**
 * The sparse training kernel for a W_hh mask, or null where it does not apply: no mask or too dense, a tanh
 * network (the kernel implements ReLU), or a backend other than wasm/cpu (the kernel reads its inputs
 * synchronously; tfjs-node and WebGPU keep their dense products).
 */
export function sparseTrainingFor(
  mask: ArrayLike<number> | null,
  n: number,
  act: Activation,
  shape?: { batch: number; steps: number },
  decided?: RecurrenceRace | null,
): { kernel: SparseTrainingKernel | null; race: RecurrenceRace | null } {
  const none = { kernel: null, race: null };
  if (!mask || act !== 'relu' || !['wasm', 'cpu'].includes(tf.getBackend())) return none;
  let zeros = 0;
  for (let k = 0; k < mask.length; k++) if (mask[k] === 0) zeros++;
  // Half an entry of tolerance: round(0.9·N²) masked entries must count as 90 %.
  if (zeros + 0.5 < SPARSE_TRAINING_MIN_SPARSITY * mask.length) return none;
  const kernel = new SparseTrainingKernel(mask, n);
  // With native BLAS products the dense path may be faster: measure both on the run's shapes (ops/sparse/race.ts).
  if (!activeBlas() || !shape) return { kernel, race: null };
  const race = decided ?? raceRecurrence(kernel, n, shape.batch, shape.steps);
  return { kernel: race.sparse ? kernel : null, race };
}

/**
 * Which path a pruned W_hh trains through: the sparse kernels or dense products. Measured once per run, at
 * the first mask sparse enough for the kernels (later masks are sparser, which only favours them further),
 * kept for the rest of the run and in its checkpoints: the two paths agree only to float rounding, so a run
 * and its resumed continuation must take the same one. The decision is recorded with the run's metrics.
 */
export class RecurrencePath {
  /** The decision (null until measured). */
  race: RecurrenceRace | null = null;

  choose(mask: ArrayLike<number> | null, n: number, act: Activation, shape: { batch: number; steps: number }): SparseTrainingKernel | null {
    const { kernel, race } = sparseTrainingFor(mask, n, act, shape, this.race);
    this.race = race ?? this.race;
    return kernel;
  }

  save(): Record<string, number> {
    return this.race ? { sparse_recurrence: this.race.sparse ? 1 : 0, sparse_recurrence_ms: this.race.sparseMs, dense_recurrence_ms: this.race.denseMs } : {};
  }

  load(s: Record<string, number>): void {
    this.race = 'sparse_recurrence' in s ? { sparse: s.sparse_recurrence === 1, sparseMs: s.sparse_recurrence_ms, denseMs: s.dense_recurrence_ms } : null;
  }
}

/** Navigation RNN (reference navigation/model1.py): h0 = Enc·placecode(x0); ReLU RNN without bias; Dec → place-cell logits. */
export class NavigationRnn {
  readonly encoder: tf.Variable;
  readonly wih: tf.Variable;
  readonly whh: tf.Variable;
  readonly decoder: tf.Variable;
  /** Set while W_hh is pruned enough to train sparsely (sparseTrainingFor); used by training steps only. */
  trainingKernel: SparseTrainingKernel | null = null;

  constructor(
    readonly hidden: number,
    readonly placeCells: number,
    readonly activation: Activation,
    rng: Rng,
  ) {
    // PyTorch defaults: Linear U(±1/√fan_in); nn.RNN U(±1/√hidden).
    this.encoder = uniformVariable('encoder', [hidden, placeCells], 1 / Math.sqrt(placeCells), rng);
    this.wih = uniformVariable('W_ih', [hidden, 2], 1 / Math.sqrt(hidden), rng);
    this.whh = uniformVariable('W_hh', [hidden, hidden], 1 / Math.sqrt(hidden), rng);
    this.decoder = uniformVariable('decoder', [placeCells, hidden], 1 / Math.sqrt(hidden), rng);
  }

  variables(): Record<string, tf.Variable> {
    return { encoder: this.encoder, W_ih: this.wih, W_hh: this.whh, decoder: this.decoder };
  }

  /** velocity [T, B, 2], initial place code [B, Np] → logits [T·B, Np] (time-major). */
  forward(velocity: tf.Tensor3D, initCode: tf.Tensor2D, sparse?: SparseRecurrence | SparseTrainingKernel | null): tf.Tensor2D {
    const h0 = linear(initCode, this.encoder as tf.Tensor2D);
    const hs = elmanUnroll(velocity, h0, this.wih as tf.Tensor2D, this.whh as tf.Tensor2D, this.activation, undefined, sparse);
    return linear(hs, this.decoder as tf.Tensor2D);
  }
}

/**
 * Adding-problem RNN (reference adding_problem/main.py): h_t = act(W_i2h·[x_t; h_{t−1}] + b), output Linear(h_T).
 * The fused i2h matrix [N, 2+N] is held as its two column blocks W_ih [N, 2] and W_hh [N, N]: identical maths,
 * and the penalty covers exactly W_hh = i2h[:, 2:] as in the reference.
 */
export class AddingRnn {
  readonly wih: tf.Variable;
  readonly whh: tf.Variable;
  readonly bias: tf.Variable;
  readonly h2o: tf.Variable;
  readonly outBias: tf.Variable;
  /** Set while W_hh is pruned enough to train sparsely (sparseTrainingFor); used by training steps only. */
  trainingKernel: SparseTrainingKernel | null = null;

  constructor(
    readonly hidden: number,
    readonly activation: Activation,
    rng: Rng,
  ) {
    const bound = 1 / Math.sqrt(2 + hidden);
    this.wih = uniformVariable('W_ih', [hidden, 2], bound, rng);
    this.whh = uniformVariable('W_hh', [hidden, hidden], bound, rng);
    this.bias = uniformVariable('b_i2h', [hidden], bound, rng);
    this.h2o = uniformVariable('h2o', [1, hidden], 1 / Math.sqrt(hidden), rng);
    this.outBias = zerosVariable('b_h2o', [1]);
  }

  variables(): Record<string, tf.Variable> {
    return { W_ih: this.wih, W_hh: this.whh, b_i2h: this.bias, h2o: this.h2o, b_h2o: this.outBias };
  }

  /** inputs [T, B, 2] → predictions [B]. */
  forward(inputs: tf.Tensor3D, sparse?: SparseRecurrence | SparseTrainingKernel | null): tf.Tensor1D {
    const [T, B] = inputs.shape;
    const hs = elmanUnroll(
      inputs,
      tf.zeros([B, this.hidden]),
      this.wih as tf.Tensor2D,
      this.whh as tf.Tensor2D,
      this.activation,
      this.bias as tf.Tensor1D,
      sparse,
    );
    const last = tf.slice(hs, [(T - 1) * B, 0], [B, this.hidden]) as tf.Tensor2D;
    return tf.reshape(linear(last, this.h2o as tf.Tensor2D, this.outBias), [B]) as tf.Tensor1D;
  }
}
