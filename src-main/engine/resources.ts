// Memory a run will need, estimated from its configuration before anything is allocated, so an impossible
// run (task.hidden = 100000) is refused with numbers instead of growing until the OS kills it or a typed
// array of impossible length throws. The estimate counts the float32 tensors that scale with the model:
// weights with their gradient, Adam slots, mask, the penalty matrix C and its intermediates, activations
// kept for backpropagation, and the snapshot and checkpoint copies. Deliberately an over-estimate by a
// small factor (tfjs holds temporaries), never an under-estimate by orders of magnitude.
import { totalmem } from 'node:os';
import { penaltyActive, type ExperimentConfig } from '../schema/experiment';
import { InvalidInputError } from '../schema/errors';
import { checkCorpusFiles } from './tasks/language/corpus';

const F32 = 4;
/** WikiText-2's vocabulary (with <unk> and <eos>): the language model's size before the corpus is read. */
const WIKITEXT2_VOCAB = 33_278;

export class ResourceLimitError extends InvalidInputError {}

export interface MemoryEstimate {
  bytes: number;
  /** The largest terms, for the message. */
  parts: Record<string, number>;
}

export function estimateMemory(config: ExperimentConfig): MemoryEstimate {
  const t = config.task;
  const parts: Record<string, number> = {};
  // Per weight: value, gradient, two Adam slots, mask, checkpoint and snapshot copies ≈ 8 floats.
  const perWeight = 8 * F32;
  // Per recurrent N×N matrix the penalty adds C, |W|, C⊙|W| and its gradient ≈ 4 floats.
  const penaltyPerEntry = penaltyActive(config.regularization) ? 4 * F32 : 0;
  // One case per task, exhaustive over the schema's union: a new task without its estimate does not compile.
  switch (t.task) {
    case 'navigation': {
      const n = t.hidden;
      parts.recurrent = n * n * (perWeight + penaltyPerEntry);
      parts.inputOutput = (2 * n + 2 * n * t.placeCells) * perWeight;
      // Activations for backpropagation through time: pre-activation, activation, gradient per step.
      parts.activations = t.batchSize * t.sequenceLength * (3 * n + 3 * t.placeCells) * F32;
      break;
    }
    case 'language': {
      const gates = t.cell === 'lstm' ? 4 : 1;
      const h = t.hidden;
      const e = t.embeddingSize;
      parts.recurrent = t.layers * gates * h * h * (perWeight + penaltyPerEntry);
      parts.inputOutput = (t.layers * gates * h * Math.max(h, e) + 2 * WIKITEXT2_VOCAB * Math.max(h, e)) * perWeight;
      parts.activations = t.batchSize * t.bptt * (t.layers * (gates + 2) * h + 3 * WIKITEXT2_VOCAB) * F32;
      break;
    }
    case 'adding': {
      const n = t.hidden;
      parts.recurrent = n * n * (perWeight + penaltyPerEntry);
      parts.inputOutput = 4 * n * perWeight;
      parts.activations = t.batchSize * t.sequenceLength * 3 * n * F32;
      break;
    }
    default:
      return t satisfies never;
  }
  // The runtime itself (V8, tfjs, the wasm module).
  parts.runtime = 200 * 2 ** 20;
  return { bytes: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** The default ceiling: 80 % of physical memory; MODULI_MAX_MEMORY_GB overrides it. */
export function defaultMemoryLimit(): number {
  const env = Number(process.env.MODULI_MAX_MEMORY_GB);
  return Number.isFinite(env) && env > 0 ? env * 2 ** 30 : 0.8 * totalmem();
}

const gb = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 2 : 1)} GB`;

/** Throws ResourceLimitError with the estimate, its largest term and the limit when the run would not fit. */
export function checkMemory(config: ExperimentConfig, limit = defaultMemoryLimit()): MemoryEstimate {
  const est = estimateMemory(config);
  if (est.bytes > limit) {
    const [term, size] = Object.entries(est.parts).sort((a, b) => b[1] - a[1])[0];
    throw new ResourceLimitError(
      `this run needs about ${gb(est.bytes)} of memory (largest part: ${term}, ${gb(size)}; task.hidden = ${config.task.hidden}), more than the limit of ${gb(limit)}; ` +
        `make it smaller, or raise the limit with MODULI_MAX_MEMORY_GB (or --max-memory)`,
    );
  }
  return est;
}

/** Everything checked before a run is created or resumed: memory, and the corpus files of a language model. */
export function preflight(config: ExperimentConfig, memoryLimit?: number): void {
  checkMemory(config, memoryLimit);
  if (config.task.task === 'language') checkCorpusFiles(config.task.corpus);
}
