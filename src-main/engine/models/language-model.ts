// Word-level language model (reference word_example/model1.py): Embedding → stacked RNN_TANH / RNN_RELU / LSTM
// → dropout → Linear decoder. Recurrent weights are U(±1/√H) (PyTorch), embedding and decoder U(±0.1),
// decoder bias 0. One bias per layer stands for PyTorch's b_ih + b_hh (the same function; init differs slightly).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { linear, uniformVariable, zerosVariable } from './init';

export type Cell = 'lstm' | 'rnn_tanh' | 'rnn_relu';

export interface LanguageModelShape {
  vocab: number;
  embeddingSize: number;
  hidden: number;
  layers: number;
  cell: Cell;
  dropout: number;
  tied: boolean;
}

export interface RecurrentLayer {
  wih: tf.Variable;
  whh: tf.Variable;
  bias: tf.Variable;
}

/** Hidden state per layer: h (and c for LSTM), each [B, H]. */
export interface LmState {
  h: tf.Tensor2D[];
  c: tf.Tensor2D[];
}

export class LanguageModel {
  readonly embedding: tf.Variable;
  readonly layers: RecurrentLayer[];
  readonly decoder: tf.Variable;
  readonly decoderBias: tf.Variable;
  readonly gates: number;

  constructor(
    readonly shape: LanguageModelShape,
    rng: Rng,
  ) {
    if (shape.tied && shape.hidden !== shape.embeddingSize) {
      throw new Error(`tied weights need hidden (${shape.hidden}) = embeddingSize (${shape.embeddingSize})`);
    }
    this.gates = shape.cell === 'lstm' ? 4 : 1;
    this.embedding = uniformVariable('embedding', [shape.vocab, shape.embeddingSize], 0.1, rng);
    const bound = 1 / Math.sqrt(shape.hidden);
    this.layers = Array.from({ length: shape.layers }, (_, l) => ({
      wih: uniformVariable(`W_ih_l${l}`, [this.gates * shape.hidden, l === 0 ? shape.embeddingSize : shape.hidden], bound, rng),
      whh: uniformVariable(`W_hh_l${l}`, [this.gates * shape.hidden, shape.hidden], bound, rng),
      bias: uniformVariable(`b_l${l}`, [this.gates * shape.hidden], bound, rng),
    }));
    this.decoder = shape.tied ? this.embedding : uniformVariable('decoder', [shape.vocab, shape.hidden], 0.1, rng);
    this.decoderBias = zerosVariable('decoder_bias', [shape.vocab]);
  }

  variables(): Record<string, tf.Variable> {
    const vars: Record<string, tf.Variable> = { embedding: this.embedding, decoder_bias: this.decoderBias };
    if (!this.shape.tied) vars.decoder = this.decoder;
    this.layers.forEach((l, i) => {
      vars[`W_ih_l${i}`] = l.wih;
      vars[`W_hh_l${i}`] = l.whh;
      vars[`b_l${i}`] = l.bias;
    });
    return vars;
  }

  initialState(batch: number): LmState {
    const zeros = () => Array.from({ length: this.shape.layers }, () => tf.zeros([batch, this.shape.hidden]) as tf.Tensor2D);
    return { h: zeros(), c: this.shape.cell === 'lstm' ? zeros() : [] };
  }

  /**
   * tokens [T, B] int32 → logits [T·B, V] (time-major) and the final state. `dropoutSeed` null = evaluation.
   * The caller keeps/disposes the returned state (it is detached by construction: a new tensor per window).
   */
  forward(tokens: tf.Tensor2D, state: LmState, dropoutSeed: number | null): { logits: tf.Tensor2D; state: LmState } {
    const [T, B] = tokens.shape;
    const drop = (x: tf.Tensor2D, k: number): tf.Tensor2D =>
      dropoutSeed === null || this.shape.dropout === 0 ? x : (tf.dropout(x, this.shape.dropout, undefined, dropoutSeed + k) as tf.Tensor2D);
    let x = drop(tf.gather(this.embedding, tf.reshape(tokens, [T * B])) as tf.Tensor2D, 0);
    const next: LmState = { h: [], c: [] };
    this.layers.forEach((layer, l) => {
      const projected = tf.split(linear(x, layer.wih as tf.Tensor2D, layer.bias), T, 0) as tf.Tensor2D[];
      let h = state.h[l];
      let c = state.c[l];
      const outs: tf.Tensor2D[] = [];
      for (const p of projected) {
        const z = tf.add(p, linear(h, layer.whh as tf.Tensor2D)) as tf.Tensor2D;
        if (this.shape.cell === 'lstm') {
          // PyTorch gate order: input, forget, cell, output.
          const [i, f, g, o] = tf.split(z, 4, 1);
          c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
          h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
        } else h = (this.shape.cell === 'rnn_tanh' ? tf.tanh(z) : tf.relu(z)) as tf.Tensor2D;
        outs.push(h);
      }
      next.h.push(h);
      if (this.shape.cell === 'lstm') next.c.push(c);
      x = drop(tf.concat(outs, 0) as tf.Tensor2D, l + 1);
    });
    return { logits: linear(x, this.decoder as tf.Tensor2D, this.decoderBias), state: next };
  }
}
