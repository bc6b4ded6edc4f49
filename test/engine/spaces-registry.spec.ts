// The space registry: the id grammar (schema/spaces.ts) and the implementations (engine/geometry/spaces)
// agree, and every space provides everything the rest of the product uses (distance, sampler, lattice,
// order, the 2-D picture). A space registered in one place and forgotten in the other fails here.
import { describe, expect, it } from 'vitest';
import { spaceById } from '../../src-main/engine/geometry/spaces';
import { pointRow } from '../../src-main/engine/geometry/space';
import { isPermutation } from '../../src-main/engine/geometry/order';
import { createRng } from '../../src-main/engine/random';
import { SpaceId } from '../../src-main/schema/penalty';
import { NAMED_SPACE_IDS, parseSpaceId, SPACE_FAMILIES } from '../../src-main/schema/spaces';

const GEOMETRY_FREE = ['standard', 'none'];

describe('space registry', () => {
  it('every named id is valid in the schema and resolves in the engine (null only for standard and none)', () => {
    for (const id of NAMED_SPACE_IDS) {
      expect(SpaceId.safeParse(id).success, id).toBe(true);
      const space = spaceById(id);
      expect(space === null, id).toBe(GEOMETRY_FREE.includes(id));
    }
  });

  it('every family with a generic form resolves at several dimensions, with that dimension', () => {
    for (const [family, f] of Object.entries(SPACE_FAMILIES)) {
      if (!f.generic) continue;
      for (const k of [1, 3, 5]) {
        const id = f.generic.replace(/<\w>/, String(k));
        expect(parseSpaceId(id)?.family, id).toBe(family);
        const space = spaceById(id)!;
        expect(space, id).not.toBeNull();
        if (family === 'sphere') expect(space.dim, id).toBe(k + 1);
        else expect(space.dim, id).toBe(k);
      }
    }
  });

  it('schema and engine refuse the same ids', () => {
    for (const id of ['torus0', 's', 'r65', 'klein2', 'hyperbolic', 'Torus', 'torus 2', '', 's0']) {
      expect(SpaceId.safeParse(id).success, id).toBe(false);
      expect(() => spaceById(id), id).toThrow();
    }
  });

  it('each geometric space samples, lays out, orders and draws its points consistently', () => {
    const rng = createRng(3);
    for (const id of NAMED_SPACE_IDS.filter((i) => !GEOMETRY_FREE.includes(i))) {
      const space = spaceById(id)!;
      for (const pts of [space.sample(40, rng), space.lattice(40)]) {
        expect(pts.n, id).toBe(40);
        expect(pts.dim, id).toBe(space.dim);
        expect(isPermutation(space.order(pts), pts.n), id).toBe(true);
        for (let i = 0; i < pts.n; i++) {
          const a = pointRow(pts, i);
          expect(space.distance(a, a), id).toBeCloseTo(0, 6);
          expect(space.plot(a).every(Number.isFinite), id).toBe(true);
        }
        expect(space.distance(pointRow(pts, 0), pointRow(pts, 1))).toBeCloseTo(space.distance(pointRow(pts, 1), pointRow(pts, 0)), 9);
      }
      expect(space.plotAxes, id).toHaveLength(2);
      expect(space.label.length, id).toBeGreaterThan(0);
    }
  });

  it('returns one instance per id (the learned-embedding path asks every step)', () => {
    expect(spaceById('torus')).toBe(spaceById('torus'));
  });
});
