// The penalty-matrix specification: how neurons are embedded and how distances become the matrix C.
// Shared by the engine, the store, the CLI, the IPC layer and the renderer's form (zod only, no tfjs).
import { z } from 'zod';
import { GENERIC_SPACE_IDS, MAX_SPACE_DIM, NAMED_SPACE_IDS, parseSpaceId } from './spaces';

export { MAX_SPACE_DIM, NAMED_SPACE_IDS, SPACE_ID_PATTERN } from './spaces';

export const SpaceId = z
  .string()
  .refine((id) => parseSpaceId(id) !== null, {
    message: `unknown moduli space: expected one of ${NAMED_SPACE_IDS.join(', ')}, or ${GENERIC_SPACE_IDS.join(', ')}`,
  })
  .refine((id) => {
    const dim = parseSpaceId(id)?.dim;
    return dim === null || dim === undefined || (dim >= 1 && dim <= MAX_SPACE_DIM);
  }, `space dimension must be 1..${MAX_SPACE_DIM}`);
export type SpaceId = z.infer<typeof SpaceId>;

/** Reference ids, except `distance` = the reference's regpower `none` (raw d; its README wrongly says zeros). */
export const WEIGHTINGS = ['distance', 'square', 'gauss', 'dog', 'ripple', 'mean'] as const;
export const Weighting = z.enum(WEIGHTINGS);
export type Weighting = z.infer<typeof Weighting>;

export const Layout = z.enum(['random', 'lattice']);
export type Layout = z.infer<typeof Layout>;

export const DogWidths = z
  .strictObject({
    outer: z.number().positive().default(5).describe('DoG outer width a in exp(−d²/a)'),
    inner: z.number().positive().default(4).describe('DoG inner rate b in exp(−b·d²)'),
  })
  .describe('f(d) = 100·(exp(−d²/outer) − exp(−inner·d²)); the reference uses 5 and 4');
export type DogWidths = z.infer<typeof DogWidths>;

export const PenaltySpec = z.strictObject({
  space: SpaceId.default('torus').describe('moduli space the neurons are embedded in'),
  layout: Layout.default('random').describe('random: i.i.d. samples (the reference); lattice: a regular layout'),
  weighting: Weighting.default('dog').describe('weighting ("inhibitor") function f applied to distances'),
  dog: DogWidths.default({ outer: 5, inner: 4 }),
  invert: z.boolean().default(true).describe('C ← max(C) − C (the paper’s main setting with DoG)'),
  permute: z.boolean().default(false).describe('shuffle all N² entries of C: the control that destroys geometry'),
  separateEmbeddings: z.boolean().default(false).describe('independent embeddings for rows and columns (the reference’s changeembed)'),
});
export type PenaltySpec = z.infer<typeof PenaltySpec>;
export type PenaltySpecInput = z.input<typeof PenaltySpec>;
