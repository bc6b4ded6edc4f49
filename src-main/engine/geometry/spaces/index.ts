// Registry: space id → ModuliSpace. Ids follow the reference (torus, torus6, klein, circle, sphere, s3,
// mixedcurv, r3, r9) and generalise them: torus<k> = T^k, s<n> = S^n, r<n> = R^n.
import { MAX_SPACE_DIM, NAMED_SPACE_IDS, SPACE_ID_PATTERN } from '../../../schema/penalty';
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

/** Returns the moduli space for an id, or null for `standard` / `none`. Throws on an unknown id. */
export function spaceById(id: string): ModuliSpace | null {
  const m = SPACE_ID_PATTERN.exec(id);
  if (!m) {
    throw new Error(
      `unknown moduli space '${id}': expected one of ${NAMED_SPACE_IDS.join(', ')}, or torus<k>, s<n>, r<n> for k, n in 1..${MAX_SPACE_DIM}`,
    );
  }
  const dimension = (text: string | undefined, fallback: number): number => {
    const k = text === undefined ? fallback : Number(text);
    if (!(k >= 1 && k <= MAX_SPACE_DIM)) throw new Error(`moduli space '${id}': dimension must be 1..${MAX_SPACE_DIM}`);
    return k;
  };
  if (id === 'none' || id === 'standard') return null;
  if (id === 'klein') return new KleinSpace();
  if (id === 'circle') return new SphereSpace(1, sphereRadius(1));
  if (id === 'sphere') return new SphereSpace(2, sphereRadius(2));
  if (id === 'mixedcurv') return new MixedCurvatureSpace();
  if (id.startsWith('torus')) return new TorusSpace(dimension(m[2], 2));
  if (id.startsWith('s')) {
    const n = dimension(m[3], 2);
    return new SphereSpace(n, sphereRadius(n));
  }
  return new EuclideanSpace(dimension(m[4], 3));
}

export { EuclideanSpace, KleinSpace, MixedCurvatureSpace, SphereSpace, TorusSpace };
