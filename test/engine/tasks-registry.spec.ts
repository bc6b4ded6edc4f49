// Every task the schema names has an engine implementation whose headline metric is the one the store,
// reports and charts use (schema PRIMARY_METRIC).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTask } from '../../src-main/engine/tasks';
import { presetConfig } from '../../src-main/schema/presets';
import { PRIMARY_METRIC, TASKS, primaryMetricOf } from '../../src-main/schema/experiment';

const dir = mkdtempSync(join(tmpdir(), 'tasks-'));
for (const split of ['train', 'valid', 'test']) writeFileSync(join(dir, `${split}.txt`), ' the cat sat on the mat \n the dog sat on the log \n'.repeat(40));

describe('task registry', () => {
  it.each(TASKS)('%s: the engine task reports the schema’s primary metric', (task) => {
    const config = presetConfig(
      task,
      'quick',
      task === 'language'
        ? { task: { task: 'language', corpus: { train: join(dir, 'train.txt'), valid: join(dir, 'valid.txt'), test: join(dir, 'test.txt') } } }
        : {},
    );
    const t = createTask(config, 'init');
    try {
      // The names reports, charts and stored runs use: pinned here, not re-read from the table under test.
      const expected = { navigation: 'error_cm', language: 'perplexity', adding: 'mse' }[task];
      expect(t.primaryMetric).toBe(expected);
      expect(PRIMARY_METRIC[task]).toBe(expected);
      expect(primaryMetricOf(task)).toBe(expected);
    } finally {
      t.dispose();
    }
  });

  it.each(TASKS)(
    '%s: the medium preset keeps the CPU recipe, builds, and takes a finite training step',
    async (task) => {
      const { selectBackend } = await import('../../src-main/engine/backend');
      const { buildPhase, disposeAll } = await import('../../src-main/engine/training/phase');
      const { optimizationStep, trainableFor } = await import('../../src-main/engine/training/step');
      await selectBackend('wasm');
      const corpus = {
        task: { task: 'language' as const, corpus: { train: join(dir, 'train.txt'), valid: join(dir, 'valid.txt'), test: join(dir, 'test.txt') } },
      };
      const medium = presetConfig(task, 'medium', task === 'language' ? corpus : {});
      const quick = presetConfig(task, 'quick', task === 'language' ? corpus : {});
      expect(medium.task.hidden).toBeGreaterThan(quick.task.hidden);
      expect(medium.regularization.lambda).toBe(quick.regularization.lambda);
      expect(medium.pruning).toEqual(quick.pruning);
      const state = buildPhase(medium, 'train', {}, null, null);
      try {
        state.task.beginEpoch({ phase: 'train', epoch: 0, step: 0 });
        const v = await optimizationStep(
          state,
          { phase: 'train', epoch: 0, step: 0 },
          { lambda: medium.regularization.lambda, wantMetrics: true, trainable: trainableFor(state, 0) },
        );
        expect(Number.isFinite(v.loss)).toBe(true);
        expect(v.penalty).toBeGreaterThan(0);
      } finally {
        disposeAll(state, null);
      }
    },
    60_000,
  );

  it('an unknown task has no primary metric (no silent fallback)', () => {
    expect(() => primaryMetricOf('chess')).toThrow(/unknown task/);
  });
});
