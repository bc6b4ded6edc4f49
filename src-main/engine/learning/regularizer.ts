// The moduli penalty term λ·Σ_layers mean(C_l ⊙ |W_hh,l|^p) (docs/method.md §3).
// For gated cells W_hh is [gates·N, N] and C is tiled `gates` times along the rows. Fixed embeddings give a
// constant C tensor; learned embeddings rebuild C from trainable coordinates every step (§5).
import * as tf from '@tensorflow/tfjs';
import { penaltyActive, type Regularization } from '../../schema/experiment';
import { buildPenalty, embedNeurons, weightingParams, type Embedding } from '../geometry/penalty';
import { pointsTensor, type Points } from '../geometry/space';
import { spaceById } from '../geometry/spaces';
import { weightingTensor, type WeightingParams } from '../geometry/weighting';
import { deriveRng, shuffleInPlace } from '../random';
import { readFloats } from '../read';

export interface RecurrentMatrix {
  name: string;
  variable: tf.Variable;
  /** Number of stacked gate blocks along the rows (LSTM 4, GRU 3, Elman 1). */
  gates: number;
}

interface LayerPenalty {
  matrix: RecurrentMatrix;
  embedding: Embedding;
  /** Constant C [N, N] for fixed embeddings. */
  fixed: tf.Tensor2D | null;
  /** Trainable coordinates for learned embeddings. */
  coords: tf.Variable | null;
  params: WeightingParams;
  /** For learned + permute: one fixed permutation of the N² entries (the reference redraws it every step, §9.15). */
  permutation: tf.Tensor1D | null;
}

/** The embedding seed of layer l: every layer has its own independent embedding (reference §3.5). */
export function layerSeed(seed: number, layer: number): number {
  return seed * 1009 + layer;
}

export class ModuliRegularizer {
  readonly layers: LayerPenalty[];

  constructor(
    readonly config: Regularization,
    matrices: RecurrentMatrix[],
    seed: number,
  ) {
    const spec = config.penalty;
    if (config.learnEmbedding && !spaceById(spec.space)) {
      throw new Error(`learnEmbedding needs a moduli space with points, not '${spec.space}'`);
    }
    this.layers = matrices.map((matrix, l) => {
      const n = matrix.variable.shape[1]!;
      // Every layer has its own independent embedding, as the reference's language model (§3.5).
      const ls = layerSeed(seed, l);
      if (!config.learnEmbedding || !penaltyActive(config)) {
        const p = buildPenalty(spec, n, ls);
        const fixed = penaltyActive(config) ? tf.tensor2d(p.C, [n, n]) : null;
        return { matrix, embedding: p.embedding, fixed, coords: null, params: p.params, permutation: null };
      }
      const embedding = embedNeurons({ ...spec, separateEmbeddings: false }, n, deriveRng(ls, 'embedding'));
      const points = pointsTensor(embedding.rows!);
      const coords = tf.variable(points, true);
      points.dispose(); // the variable holds the buffer; this handle would stay behind otherwise
      const permutation = spec.permute
        ? tf.tensor1d(
            shuffleInPlace(
              Int32Array.from({ length: n * n }, (_, i) => i),
              deriveRng(ls, 'permute'),
            ),
            'int32',
          )
        : null;
      return { matrix, embedding, fixed: null, coords, params: weightingParams(spec, n, ls), permutation };
    });
  }

  get active(): boolean {
    return penaltyActive(this.config);
  }

  /** Trainable embedding coordinates keyed 'embedding/<matrix>' (empty for fixed embeddings). */
  embeddingVariables(): Record<string, tf.Variable> {
    return Object.fromEntries(this.layers.flatMap((l) => (l.coords ? [[`embedding/${l.matrix.name}`, l.coords]] : [])));
  }

  /** C for one layer as a tensor (differentiable in the coordinates when learned). */
  penaltyMatrix(layer: LayerPenalty): tf.Tensor2D {
    if (layer.fixed) return layer.fixed;
    const space = spaceById(this.config.penalty.space)!;
    const n = layer.matrix.variable.shape[1]!;
    return tf.tidy(() => {
      let C = weightingTensor(this.config.penalty.weighting, space.distanceTensor(layer.coords as tf.Tensor2D, layer.coords as tf.Tensor2D), layer.params);
      if (layer.permutation) C = tf.reshape(tf.gather(tf.reshape(C, [n * n]), layer.permutation), [n, n]);
      if (this.config.penalty.invert) C = tf.sub(tf.max(C), C);
      return C as tf.Tensor2D;
    });
  }

  /** Σ_l mean(C_l ⊙ |W_l|^p), without λ. */
  penalty(): tf.Scalar {
    return tf.tidy(() => {
      if (!this.active) return tf.scalar(0);
      const terms = this.layers.map((layer) => {
        const W = layer.matrix.variable;
        const C = this.penaltyMatrix(layer);
        const tiled = layer.matrix.gates > 1 ? tf.tile(C, [layer.matrix.gates, 1]) : C;
        const magnitude = this.config.power === 1 ? tf.abs(W) : tf.square(W);
        return tf.mean(tf.mul(tiled, magnitude));
      });
      return tf.addN(terms) as tf.Scalar;
    });
  }

  /** After an optimizer step: keep learned coordinates on the space (spheres renormalise). */
  projectEmbeddings(): void {
    const space = spaceById(this.config.penalty.space);
    if (!space) return;
    for (const l of this.layers) {
      const coords = l.coords;
      if (!coords) continue;
      tf.tidy(() => {
        const projected = space.project(coords as tf.Tensor2D);
        // Flat spaces project to the same tensor: assigning a variable to itself frees its own buffer first
        // (tfjs Variable.assign), which broke every run with a learned embedding on a flat space.
        if (projected !== coords) coords.assign(projected);
      });
    }
  }

  /** Current points of each layer's embedding (learned coordinates included). */
  currentPoints(): Promise<Array<Points | null>> {
    return Promise.all(
      this.layers.map(async (l) => {
        if (!l.coords) return l.embedding.rows;
        const data = await readFloats(l.coords);
        return { n: l.coords.shape[0]!, dim: l.coords.shape[1]!, coords: Float64Array.from(data) };
      }),
    );
  }

  /** Embedding order per layer (recomputed for learned embeddings). */
  async orders(): Promise<Int32Array[]> {
    const space = spaceById(this.config.penalty.space);
    return (await this.currentPoints()).map((p, i) => (p && space && this.layers[i].coords ? space.order(p) : this.layers[i].embedding.order));
  }

  dispose(): void {
    for (const l of this.layers) {
      l.fixed?.dispose();
      l.coords?.dispose();
      l.permutation?.dispose();
    }
  }
}
