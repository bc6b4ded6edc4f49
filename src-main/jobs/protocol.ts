// Messages between the job host and a training worker, validated on both sides. Typed arrays travel by
// structured clone (Node: serialization 'advanced'; Electron utilityProcess: postMessage).
import { z } from 'zod';
import { ExperimentConfig } from '../schema/experiment';

export const HostToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), runId: z.string(), config: ExperimentConfig, resume: z.custom<Uint8Array>((v) => v instanceof Uint8Array).optional(), metricsEvery: z.number().int().positive().default(5) }),
  z.object({ type: z.literal('control'), command: z.enum(['pause', 'cancel']) }),
]);
export type HostToWorker = z.input<typeof HostToWorker>;

const f32 = z.instanceof(Float32Array);
const metrics = z.record(z.string(), z.number());
const sparsity = z.object({ global: z.number(), perMatrix: metrics, smallWeightFraction: metrics });
const phase = z.enum(['train', 'lottery']);

export const TrainingEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    backend: z.object({ requested: z.string(), active: z.string(), tfBackend: z.string(), gpu: z.boolean(), notices: z.array(z.string()) }),
    parameters: z.number(),
    totalSteps: z.number(),
    baselines: metrics,
    resumedAt: z.number(),
  }),
  z.object({ type: z.literal('metrics'), phase, epoch: z.number(), step: z.number(), values: metrics }),
  z.object({ type: z.literal('epoch'), phase, epoch: z.number(), step: z.number(), pruneAmount: z.number(), threshold: z.number(), sparsity, valid: metrics, learningRate: z.number() }),
  z.object({
    type: z.literal('snapshot'),
    phase,
    epoch: z.number(),
    step: z.number(),
    matrices: z.array(z.object({ name: z.string(), rows: z.number(), cols: z.number(), gates: z.number(), weights: f32, mask: f32.nullable(), order: z.instanceof(Int32Array) })),
  }),
  z.object({ type: z.literal('progress'), phase, epoch: z.number(), step: z.number(), totalSteps: z.number(), elapsedMs: z.number(), etaMs: z.number().nullable() }),
  z.object({ type: z.literal('checkpoint'), phase, epoch: z.number(), step: z.number(), bytes: z.instanceof(Uint8Array) }),
  z.object({ type: z.literal('finished'), result: z.object({ test: metrics, lottery: metrics.optional(), baselines: metrics, sparsity, steps: z.number(), diverged: z.boolean(), wallMs: z.number() }) }),
  z.object({ type: z.literal('stopped'), reason: z.enum(['paused', 'cancelled']), step: z.number() }),
]);

export const WorkerToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('event'), event: TrainingEventSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type WorkerToHost = z.infer<typeof WorkerToHost>;
