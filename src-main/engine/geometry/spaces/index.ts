// Registry: space id → ModuliSpace. The id grammar lives in schema/spaces.ts (one entry per family); this
// Record maps every family to its implementation, so a family added there without one here does not
// compile (and test/engine/spaces-registry.spec.ts checks every named id resolves). Ids follow the reference
// (torus, torus6, klein, circle, sphere, s3, mixedcurv, r3, r9) and generalise them: torus<k>, s<n>, r<n>.
import { MAX_SPACE_DIM, NAMED_SPACE_IDS, GENERIC_SPACE_IDS, parseSpaceId, type SpaceFamily } from '../../../schema/spaces';
import type { ModuliSpace } from '../space';
import { EuclideanSpace } from './euclidean';
import { KleinSpace } from './klein';
import { MixedCurvatureSpace } from './mixed';
import { SphereSpace } from './sphere';
import { TorusSpace } from './torus';

/** The radius the reference uses for S^n: 5 for S¹ and S², 10 for S³ (and, by extension, higher n). */
export function sphereRadius(n: number): number {
  return n <= 2 ? 5 : 10;
}

const IMPLEMENTATIONS: Record<SpaceFamily, (dim: number) => ModuliSpace | null> = {
  torus: (k) => new TorusSpace(k),
  klein: () => new KleinSpace(),
  sphere: (n) => new SphereSpace(n, sphereRadius(n)),
  mixedcurv: () => new MixedCurvatureSpace(),
  euclidean: (n) => new EuclideanSpace(n),
  standard: () => null,
  none: () => null,
};

// Spaces are immutable: one instance per id (the learned-embedding path asks for it on every step).
const cache = new Map<string, ModuliSpace | null>();

/** Returns the moduli space for an id, or null for `standard` / `none`. Throws on an unknown id. */
export function spaceById(id: string): ModuliSpace | null {
  if (cache.has(id)) return cache.get(id)!;
  const parsed = parseSpaceId(id);
  if (!parsed) {
    throw new Error(
      `unknown moduli space '${id}': expected one of ${NAMED_SPACE_IDS.join(', ')}, or ${GENERIC_SPACE_IDS.join(', ')} with k, n in 1..${MAX_SPACE_DIM}`,
    );
  }
  const dim = parsed.dim ?? 0;
  if (parsed.dim !== null && !(dim >= 1 && dim <= MAX_SPACE_DIM)) throw new Error(`moduli space '${id}': dimension must be 1..${MAX_SPACE_DIM}`);
  const space = IMPLEMENTATIONS[parsed.family](dim);
  cache.set(id, space);
  return space;
}

export { EuclideanSpace, KleinSpace, MixedCurvatureSpace, SphereSpace, TorusSpace };
