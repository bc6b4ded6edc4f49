// A stored run as the UI, the CLI and the IPC layer see it.
import { z } from 'zod';
import { ExperimentConfig } from './experiment';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'finished', 'failed', 'cancelled', 'interrupted'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/** User text attached to runs, bounded wherever it enters (API, bundles): one place for the limits. */
export const RunName = z.string().max(200);
export const RunTag = z.string().min(1).max(100);
export const RunNoteText = z.string().min(1).max(10_000);
export const MAX_TAGS_PER_RUN = 100;
export const MAX_NOTES_PER_RUN = 1000;

/** A run in one of these states will not train again by itself (a study counts it as done). */
export const ENDED_STATUSES: readonly string[] = ['finished', 'failed', 'cancelled'];

export const RunRecord = z.object({
  id: z.string(),
  name: z.string(),
  task: z.string(),
  space: z.string(),
  weighting: z.string(),
  seed: z.number().int(),
  status: RunStatus,
  priority: z.number().int(),
  config: ExperimentConfig,
  configHash: z.string(),
  backend: z.string().nullable(),
  backendNotices: z.array(z.string()),
  /** The device the backend computed on: the WebGPU adapter, or CUDA; null on CPU backends and before start. */
  backendDevice: z.string().nullable(),
  /** The engine version that trained the run (engine/version.ts); null before it starts and in older databases. */
  engineVersion: z.string().max(200).nullable().default(null),
  appVersion: z.string(),
  host: z.string(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  progressStep: z.number().int(),
  totalSteps: z.number().int().nullable(),
  etaMs: z.number().nullable(),
  error: z.string().nullable(),
  result: z.unknown().nullable(),
  finalMetric: z.number().nullable(),
  finalSparsity: z.number().nullable(),
  /** The process lease that trains (or queued) the run; compare with appInfo().ownerId. */
  ownerId: z.string().nullable(),
  tags: z.array(z.string()),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RunFilter = z.object({
  status: z.array(RunStatus).max(20).optional(),
  task: z.string().optional(),
  space: z.string().optional(),
  tag: z.string().optional(),
  search: z.string().max(200).optional().describe('substring of the name, id, task, space, weighting, any config value or a tag'),
  createdAfter: z.number().optional(),
  createdBefore: z.number().optional(),
  sort: z.enum(['created', 'finalMetric', 'finalSparsity', 'status', 'task']).default('created'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().positive().max(10000).default(500),
});
export type RunFilter = z.input<typeof RunFilter>;

export const SeriesQuery = z.object({
  runId: z.string(),
  name: z.string(),
  maxPoints: z.number().int().min(2).max(100000).default(2000),
});
export type SeriesQuery = z.input<typeof SeriesQuery>;

export interface Series {
  name: string;
  steps: number[];
  values: number[];
  /** Points in the database before downsampling. */
  total: number;
  downsampled: boolean;
}
