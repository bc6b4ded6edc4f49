// Scheduling studies: expand the spec and enqueue every run tagged with its study and cell; more seeds; resume.
// What a study shows (reports, figures, progress) is read by queries/study.ts.
import { randomBytes } from 'node:crypto';
import { expandStudy, type StudyRun } from '../schema/study-grid';
import type { StudySpecInput } from '../schema/study';
import { studyInfo, studyRuns } from '../queries/study';
import { assertSameEngine } from '../queries/study-progress';
import type { RunStore } from '../store/run-store';
import type { JobRunner } from './runner';

export function createStudy(store: RunStore, runner: JobRunner, input: StudySpecInput): { studyId: string; runIds: string[] } {
  const { spec, runs } = expandStudy(input);
  const studyId = randomBytes(5).toString('hex');
  // One transaction: a reader (the study view, another process, a crash) sees the whole study or none of it,
  // never a first run already running beside runs not yet created.
  const runIds = store.transaction(() => {
    store.studies.insert(studyId, spec.name, spec);
    return enqueueCellRuns(store, runner, studyId, runs);
  });
  return { studyId, runIds };
}

/** Queues runs and tags each with its study and cell (inside the caller's transaction). */
function enqueueCellRuns(store: RunStore, runner: JobRunner, studyId: string, runs: StudyRun[]): string[] {
  return runs.map((r) => {
    const id = runner.enqueue(r.config);
    store.studies.assignRun(id, studyId, r.cell);
    return id;
  });
}

/**
 * More seeds for an existing study: the runs of every cell for the seeds it lacks are queued beside the old
 * ones (same base, arms and axes), so the report and its tests cover all seeds. Seeds it has are kept.
 */
export function extendStudy(store: RunStore, runner: JobRunner, idOrPrefix: string, seeds: number[]): { studyId: string; runIds: string[] } {
  const info = studyInfo(store, idOrPrefix);
  const before = studyRuns(store, info.id);
  assertSameEngine(before, info.id);
  const have = new Set(info.spec.seeds);
  const added = seeds.filter((s) => !have.has(s));
  const { spec, runs } = expandStudy({ ...info.spec, seeds: [...info.spec.seeds, ...added] });
  const existing = new Set(before.map((r) => `${r.cell}\u0000${r.seed}`));
  const runIds = store.transaction(() => {
    store.studies.updateSpec(info.id, spec);
    return enqueueCellRuns(
      store,
      runner,
      info.id,
      runs.filter((r) => !existing.has(`${r.cell}\u0000${r.seed}`)),
    );
  });
  return { studyId: info.id, runIds };
}

/** Paused, interrupted and failed runs of a study continue from their checkpoints; queued ones start. */
export function resumeStudy(store: RunStore, runner: JobRunner, idOrPrefix: string): { studyId: string; resumed: string[] } {
  const { id } = studyInfo(store, idOrPrefix);
  assertSameEngine(studyRuns(store, id), id);
  const ids = store.studies.runIdsWithStatus(id, ['interrupted', 'paused', 'failed']);
  for (const r of ids) runner.resume(r);
  runner.kick();
  return { studyId: id, resumed: ids };
}
