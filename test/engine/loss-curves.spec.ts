// Same seed → same loss curve: the engine after the issue-#8 optimisations (copy-free slicing, fused
// cross-entropy, one-exp place codes, sparse evaluation) against curves recorded before them (commit 94aec02,
// scripts/record-loss-curves.ts). Differences beyond float rounding fail.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossCurve } from '../../scripts/record-loss-curves';

const before = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/loss-curves-before-perf.json'), 'utf8')) as Record<string, number[]>;

describe('loss curves match the pre-optimisation engine', () => {
  it.each(['navigation', 'adding', 'language'] as const)('%s: every step within 1e-5 relative', async (name) => {
    const now = await lossCurve(name);
    expect(now).toHaveLength(before[name].length);
    now.forEach((x, i) => expect(Math.abs(x - before[name][i]) / Math.abs(before[name][i]), `step ${i}`).toBeLessThan(1e-5));
  }, 120_000);
});
