// The grammar of moduli-space ids, one entry per family. The schema validates ids with it (form, CLI, API),
// the engine's registry (engine/geometry/spaces/index.ts) maps each family to its implementation — a
// Record over SpaceFamily, so a family without an implementation does not compile.
export const MAX_SPACE_DIM = 64;

export const SPACE_FAMILIES = {
  torus: { pattern: 'torus(\\d+)?', ids: ['torus', 'torus6'], generic: 'torus<k>', defaultDim: 2 },
  klein: { pattern: 'klein', ids: ['klein'], generic: null, defaultDim: null },
  sphere: { pattern: 'circle|sphere|s(\\d+)', ids: ['circle', 'sphere', 's3'], generic: 's<n>', defaultDim: 2 },
  mixedcurv: { pattern: 'mixedcurv', ids: ['mixedcurv'], generic: null, defaultDim: null },
  euclidean: { pattern: 'r(\\d+)', ids: ['r3', 'r9'], generic: 'r<n>', defaultDim: 3 },
  /** C = all ones: plain L1/L2, no geometry. */
  standard: { pattern: 'standard', ids: ['standard'], generic: null, defaultDim: null },
  /** No penalty. */
  none: { pattern: 'none', ids: ['none'], generic: null, defaultDim: null },
} as const;

export type SpaceFamily = keyof typeof SPACE_FAMILIES;

export const NAMED_SPACE_IDS = Object.values(SPACE_FAMILIES).flatMap((f) => f.ids);
export const GENERIC_SPACE_IDS = Object.values(SPACE_FAMILIES).flatMap((f) => (f.generic ? [f.generic] : []));
const FAMILY_PATTERNS = Object.entries(SPACE_FAMILIES).map(([name, f]) => [name as SpaceFamily, new RegExp(`^(?:${f.pattern})$`)] as const);
export const SPACE_ID_PATTERN = new RegExp(
  `^(?:${Object.values(SPACE_FAMILIES)
    .map((f) => f.pattern)
    .join('|')})$`,
);

/** The family of a space id and the dimension its digits name (or the family's default), or null if no family matches. */
export function parseSpaceId(id: string): { family: SpaceFamily; dim: number | null } | null {
  for (const [family, re] of FAMILY_PATTERNS) {
    const m = re.exec(id);
    if (!m) continue;
    const digits = m.slice(1).find((g) => g !== undefined);
    const named = { circle: 1, sphere: 2 }[id as 'circle' | 'sphere'];
    return { family, dim: digits !== undefined ? Number(digits) : (named ?? SPACE_FAMILIES[family].defaultDim) };
  }
  return null;
}
