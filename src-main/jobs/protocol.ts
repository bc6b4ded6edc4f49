// Messages between the job host and a training worker, validated on both sides. Small typed arrays travel by
// structured clone (Node: serialization 'advanced'; Electron utilityProcess: postMessage); checkpoints and
// snapshots travel as spool files (spool.ts) when the host names a spool folder.
import { z } from 'zod';
import { ExperimentConfig } from '../schema/experiment';
import { PenaltySpec } from '../schema/penalty';

export const HostToWorker = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    config: ExperimentConfig,
    resume: z.custom<Uint8Array>((v) => v instanceof Uint8Array).optional(),
    metricsEvery: z.number().int().positive().default(5),
    /** Folder for checkpoint and snapshot payloads; absent: they travel inline. */
    spoolDir: z.string().optional(),
    /** What threads: 'auto' means for this run: the host's cores divided among the runs it trains at once. */
    autoThreads: z.number().int().positive().max(64).optional(),
  }),
  z.object({ type: z.literal('control'), command: z.enum(['pause', 'cancel']) }),
  /** A one-off computation (compute.ts): the worker answers 'result' and exits. */
  z.object({ type: z.literal('compute'), job: z.lazy(() => ComputeJob) }),
]);
export type HostToWorker = z.input<typeof HostToWorker>;

export const ComputeJob = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('penaltyView'),
    spec: PenaltySpec,
    n: z.number().int().positive().max(65536),
    seed: z.number().int().min(0),
    maxCN: z.number().int().min(0).max(4096).optional(),
  }),
  /** Import a run bundle into a database (the desktop app does it off the main process). */
  z.object({ kind: z.literal('importBundle'), file: z.string(), database: z.string(), nativeBinding: z.string().optional() }),
  /** Structure of a run's pruned recurrent weights at a snapshot (read from the database). */
  z.object({ kind: z.literal('runStructure'), database: z.string(), runId: z.string(), snapshotId: z.number().int(), nativeBinding: z.string().optional() }),
]);
export type ComputeJob = z.input<typeof ComputeJob>;
export type ComputeJobParsed = z.infer<typeof ComputeJob>;

const f32 = z.instanceof(Float32Array);
// Any number, NaN and ±Infinity included: a diverging run reports NaN losses, and the host records the
// divergence (as the in-process CLI does) instead of refusing the message and killing the worker.
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
const metrics = z.record(z.string(), anyNumber);
const sparsity = z.object({ global: anyNumber, perMatrix: metrics, smallWeightFraction: metrics });
const phase = z.enum(['train', 'lottery']);

export const TrainingEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    backend: z.object({
      requested: z.string(),
      active: z.string(),
      tfBackend: z.string(),
      gpu: z.boolean(),
      threads: z.number().optional(),
      blas: z.string().max(100).optional(),
      notices: z.array(z.string()),
      adapter: z.object({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string(), software: z.boolean() }).optional(),
    }),
    engineVersion: z.string().max(200).optional(),
    parameters: anyNumber,
    totalSteps: anyNumber,
    baselines: metrics,
    resumedAt: anyNumber,
  }),
  z.object({ type: z.literal('metrics'), phase, epoch: anyNumber, step: anyNumber, values: metrics }),
  z.object({
    type: z.literal('epoch'),
    phase,
    epoch: anyNumber,
    step: anyNumber,
    pruneAmount: anyNumber,
    threshold: anyNumber,
    sparsity,
    valid: metrics,
    learningRate: anyNumber,
  }),
  z.object({
    type: z.literal('snapshot'),
    phase,
    epoch: anyNumber,
    step: anyNumber,
    matrices: z.array(
      z.object({ name: z.string(), rows: anyNumber, cols: anyNumber, gates: anyNumber, weights: f32, mask: f32.nullable(), order: z.instanceof(Int32Array) }),
    ),
  }),
  z.object({ type: z.literal('progress'), phase, epoch: anyNumber, step: anyNumber, totalSteps: anyNumber, elapsedMs: anyNumber, etaMs: anyNumber.nullable() }),
  z.object({ type: z.literal('checkpoint'), phase, epoch: anyNumber, step: anyNumber, bytes: z.instanceof(Uint8Array) }),
  z.object({
    type: z.literal('finished'),
    result: z.object({
      test: metrics,
      endpoint: metrics.optional(),
      lottery: metrics.optional(),
      baselines: metrics,
      sparsity,
      steps: anyNumber,
      diverged: z.boolean(),
      wallMs: anyNumber,
    }),
  }),
  z.object({ type: z.literal('stopped'), reason: z.enum(['paused', 'cancelled']), step: anyNumber }),
]);

const phaseNumber = { phase, epoch: z.number(), step: z.number(), file: z.string() };
export const SpooledEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('checkpoint'), ...phaseNumber }),
  z.object({
    type: z.literal('snapshot'),
    ...phaseNumber,
    matrices: z.array(
      z.object({
        name: z.string(),
        rows: z.number().int().positive(),
        cols: z.number().int().positive(),
        gates: z.number().int().positive(),
        weightBytes: z.number().int().min(0),
        maskBytes: z.number().int().min(0),
        orderBytes: z.number().int().min(0),
      }),
    ),
  }),
]);

/** sentAt (worker clock, ms): the host measures how far behind the channel is. */
export const WorkerToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('event'), event: TrainingEventSchema, sentAt: z.number().optional() }),
  z.object({ type: z.literal('spooled'), event: SpooledEventSchema, sentAt: z.number().optional() }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('result'), value: z.unknown() }),
]);
export type WorkerToHost = z.infer<typeof WorkerToHost>;
