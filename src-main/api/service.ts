// The API's implementation over the store and the job runner. Pure Node: used by the Electron main process
// (behind IPC) and by `moduli serve` (behind HTTP), never by the renderer directly.
import { buildPenalty } from '../engine/geometry/penalty';
import { layerSeed } from '../engine/training/regularizer';
import { renderReport } from '../engine/study/report';
import { ARMS, templateInfos } from '../engine/study/templates';
import type { JobRunner } from '../jobs/runner';
import { createStudy, listStudies, resumeStudy, runStructureOf, studyDetail, studyFigures } from '../jobs/study';
import type { StudySpecInput } from '../schema/study';
import type { Backend } from '../schema/experiment';
import type { RunStore } from '../store/run-store';
import { APP_VERSION } from '../store/run-store';
import { API_METHODS, validateArgs, type ApiMethod } from './methods';

export interface AppInfo {
  /** The backend the most recent run actually loaded, with its fallback notices (null before any run). */
  backend: string | null;
  backendNotices: string[];
  version: string;
  node: string;
  electron: string | null;
  platform: string;
  database: string;
  concurrency: number;
}

export type Handlers = { [M in ApiMethod]: (...args: never[]) => unknown };

export interface ServiceOptions {
  /** Used for runs whose config says backend 'auto' (the desktop app's backend preference). */
  defaultBackend?: Backend;
}

export function createService(store: RunStore, runner: JobRunner, opts: ServiceOptions = {}) {
  const handlers = {
    appInfo: (): AppInfo => {
      const latest = store.db.prepare('SELECT backend, backend_notices FROM runs WHERE backend IS NOT NULL ORDER BY started_at DESC LIMIT 1').get() as { backend: string; backend_notices: string | null } | undefined;
      return {
      backend: latest?.backend ?? null,
      backendNotices: latest?.backend_notices ? JSON.parse(latest.backend_notices) : [],
      version: APP_VERSION,
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      platform: `${process.platform}-${process.arch}`,
      database: store.db.name,
      concurrency: runner.concurrency,
      };
    },
    listRuns: (filter: Parameters<RunStore['listRuns']>[0]) => store.listRuns(filter),
    getRun: (id: string) => {
      const runId = store.resolveId(id);
      return { run: store.getRun(runId), epochs: store.epochs(runId), notes: store.notes(runId), series: store.seriesNames(runId), latest: store.latestMetrics(runId) };
    },
    series: (q: { runId: string; name: string; maxPoints: number }) => store.series(q.runId, q.name, q.maxPoints),
    compareSeries: (q: { runIds: string[]; name: string; maxPoints: number }) => store.compareSeries(q.runIds, q.name, q.maxPoints),
    snapshots: (runId: string) => store.snapshots(runId),
    snapshot: (id: number) => {
      const s = store.snapshot(id);
      if (!s) throw new Error(`no snapshot ${id}`);
      return s;
    },
    startRuns: (a: { config: Parameters<JobRunner['enqueue']>[0]; seeds?: number[]; priority: number }) =>
      (a.seeds ?? [a.config.seed]).map((seed) =>
        runner.enqueue({ ...a.config, seed, backend: a.config.backend === 'auto' && opts.defaultBackend ? opts.defaultBackend : a.config.backend }, a.priority),
      ),
    cancelRun: (id: string) => runner.cancel(id),
    pauseRun: (id: string) => runner.pause(id),
    resumeRun: (id: string) => runner.resume(id),
    tagRun: (id: string, tag: string, remove: boolean) => (remove ? store.untag(id, tag) : store.tag(id, tag)),
    noteRun: (id: string, text: string) => store.addNote(id, text),
    deleteRuns: (ids: string[]) => {
      for (const id of ids) if (runner.runningIds().includes(id)) throw new Error(`run ${id} is running: cancel it first`);
      for (const id of ids) store.deleteRun(id);
    },
    /** The embedding and C a run's layer trained with (fixed embeddings; learned ones start from these points). */
    runGeometry: (id: string, layer: number) => {
      const run = store.getRun(store.resolveId(id));
      if (!run) throw new Error(`no run '${id}'`);
      const t = run.config.task;
      const n = t.hidden;
      const p = buildPenalty(run.config.regularization.penalty, n, layerSeed(run.config.seed, layer));
      const pts = p.embedding.rows;
      // C is N² numbers: sent up to N = 1024 (4 MB as JSON text would be ~10× more beyond that).
      return { n, space: run.config.regularization.penalty.space, C: n <= 1024 ? Array.from(p.C) : null, order: Array.from(p.embedding.order), points: pts ? Array.from(pts.coords) : null, dim: pts?.dim ?? 0 };
    },
    previewPenalty: (a: { spec: Parameters<typeof buildPenalty>[0]; n: number; seed: number }) => {
      const p = buildPenalty(a.spec, a.n, a.seed);
      const pts = p.embedding.rows;
      return { n: a.n, C: Array.from(p.C), order: Array.from(p.embedding.order), points: pts ? Array.from(pts.coords) : null, dim: pts?.dim ?? 0 };
    },
    /** Locality of the surviving recurrent connections at the end of training (null before the first snapshot). */
    runStructure: (id: string) => runStructureOf(store, store.resolveId(id)),
    listStudies: () => listStudies(store),
    getStudy: (id: string) => studyDetail(store, id),
    studyFigures: (id: string) => studyFigures(store, id),
    studyReport: (id: string, format: 'md' | 'csv' | 'latex' | 'json') => {
      const d = studyDetail(store, id);
      return renderReport(d.cells, format, { title: d.info.name, primary: d.primary });
    },
    studyTemplates: () => ({ templates: templateInfos(), arms: ARMS }),
    /** After a restart or a pause: unfinished runs of the study continue (the desktop app and web mode). */
    resumeStudy: (id: string) => resumeStudy(store, runner, id),
    createStudy: (spec: StudySpecInput) => {
      const b = spec.base.backend;
      const useDefault = opts.defaultBackend && (b === undefined || b === 'auto');
      return createStudy(store, runner, useDefault ? { ...spec, base: { ...spec.base, backend: opts.defaultBackend } } : spec);
    },
  } satisfies Record<ApiMethod, (...args: never[]) => unknown>;

  /** Validates and dispatches one call; the single entry point for IPC and HTTP. */
  async function call(method: string, rawArgs: unknown): Promise<unknown> {
    const args = validateArgs(method as ApiMethod, rawArgs) as unknown[];
    const fn = handlers[method as ApiMethod] as (...a: unknown[]) => unknown;
    return fn(...args);
  }

  return { handlers, call, methods: Object.keys(API_METHODS) as ApiMethod[] };
}

export type WorkbenchService = ReturnType<typeof createService>;
