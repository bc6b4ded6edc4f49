// Word-level language modelling (docs/method.md §6.2):
// truncated BPTT with the hidden state carried (detached) across windows, plain SGD with global-norm clipping,
// lr ÷ 4 when validation loss does not improve. Metrics: loss (nats/token), perplexity, true top-1 accuracy.
import * as tf from '@tensorflow/tfjs';
import type { LanguageTask as LanguageConfig } from '../../../schema/experiment';
import { LanguageModel, type LmState } from '../../models/language-model';
import { readAndDispose, readInts, readScalar } from '../../read';
import { deriveRng } from '../../random';
import { Sgd, type Optimizer } from '../../learning/optimizers';
import type { Prunable, ScheduleTiming } from '../../learning/pruning';
import { sparseSoftmaxCrossEntropy } from '../../ops/cross-entropy';
import type { RecurrentMatrix } from '../../learning/regularizer';
import type { Metrics, StepContext, StepResult, Task } from '../task';
import { batchify, loadCorpus, unigramPerplexity, window, windowCount, type Corpus } from './corpus';

type Batched = ReturnType<typeof batchify>;

/** Mean NLL of integer targets under logits [M, V] (fused op: one exp pass over the vocabulary). */
export function tokenNll(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  return sparseSoftmaxCrossEntropy(logits, targets);
}

export class LanguageTask implements Task {
  readonly name = 'language' as const;
  readonly epochs: number;
  readonly stabiliserEpochs = 0;
  readonly scheduleTiming: ScheduleTiming;
  readonly clipNorm: number;
  readonly primaryMetric = 'perplexity';
  readonly corpus: Corpus;
  readonly model: LanguageModel;
  private readonly trainData: Batched;
  private readonly validData: Batched;
  private readonly testData: Batched;
  private state: LmState | null = null;
  private nextState: LmState | null = null;
  private bestValidLoss = Infinity;

  constructor(
    readonly config: LanguageConfig,
    readonly seed: number,
    initSeed: string = 'init',
    corpus?: Corpus,
  ) {
    this.epochs = config.epochs;
    // The reference numbers epochs 1..E, prunes target·e/E from its epoch 2: 0-based epoch ≥ 1, offset 1.
    this.scheduleTiming = { epochs: config.epochs, firstEpoch: 1, offset: 1 };
    this.clipNorm = config.clip;
    this.corpus = corpus ?? loadCorpus(config.corpus);
    this.trainData = batchify(this.corpus.train, config.batchSize);
    this.validData = this.capped(batchify(this.corpus.valid, config.evalBatchSize));
    this.testData = this.capped(batchify(this.corpus.test, config.evalBatchSize));
    this.model = new LanguageModel(
      {
        vocab: this.corpus.vocab.size,
        embeddingSize: config.embeddingSize,
        hidden: config.hidden,
        layers: config.layers,
        cell: config.cell,
        dropout: config.dropout,
        tied: config.tied,
      },
      deriveRng(seed, initSeed),
    );
  }

  private capped(b: Batched): Batched {
    if (!this.config.maxEvalTokens) return b;
    const rows = Math.max(2, Math.min(b.rows, Math.ceil(this.config.maxEvalTokens / b.batch)));
    return { data: b.data.subarray(0, rows * b.batch), rows, batch: b.batch };
  }

  variables() {
    return this.model.variables();
  }

  /** Reference: embedding, decoder and every layer's W_ih and W_hh, pruned together. */
  prunable(): Prunable[] {
    const list: Prunable[] = [{ name: 'embedding', variable: this.model.embedding }];
    if (!this.config.tied) list.push({ name: 'decoder', variable: this.model.decoder });
    this.model.layers.forEach((l, i) => {
      list.push({ name: `W_ih_l${i}`, variable: l.wih }, { name: `W_hh_l${i}`, variable: l.whh });
    });
    return list;
  }

  recurrent(): RecurrentMatrix[] {
    return this.model.layers.map((l, i) => ({ name: `W_hh_l${i}`, variable: l.whh, gates: this.model.gates }));
  }

  plainL1(): tf.Variable[] {
    if (!this.config.plainL1OnInputs) return [];
    const list = [...this.model.layers.map((l) => l.wih), this.model.embedding];
    if (!this.config.tied) list.push(this.model.decoder);
    return list;
  }

  createOptimizer(): Optimizer {
    return new Sgd(this.config.learningRate);
  }

  stepsPerEpoch(): number {
    const n = windowCount(this.trainData.rows, this.config.bptt);
    return this.config.maxTrainWindows ? Math.min(n, this.config.maxTrainWindows) : n;
  }

  private disposeState(s: LmState | null) {
    if (s) tf.dispose([...s.h, ...s.c]);
  }

  beginEpoch(): void {
    this.disposeState(this.state);
    this.state = this.model.initialState(this.config.batchSize);
  }

  trainStep(ctx: StepContext): StepResult {
    if (!this.state) this.beginEpoch();
    const w = window(this.trainData, ctx.step * this.config.bptt, this.config.bptt);
    const tokens = tf.tensor2d(w.inputs, [w.length, this.trainData.batch], 'int32');
    const dropoutSeed = deriveRng(this.seed, `lm:dropout:${ctx.phase}:${ctx.epoch}:${ctx.step}`).seed32() % 1_000_000;
    const { logits, state } = this.model.forward(tokens, this.state!, dropoutSeed);
    // Carried to the next window as constants: truncated BPTT detaches the hidden state.
    this.nextState = { h: state.h.map((t) => tf.keep(t)), c: state.c.map((t) => tf.keep(t)) };
    return { loss: tokenNll(logits, w.targets) };
  }

  afterStep(): void {
    this.disposeState(this.state);
    this.state = this.nextState;
    this.nextState = null;
  }

  private async evaluate(data: Batched): Promise<Metrics> {
    let state = this.model.initialState(data.batch);
    let nllSum = 0;
    let correct = 0;
    let count = 0;
    for (let i = 0; i < data.rows - 1; i += this.config.bptt) {
      const w = window(data, i, this.config.bptt);
      const out = tf.tidy(() => {
        const r = this.model.forward(tf.tensor2d(w.inputs, [w.length, data.batch], 'int32'), state, null);
        return {
          nll: tokenNll(r.logits, w.targets),
          argmax: tf.argMax(r.logits, 1),
          state: { h: r.state.h.map((t) => tf.keep(t)), c: r.state.c.map((t) => tf.keep(t)) },
        };
      });
      this.disposeState(state);
      state = out.state;
      const nll = await readAndDispose(out.nll, readScalar);
      const argmax = await readAndDispose(out.argmax, readInts);
      const m = w.targets.length;
      nllSum += nll * m;
      for (let k = 0; k < m; k++) if (argmax[k] === w.targets[k]) correct++;
      count += m;
    }
    this.disposeState(state);
    const loss = nllSum / count;
    return { loss, perplexity: Math.exp(loss), accuracy: correct / count, tokens: count };
  }

  async validate(): Promise<Metrics> {
    return this.evaluate(this.validData);
  }

  async test(): Promise<Metrics> {
    return this.evaluate(this.testData);
  }

  baselines(): Metrics {
    const v = this.corpus.vocab.size;
    return {
      unigram_valid_perplexity: unigramPerplexity(this.corpus.train, this.validData.data, v),
      unigram_test_perplexity: unigramPerplexity(this.corpus.train, this.testData.data, v),
      vocabulary: v,
    };
  }

  /** lr ÷ 4 when the validation loss is not a new best (reference). */
  endEpoch(valid: Metrics, optimizer: Optimizer): void {
    if (valid.loss < this.bestValidLoss) this.bestValidLoss = valid.loss;
    else optimizer.learningRate /= 4;
  }

  saveState(): Record<string, number> {
    // JSON has no Infinity: −1 stands for "no validation yet".
    return { bestValidLoss: Number.isFinite(this.bestValidLoss) ? this.bestValidLoss : -1 };
  }

  loadState(s: Record<string, number>): void {
    this.bestValidLoss = s.bestValidLoss === undefined || s.bestValidLoss < 0 ? Infinity : s.bestValidLoss;
  }

  /** The hidden state carried between windows, for mid-epoch checkpoints. */
  saveTensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.state?.h.forEach((t, l) => (out[`h${l}`] = t));
    this.state?.c.forEach((t, l) => (out[`c${l}`] = t));
    return out;
  }

  loadTensors(t: Record<string, tf.Tensor>): void {
    this.disposeState(this.state);
    const layers = this.config.layers;
    this.state = {
      h: Array.from({ length: layers }, (_, l) => t[`h${l}`].clone() as tf.Tensor2D),
      c: this.config.cell === 'lstm' ? Array.from({ length: layers }, (_, l) => t[`c${l}`].clone() as tf.Tensor2D) : [],
    };
  }

  dispose(): void {
    this.disposeState(this.state);
    this.disposeState(this.nextState);
    tf.dispose(Object.values(this.model.variables()));
  }
}
