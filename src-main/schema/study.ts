// A study: a base configuration, named arms and/or axes (a cartesian grid of overrides), and replicate seeds.
import { z } from 'zod';
import { CONFIG_PATHS, ExperimentConfig } from './experiment';
import { nearestPaths, prototypeKeyPath } from './paths';

/** The most runs one study may expand to: a request of a few KB must not make the server allocate without bound. */
export const MAX_STUDY_RUNS = 2000;
export const MAX_AXIS_VALUES = 100;

const configPath = z.string().superRefine((path, ctx) => {
  if (!CONFIG_PATHS.includes(path)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown config path '${path}'; did you mean ${nearestPaths(path, CONFIG_PATHS)
        .map((p) => `'${p}'`)
        .join(', ')}?`,
    });
  }
});

/** Overrides as dotted config paths, e.g. { 'regularization.penalty.space': 'klein' }. */
export const Overrides = z.record(configPath, z.unknown());
export type Overrides = z.infer<typeof Overrides>;

export const StudySpec = z
  .object({
    name: z.string().min(1).max(200),
    // Kept as given (a z.record would copy it and silently turn a '__proto__' key into a prototype).
    base: z
      .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object (an ExperimentConfig input)')
      .superRefine((v, ctx) => {
        const bad = prototypeKeyPath(v);
        if (bad) ctx.addIssue({ code: 'custom', message: `'${bad}' is not a config path` });
      })
      .describe('an ExperimentConfig input (usually a preset)'),
    arms: z
      .array(z.object({ name: z.string().min(1).max(200), overrides: Overrides }))
      .max(MAX_STUDY_RUNS)
      .default([])
      .describe('named configurations (controls, spaces)'),
    axes: z.record(configPath, z.array(z.unknown()).min(1).max(MAX_AXIS_VALUES)).default({}).describe('dotted path → values; every combination is a cell'),
    seeds: z.array(ExperimentConfig.shape.seed.unwrap()).min(1).max(100, 'at most 100 seeds').default([1, 2, 3]),
  })
  .superRefine((spec, ctx) => {
    const runs = studyRunCount(spec);
    if (runs > MAX_STUDY_RUNS) {
      ctx.addIssue({
        code: 'custom',
        path: ['axes'],
        message: `the study expands to ${runs > 1e12 ? 'more than 10^12' : runs} runs; at most ${MAX_STUDY_RUNS} runs per study (split it into several studies)`,
      });
    }
  });
export type StudySpec = z.infer<typeof StudySpec>;
export type StudySpecInput = z.input<typeof StudySpec>;

/** Runs a study expands to (arms × axis combinations × seeds), computed without expanding it. */
export function studyRunCount(spec: { arms: unknown[]; axes: Record<string, unknown[]>; seeds: unknown[] }): number {
  let n = Math.max(1, spec.arms.length) * spec.seeds.length;
  for (const values of Object.values(spec.axes)) n *= values.length;
  return n;
}
