// Optimizers with state we own (tfjs has no AdamW, and checkpoints must carry the moments).
// AdamW: Loshchilov & Hutter decoupled decay, as torch.optim.AdamW (decay p ← p·(1 − lr·wd) before the Adam step).
import * as tf from '@tensorflow/tfjs';
import { readAndDispose, readScalar } from '../read';

export interface OptimizerState {
  step: number;
  learningRate: number;
  slots: Record<string, tf.Tensor>;
}

export interface Optimizer {
  learningRate: number;
  /** Applies gradients to the variables (same keys). */
  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void;
  state(): OptimizerState;
  load(state: OptimizerState): void;
  dispose(): void;
}

export class AdamW implements Optimizer {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    public learningRate: number,
    private readonly weightDecay = 0,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    const stepSize = this.learningRate / bc1;
    for (const [name, g] of Object.entries(grads)) {
      const p = vars[name];
      if (!p) continue;
      const m = this.slot(this.m, name, p);
      const v = this.slot(this.v, name, p);
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const decayed = this.weightDecay > 0 ? tf.mul(p, 1 - this.learningRate * this.weightDecay) : p;
        const denom = tf.add(tf.sqrt(tf.div(v, bc2)), this.eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(name, s);
    }
    return s;
  }

  state(): OptimizerState {
    const slots: Record<string, tf.Tensor> = {};
    for (const [k, t] of this.m) slots[`m/${k}`] = t;
    for (const [k, t] of this.v) slots[`v/${k}`] = t;
    return { step: this.t, learningRate: this.learningRate, slots };
  }

  load(state: OptimizerState): void {
    this.dispose();
    this.t = state.step;
    this.learningRate = state.learningRate;
    for (const [key, t] of Object.entries(state.slots)) {
      const [kind, ...rest] = key.split('/');
      (kind === 'm' ? this.m : this.v).set(rest.join('/'), tf.variable(t, false));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Plain SGD p ← p − lr·g (the language-model reference updates parameters by hand this way). */
export class Sgd implements Optimizer {
  private t = 0;
  constructor(public learningRate: number) {}

  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.t += 1;
    for (const [name, g] of Object.entries(grads)) {
      const p = vars[name];
      if (p) tf.tidy(() => p.assign(tf.sub(p, tf.mul(g, this.learningRate))));
    }
  }

  state(): OptimizerState {
    return { step: this.t, learningRate: this.learningRate, slots: {} };
  }

  load(state: OptimizerState): void {
    this.t = state.step;
    this.learningRate = state.learningRate;
  }

  dispose(): void {}
}

/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_): returns the pre-clip norm and either the same
 * gradients (no clipping needed) or new, scaled ones; the caller owns and disposes both.
 */
export async function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): Promise<{ grads: Record<string, tf.Tensor>; norm: number }> {
  const norm = await readAndDispose(
    tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))))),
    readScalar,
  );
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  if (scale >= 1) return { grads, norm };
  const clipped: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) clipped[k] = tf.mul(g, scale);
  return { grads: clipped, norm };
}
