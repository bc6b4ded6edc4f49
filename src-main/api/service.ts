// The API's implementation over the store and the job runner. Pure Node: used by the Electron main process
// (behind IPC) and by `moduli serve` (behind HTTP), never by the renderer directly.
import { layerSeed } from '../engine/learning/regularizer';
import type { PenaltyView } from '../engine/geometry/view';
import { ComputePool } from '../jobs/compute';
import { renderReport } from '../engine/study/report';
import { ARMS, templateInfos } from '../engine/study/templates';
import type { JobRunner } from '../jobs/runner';
import { createStudy, resumeStudy } from '../jobs/study';
import { finishedStudyRuns, listStudies, studyDetail, studyFigures } from '../queries/study';
import type { MatrixStructure } from '../engine/study/structure';
import { ExperimentConfig, type Backend } from '../schema/experiment';
import { ConflictError, NotFoundError } from '../store/errors';
import type { RunStore } from '../store/run-store';
import { APP_VERSION } from '../store/run-store';
import { API_METHODS, validateArgs, type ApiMethod, type HandlerArgs } from './methods';

export interface AppInfo {
  /** The backend the most recent run actually loaded, with its fallback notices (null before any run). */
  backend: string | null;
  /** The WebGPU adapter (or CUDA) that run computed on; null on CPU backends. */
  backendDevice: string | null;
  backendNotices: string[];
  version: string;
  node: string;
  electron: string | null;
  platform: string;
  database: string;
  concurrency: number;
  /** This process's lease: runs with another ownerId are trained by another process (no cancel/resume here). */
  ownerId: string;
}

export interface ServiceOptions {
  /** Used for runs whose config says backend 'auto' (the desktop app's backend preference). */
  defaultBackend?: Backend;
  /** Where penalty views are computed (default: worker processes of the runner's kind). */
  compute?: ComputePool;
  /** better-sqlite3 binding for workers that read the database (the desktop app's Electron build). */
  nativeBinding?: string;
}

export function createService(store: RunStore, runner: JobRunner, opts: ServiceOptions = {}) {
  const compute = opts.compute ?? new ComputePool({ createHost: runner.hostFactory });
  const exists = (id: string) => store.resolveId(id);
  /**
   * Structure of a run's latest pruned W_hh: N² distances (6 s at N = 4096), so computed in a worker process.
   * Keyed by the latest snapshot, so a live run is measured again when a new snapshot arrives.
   */
  const structureOf = (runId: string): Promise<MatrixStructure[] | null> => {
    const last = store
      .snapshots(runId)
      .filter((s) => s.phase === 'train')
      .at(-1);
    if (!last) return Promise.resolve(null);
    return compute.run({ kind: 'runStructure', database: store.path, runId, snapshotId: last.id, nativeBinding: opts.nativeBinding });
  };
  const structuresOf = async (runIds: string[]) => {
    const results = new Map<string, MatrixStructure[] | null>();
    for (const id of runIds) results.set(id, await structureOf(id));
    return (id: string) => results.get(id) ?? null;
  };
  const handlers = {
    appInfo: (): AppInfo => {
      const latest = store.latestBackend();
      return {
        backend: latest?.backend ?? null,
        backendDevice: latest?.device ?? null,
        backendNotices: latest?.notices ?? [],
        version: APP_VERSION,
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        platform: `${process.platform}-${process.arch}`,
        database: store.path,
        concurrency: runner.concurrency,
        ownerId: runner.ownerId,
      };
    },
    listRuns: (filter) => store.listRuns(filter),
    getRun: (id) => {
      const runId = store.resolveId(id);
      return {
        run: store.getRun(runId),
        epochs: store.epochs(runId),
        notes: store.notes(runId),
        series: store.seriesNames(runId),
        latest: store.latestMetrics(runId),
      };
    },
    series: (q) => store.series(q.runId, q.name, q.maxPoints),
    compareSeries: (q) => store.compareSeries(q.runIds, q.name, q.maxPoints),
    snapshots: (runId) => store.snapshots(runId),
    snapshot: (id) => {
      const s = store.snapshot(id);
      if (!s) throw new NotFoundError(`no snapshot ${id}`);
      return s;
    },
    /** Every seed's config is validated and its memory checked before any run is created. */
    startRuns: (a) => {
      const backend = a.config.backend === 'auto' && opts.defaultBackend ? opts.defaultBackend : a.config.backend;
      const configs = (a.seeds ?? [a.config.seed]).map((seed) => ExperimentConfig.parse({ ...a.config, seed, backend }));
      return configs.map((c) => runner.enqueue(c, a.priority));
    },
    cancelRun: (id) => runner.cancel(exists(id)),
    pauseRun: (id) => runner.pause(exists(id)),
    resumeRun: (id) => runner.resume(exists(id)),
    tagRun: (id, tag, remove) => (remove ? store.untag(exists(id), tag) : store.tag(exists(id), tag)),
    noteRun: (id, text) => store.addNote(exists(id), text),
    deleteRuns: (ids) => {
      const resolved = ids.map(exists);
      for (const id of resolved) {
        if (runner.runningIds().includes(id)) throw new ConflictError(`run ${id} is running: cancel it first`);
        const owner = store.getRun(id)?.status === 'running' ? store.liveOwner(id) : null;
        if (owner) throw new ConflictError(`run ${id} is being trained by process ${owner.pid} on ${owner.host}: cancel it there first`);
      }
      for (const id of resolved) store.deleteRun(id);
    },
    /**
     * The embedding and C a run's layer trained with (fixed embeddings; learned ones start from these points).
     * Computed in a worker process and cached: N = 4096 takes seconds and N² memory.
     */
    runGeometry: (id, layer): Promise<PenaltyView> => {
      const run = store.getRun(exists(id))!;
      return compute.run({ kind: 'penaltyView', spec: run.config.regularization.penalty, n: run.config.task.hidden, seed: layerSeed(run.config.seed, layer) });
    },
    previewPenalty: (a): Promise<PenaltyView> => compute.run({ kind: 'penaltyView', spec: a.spec, n: a.n, seed: a.seed }),
    /** Locality of the surviving recurrent connections at the end of training (null before the first snapshot). */
    runStructure: (id) => structureOf(exists(id)),
    listStudies: () => listStudies(store),
    getStudy: async (id) => studyDetail(store, id, await structuresOf(finishedStudyRuns(store, id))),
    studyFigures: async (id) => {
      const structures = await structuresOf(finishedStudyRuns(store, id));
      return studyFigures(store, id, { structure: structures });
    },
    studyReport: async (id, format) => {
      const d = studyDetail(store, id, await structuresOf(finishedStudyRuns(store, id)));
      return renderReport(d.cells, format, { title: d.info.name, primary: d.primary, task: d.info.task });
    },
    studyTemplates: () => ({ templates: templateInfos(), arms: ARMS }),
    /** After a restart or a pause: unfinished runs of the study continue (the desktop app and web mode). */
    resumeStudy: (id) => resumeStudy(store, runner, id),
    createStudy: (spec) => {
      const b = spec.base.backend;
      const useDefault = opts.defaultBackend && (b === undefined || b === 'auto');
      return createStudy(store, runner, useDefault ? { ...spec, base: { ...spec.base, backend: opts.defaultBackend } } : spec);
    },
  } satisfies { [M in ApiMethod]: (...args: HandlerArgs<M>) => unknown };

  /** Validates and dispatches one call; the single entry point for IPC and HTTP. */
  async function call(method: string, rawArgs: unknown): Promise<unknown> {
    const args = validateArgs(method as ApiMethod, rawArgs) as unknown[];
    const fn = handlers[method as ApiMethod] as (...a: unknown[]) => unknown;
    return fn(...args);
  }

  return { handlers, call, methods: Object.keys(API_METHODS) as ApiMethod[] };
}

export type WorkbenchService = ReturnType<typeof createService>;
