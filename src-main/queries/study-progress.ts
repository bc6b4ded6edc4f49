// How far a study has come and whether it may go on: work done and left (its progress bar and ETA) and the
// one-engine rule for extending or resuming it. Pure functions of the study's run records.
import { ENDED_STATUSES } from '../schema/run';
import { engineVersion } from '../engine/version';
import { ConflictError } from '../store/errors';
import type { StudyRunRecord } from '../store/studies';

type Progress = Pick<StudyRunRecord, 'status' | 'progressStep' | 'totalSteps' | 'config'>;

/** A run's share of its study's work: N² (the recurrence dominates a step and grows like N²; runs share schedules). */
function runWeight(r: Pick<StudyRunRecord, 'config'>): number {
  return (r.config.task.hidden ?? 1) ** 2;
}

const progressOf = (r: Progress) => (r.totalSteps ? (r.progressStep ?? 0) / r.totalSteps : 0);

/**
 * How much of a study's work is done: ended runs count whole, running ones by their progress, each weighed by
 * runWeight. Counting runs instead would give a grid over N = 128 … 512 an ETA several times too short.
 */
export function studyWork(rows: Progress[]): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const r of rows) {
    const weight = runWeight(r);
    total += weight;
    if (ENDED_STATUSES.includes(r.status)) done += weight;
    else if (r.status === 'running') done += weight * progressOf(r);
  }
  return { done, total };
}

/**
 * Time left for a study's unfinished runs, or null before any run has trained long enough to time: the time per
 * unit of work measured on the finished runs (else the running ones), times the work left, divided by the runs
 * training at once. Per-run ETAs summed over the queue ignored that runs train side by side (a 72 s study once
 * read "about 30 min left").
 */
export function studyEtaMs(rows: Array<Progress & Pick<StudyRunRecord, 'startedAt' | 'finishedAt'>>, now = Date.now()): number | null {
  const running = rows.filter((r) => r.status === 'running');
  const timed = rows.filter((r) => r.status === 'finished' && r.startedAt && r.finishedAt);
  const samples = timed.length
    ? timed.map((r) => (r.finishedAt! - r.startedAt!) / runWeight(r))
    : running.filter((r) => r.startedAt && progressOf(r) > 0.02).map((r) => (now - r.startedAt!) / progressOf(r) / runWeight(r));
  if (!samples.length) return null;
  const perUnit = samples.sort((a, b) => a - b)[samples.length >> 1];
  const left = rows
    .filter((r) => !ENDED_STATUSES.includes(r.status))
    .reduce((a, r) => a + runWeight(r) * (1 - (r.status === 'running' ? progressOf(r) : 0)), 0);
  return (left * perUnit) / Math.max(1, running.length);
}

/**
 * A study's runs must come from one engine: the engine versions its runs recorded (engine/version.ts) must all
 * be this process's, or a table would mix results of different code. Runs not yet started have none.
 */
export function assertSameEngine(rows: Array<Pick<StudyRunRecord, 'engineVersion'>>, studyId: string, current = engineVersion()): void {
  const recorded = [...new Set(rows.flatMap((r) => (r.engineVersion ? r.engineVersion.split('+') : [])))];
  const other = recorded.filter((v) => v !== current);
  if (other.length) {
    throw new ConflictError(
      `study ${studyId} was trained by engine ${recorded.join(', ')}; this is engine ${current}. ` +
        `Mixing them would put results of different code in one table: ` +
        `run it from a checkout whose engine is ${other[0]} (the commit that trained it), or start a new study`,
    );
  }
}
