// One optimisation step: task loss + λ·(moduli penalty + the task's plain L1 terms), gradients with respect to
// the trainable variables (the embedding too when it is learned and not frozen), optional embedding-gradient
// damping and global-norm clipping, then the optimizer update. Masks are applied by the caller afterwards.
import * as tf from '@tensorflow/tfjs';
import type { Metrics, StepContext } from '../tasks/task';
import { readAndDispose, readFloats } from '../read';
import { clipByGlobalNorm } from '../learning/optimizers';
import type { PhaseState } from './phase';

export interface EpochTrainables {
  /** Variables updated this epoch, keyed as the optimizer knows them. */
  variables: Record<string, tf.Variable>;
  /** The learned-embedding keys among them (empty when fixed or frozen). */
  embeddingKeys: string[];
}

/** What is trained in an epoch: the task's variables, plus the learned embedding outside stabiliser epochs. */
export function trainableFor(state: PhaseState, epoch: number): EpochTrainables {
  const embeddings = state.regularizer.embeddingVariables();
  // Learned embeddings are frozen in stabiliser epochs (adding problem, docs/method.md §5).
  const learnEmbedding = Object.keys(embeddings).length > 0 && epoch < state.task.epochs;
  return { variables: { ...state.task.variables(), ...(learnEmbedding ? embeddings : {}) }, embeddingKeys: learnEmbedding ? Object.keys(embeddings) : [] };
}

export interface StepValues extends Metrics {
  loss: number;
  taskLoss: number;
  penalty: number;
  gradNorm: number;
}

/**
 * Adds this step's gradients to the running sums (created at the first step) and returns the sums: what the
 * authors' headline code applied, as it never called zero_grad() (docs/method.md §9.4). Masked entries add 0.
 */
function addToSums(sums: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) {
    let s = sums.get(k);
    if (s) {
      const sum = s;
      tf.tidy(() => sum.assign(tf.add(sum, g)));
    } else {
      s = tf.variable(g, false);
      sums.set(k, s);
    }
    out[k] = s;
  }
  return out;
}

export async function optimizationStep(
  state: PhaseState,
  ctx: StepContext,
  o: { lambda: number; wantMetrics: boolean; trainable: EpochTrainables },
): Promise<StepValues> {
  const { task, regularizer, optimizer } = state;
  const trainable = o.trainable.variables;
  const keyOf = new Map(Object.entries(trainable).map(([k, v]) => [v.name, k]));
  const plainL1 = task.plainL1();
  const maskOf = new Map(
    state.masks.targets.flatMap((t) => (state.masks.masks.get(t.name) ? [[t.variable.name, state.masks.masks.get(t.name)!] as const] : [])),
  );
  let readMetrics: (() => Promise<Metrics>) | null = null;
  // Forward and backward in one scope; what is read later (loss terms, gradients) is returned from it.
  const { losses, grads } = tf.tidy(() => {
    let terms: tf.Scalar[] = [];
    const { value, grads: byVarName } = tf.variableGrads(() => {
      const r = task.trainStep(ctx);
      const pen = regularizer.penalty();
      const l1 = plainL1.length ? tf.addN(plainL1.map((w) => tf.mean(tf.abs(w)))) : tf.scalar(0);
      const total = tf.add(r.loss, tf.mul(tf.add(pen, l1), o.lambda)) as tf.Scalar;
      terms = [tf.keep(r.loss), tf.keep(pen)];
      if (o.wantMetrics && r.metrics) readMetrics = r.metrics();
      return total;
    }, Object.values(trainable));
    const grads: Record<string, tf.Tensor> = {};
    // Pruned entries get no gradient, as in the reference (torch.nn.utils.prune trains weight_orig through
    // weight = weight_orig ⊙ mask): they must not count in the clipping norm (adding, language model).
    for (const [name, g] of Object.entries(byVarName)) {
      const mask = maskOf.get(name);
      grads[keyOf.get(name)!] = mask ? tf.mul(g, mask) : g;
    }
    if (o.trainable.embeddingKeys.length && task.embeddingGradScale) {
      const s = task.embeddingGradScale(ctx.epoch);
      for (const k of o.trainable.embeddingKeys) grads[k] = tf.mul(grads[k], s);
    }
    // One tensor so the three values come back in one read (one GPU round trip).
    const losses = tf.stack([value, ...terms]);
    tf.dispose(terms);
    return { losses, grads };
  });
  let gradNorm = NaN;
  try {
    let update = state.gradientSums ? addToSums(state.gradientSums, grads) : grads;
    const sums = update;
    if (task.clipNorm !== null) {
      const clipped = await clipByGlobalNorm(grads, task.clipNorm);
      update = clipped.grads;
      gradNorm = clipped.norm;
    }
    tf.tidy(() => optimizer.apply(trainable, update));
    if (update !== grads && update !== sums) tf.dispose(Object.values(update));
  } finally {
    tf.dispose(Object.values(grads));
  }
  const [loss, taskLoss, penalty] = await readAndDispose(losses, readFloats);
  const taskMetrics = readMetrics ? await (readMetrics as () => Promise<Metrics>)() : {};
  return { loss, taskLoss, penalty, gradNorm, ...taskMetrics };
}
