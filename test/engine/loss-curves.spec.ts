// Same seed → same loss curve. Two recordings (scripts/record-loss-curves.ts, wasm backend):
// - test/fixtures/loss-curves.json, the current engine's maths: any later optimisation that changes the
//   maths beyond float rounding fails here.
// - test/fixtures/loss-curves-before-perf.json, recorded at commit 94aec02 before the issue-#8 optimisations
//   (copy-free slicing, fused cross-entropy, one-exp place codes, sparse evaluation). Since then one change
//   was deliberate: pruned entries get no gradient (the reference's weight_orig ⊙ mask; training/step.ts),
//   which changes the global-norm clipping of the adding problem and the language model once pruning has
//   begun. Navigation (no clipping) still matches it throughout, the other two up to their first prune.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossCurve } from '../../scripts/record-loss-curves';

const fixture = (name: string) => JSON.parse(readFileSync(resolve(__dirname, '../fixtures', name), 'utf8')) as Record<string, number[]>;
const recorded = fixture('loss-curves.json');
const beforePerf = fixture('loss-curves-before-perf.json');
/** Steps before the first prune (the start of epoch 1): adding 15 steps per epoch, language 12 windows. */
const UNCHANGED_STEPS = { navigation: Infinity, adding: 15, language: 12 } as const;

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('loss curves', () => {
  it.each(['navigation', 'adding', 'language'] as const)(
    '%s: every step within 1e-5 relative of the recording, and the pre-optimisation engine until pruning changes the clipping',
    async (name) => {
      const now = await lossCurve(name);
      expect(now).toHaveLength(recorded[name].length);
      now.forEach((x, i) => expect(relative(x, recorded[name][i]), `step ${i}`).toBeLessThan(1e-5));
      now.slice(0, UNCHANGED_STEPS[name]).forEach((x, i) => expect(relative(x, beforePerf[name][i]), `step ${i} vs 94aec02`).toBeLessThan(1e-5));
    },
    120_000,
  );
});
