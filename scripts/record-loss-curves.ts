// Records the per-step training loss of three tiny runs (navigation, adding, language model) on the wasm
// backend. test/engine/loss-curves.spec.ts compares the engine with test/fixtures/loss-curves.json (written
// by this script) and with the curves recorded before the performance work of issue #8
// (loss-curves-before-perf.json, commit 94aec02), so a change to the maths beyond float rounding fails.
// Re-record only for a deliberate change to the maths, and say why in the spec.
//   node bin/run-ts.mjs scripts/record-loss-curves.ts > test/fixtures/loss-curves.json
import { resolve } from 'node:path';
import { runExperiment } from '../src-main/engine/training/trainer';
import { ExperimentConfig } from '../src-main/schema/experiment';

const WIKITEXT = resolve(import.meta.dirname, '../../shared/data/wikitext-2');

export const CURVE_CONFIGS = {
  navigation: {
    backend: 'wasm',
    blas: 'off',
    task: { task: 'navigation', hidden: 32, placeCells: 64, sequenceLength: 10, batchSize: 20, stepsPerEpoch: 15, epochs: 2, validationBatches: 1 },
    regularization: { lambda: 0.01 },
    pruning: { target: 0.5 },
  },
  adding: {
    backend: 'wasm',
    blas: 'off',
    task: { task: 'adding', hidden: 16, sequenceLength: 8, samplesPerEpoch: 240, batchSize: 16, epochs: 2, stabiliserEpochs: 0, testSamples: 32 },
    pruning: { target: 0.5 },
  },
  language: {
    backend: 'wasm',
    blas: 'off',
    task: {
      task: 'language',
      corpus: { train: `${WIKITEXT}/valid.txt`, valid: `${WIKITEXT}/test.txt`, test: `${WIKITEXT}/test.txt` },
      cell: 'lstm',
      layers: 1,
      embeddingSize: 16,
      hidden: 16,
      batchSize: 4,
      bptt: 10,
      epochs: 2,
      maxTrainWindows: 12,
      maxEvalTokens: 400,
    },
    pruning: { target: 0.5 },
  },
} as const;

/**
 * The per-step training loss of one tiny run, on the recorded engine (wasm, built-in matrix products) unless
 * another backend or the native BLAS (blas: 'auto') is named.
 */
export async function lossCurve(name: keyof typeof CURVE_CONFIGS, over: { backend?: string; blas?: 'auto' | 'off' } = {}): Promise<number[]> {
  const losses: number[] = [];
  await runExperiment(ExperimentConfig.parse({ ...CURVE_CONFIGS[name], ...over }), {
    metricsEvery: 1,
    onEvent: (e) => {
      if (e.type === 'metrics' && e.phase === 'train' && typeof e.values.loss === 'number') losses.push(e.values.loss);
    },
  });
  return losses;
}

if (process.argv[1]?.endsWith('record-loss-curves.ts')) {
  const out: Record<string, number[]> = {};
  for (const name of Object.keys(CURVE_CONFIGS) as Array<keyof typeof CURVE_CONFIGS>) out[name] = await lossCurve(name);
  process.stdout.write(JSON.stringify(out) + '\n');
}
