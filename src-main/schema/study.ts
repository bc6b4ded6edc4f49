// A study: a base configuration, named arms and/or axes (a cartesian grid of overrides), and replicate seeds.
import { z } from 'zod';

/** Overrides as dotted config paths, e.g. { 'regularization.penalty.space': 'klein' }. */
export const Overrides = z.record(z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)*$/, 'a dotted config path'), z.unknown());
export type Overrides = z.infer<typeof Overrides>;

export const StudySpec = z.object({
  name: z.string().min(1).max(200),
  base: z.record(z.string(), z.unknown()).describe('an ExperimentConfig input (usually a preset)'),
  arms: z.array(z.object({ name: z.string().min(1), overrides: Overrides })).default([]).describe('named configurations (controls, spaces)'),
  axes: z.record(z.string(), z.array(z.unknown()).min(1)).default({}).describe('dotted path → values; every combination is a cell'),
  seeds: z.array(z.number().int().min(0)).min(1).default([1, 2, 3]),
});
export type StudySpec = z.infer<typeof StudySpec>;
export type StudySpecInput = z.input<typeof StudySpec>;
