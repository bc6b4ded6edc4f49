// The distance profile tells a geometry-shaped mask from a geometry-blind one (kept fraction per distance,
// relative to the overall kept fraction).
import { describe, expect, it } from 'vitest';
import { blindReference, profileSeries } from '../../src-main/charts/profile';
import { distanceMatrix, embedNeurons } from '../../src-main/engine/geometry/penalty';
import { deriveRng, createRng } from '../../src-main/engine/random';
import { runStructure } from '../../src-main/engine/study/structure';
import { layerSeed } from '../../src-main/engine/learning/regularizer';
import { PenaltySpec } from '../../src-main/schema/penalty';

const n = 96;
const seed = 4;
const torus = PenaltySpec.parse({ space: 'torus' });
const emb = embedNeurons(torus, n, deriveRng(layerSeed(seed, 0), 'embedding'));
const D = distanceMatrix(emb.space!, emb.rows!, emb.cols!);

describe('distance profile', () => {
  it('a local mask keeps short connections far more often than a geometry-blind mask; a random mask stays near 1', () => {
    const local = Float32Array.from(D, (d) => (d < 2 ? 1 : 0));
    const rng = createRng(9);
    const keptFraction = local.reduce((a, b) => a + b, 0) / local.length;
    const random = Float32Array.from(D, () => (rng.uniform() < keptFraction ? 1 : 0));
    const [l] = runStructure(torus, seed, [{ name: 'W_hh', rows: n, cols: n, gates: 1, weights: local }]);
    const [r] = runStructure(torus, seed, [{ name: 'W_hh', rows: n, cols: n, gates: 1, weights: random }]);
    const lp = profileSeries('local', l.distanceProfile);
    const rp = profileSeries('random', r.distanceProfile);
    expect(lp.values[0]).toBeGreaterThan(3);
    expect(lp.values.at(-1)).toBe(0);
    // Every pair but the self-connections is counted once.
    expect(l.distanceProfile.pairs.reduce((a, b) => a + b, 0)).toBe(n * n - n);
    expect(l.distanceProfile.kept.reduce((a, b) => a + b, 0)).toBe(l.kept - n);
    // A random mask: within sampling noise of 1 wherever the bin holds enough pairs.
    rp.values.forEach((v, b) => {
      if (r.distanceProfile.pairs[b] > 400) expect(Math.abs(v - 1), `bin ${b}`).toBeLessThan(0.35);
    });
    expect(blindReference(l.distanceProfile).values).toEqual([1, 1]);
  });
});
