// The one API the renderer talks to, in both the desktop app (preload → IPC) and web mode (HTTP).
// Each method names its input schema here; IPC handlers and the HTTP server validate every call against it.
import { z } from 'zod';
import { ExperimentConfig } from '../schema/experiment';
import { PenaltySpec } from '../schema/penalty';
import { RunFilter, RunNoteText, RunTag, SeriesQuery } from '../schema/run';
import { StudySpec } from '../schema/study';
import { REPORT_FORMATS } from '../schema/report-format';
import { formatIssue } from '../schema/errors';

const runId = z.string().min(1).max(64);
const studyId = z.string().min(1).max(64);

export const API_METHODS = {
  appInfo: z.tuple([]),
  listRuns: z.tuple([RunFilter]),
  getRun: z.tuple([runId]),
  series: z.tuple([SeriesQuery]),
  compareSeries: z.tuple([z.object({ runIds: z.array(runId).min(1).max(50), name: z.string(), maxPoints: z.number().int().min(2).max(100000).default(2000) })]),
  snapshots: z.tuple([runId]),
  snapshot: z.tuple([z.number().int().positive()]),
  startRuns: z.tuple([
    z.object({
      config: ExperimentConfig,
      seeds: z.array(ExperimentConfig.shape.seed.unwrap()).min(1).max(100).optional(),
      priority: z.number().int().default(0),
    }),
  ]),
  cancelRun: z.tuple([runId]),
  pauseRun: z.tuple([runId]),
  resumeRun: z.tuple([runId]),
  tagRun: z.tuple([runId, RunTag, z.boolean().default(false)]),
  noteRun: z.tuple([runId, RunNoteText]),
  deleteRuns: z.tuple([z.array(runId).min(1).max(10000)]),
  runGeometry: z.tuple([runId, z.number().int().min(0).max(64).default(0)]),
  previewPenalty: z.tuple([z.object({ spec: PenaltySpec, n: z.number().int().min(2).max(1024), seed: z.number().int().min(0).default(1) })]),
  runStructure: z.tuple([runId]),
  listStudies: z.tuple([]),
  getStudy: z.tuple([studyId]),
  studyFigures: z.tuple([studyId]),
  studyReport: z.tuple([studyId, z.enum(REPORT_FORMATS)]),
  studyTemplates: z.tuple([]),
  resumeStudy: z.tuple([studyId]),
  createStudy: z.tuple([StudySpec]),
} as const;

export type ApiMethod = keyof typeof API_METHODS;

/** The arguments a handler receives: the method's schema after validation (defaults filled in). */
export type HandlerArgs<M extends ApiMethod> = z.output<(typeof API_METHODS)[M]>;
export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]>;

export class ApiValidationError extends Error {}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_ARG_DEPTH = 32;

/**
 * Before any schema sees them: arguments hold no prototype keys (at any depth) and are at most MAX_ARG_DEPTH
 * deep. Iterative, so a hostile body cannot overflow the stack here or in the validator after it.
 */
export function checkArgShape(method: string, raw: unknown): void {
  const stack: Array<[unknown, number, string]> = [[raw, 0, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_ARG_DEPTH) throw new ApiValidationError(`${method}: arguments nested deeper than ${MAX_ARG_DEPTH} levels (at ${path || '(root)'})`);
    for (const k of Object.keys(v)) {
      if (PROTOTYPE_KEYS.has(k)) throw new ApiValidationError(`${method}: argument ${path ? `${path}.` : ''}${k}: '${k}' is not allowed as a key`);
      stack.push([(v as Record<string, unknown>)[k], depth + 1, path ? `${path}.${k}` : k]);
    }
  }
}

/** Validates raw arguments for a method; throws ApiValidationError naming the offending field. */
export function validateArgs<M extends ApiMethod>(method: M, raw: unknown): z.infer<(typeof API_METHODS)[M]> {
  const schema = API_METHODS[method];
  if (!schema) throw new ApiValidationError(`unknown API method '${String(method)}'`);
  checkArgShape(method, raw);
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new ApiValidationError(`${method}: argument ${formatIssue(r.error.issues[0] as Parameters<typeof formatIssue>[0])}`);
  }
  return r.data as z.infer<(typeof API_METHODS)[M]>;
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(API_METHODS, name);
}
