// The heavy half of `moduli study` (job runner, tfjs through the engine, ECharts SSR), loaded only when a
// study command runs, so `moduli --help` and the other commands start fast.
import { mkdirSync } from 'node:fs';
import { checkOutputPath, writeOutputFile, type OutputOptions } from '../../store/output-file';
import { join } from 'node:path';
import { bandsCsv, bandsPgfplots, buildBandOption } from '../../charts/band-option';
import { optionToSvg } from '../../charts/export';
import { renderReport, summarizeStudy } from '../../engine/study/report';
import { nodeForkHost } from '../../jobs/host';
import { JobRunner } from '../../jobs/runner';
import { exportSlurm, importSlurmResults } from '../../jobs/slurm';
import { createStudy, extendStudy, resumeStudy } from '../../jobs/study';
import { listStudies, studyFigures, studyInfo, studyResults, studyRows, studyRuns, type StudyFigures } from '../../queries/study';
import { studyWork } from '../../queries/study-progress';
import { renderResultsCsv } from '../../engine/study/results';
import type { RunStore } from '../../store/run-store';
import { formatDuration } from '../progress';
import { ENDED_STATUSES } from '../../schema/run';

export {
  renderResultsCsv,
  studyResults,
  renderReport,
  summarizeStudy,
  nodeForkHost,
  JobRunner,
  exportSlurm,
  importSlurmResults,
  createStudy,
  extendStudy,
  listStudies,
  resumeStudy,
  studyFigures,
  studyInfo,
  studyRows,
};

/** Runs the queue to completion, printing study-wide progress with an ETA (work-weighted: studyWork) as runs finish. */
export async function drive(store: RunStore, runner: JobRunner, studyId: string): Promise<void> {
  const started = Date.now();
  const rows = () => studyRuns(store, studyId);
  const initial = studyWork(rows()).done;
  runner.events.subscribe((e) => {
    if (e.type !== 'finished' && !(e.type === 'status' && e.status === 'failed')) return;
    const now = rows();
    const work = studyWork(now);
    const rate = (Date.now() - started) / Math.max(1e-9, work.done - initial);
    process.stderr.write(
      `study ${studyId}: ${now.filter((r) => ENDED_STATUSES.includes(r.status)).length}/${now.length} runs done, elapsed ${formatDuration(Date.now() - started)}, ETA ${formatDuration(rate * (work.total - work.done))}\n`,
    );
  });
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: pausing running runs (checkpointed), starting no more; continue with `moduli study resume`\n');
    runner.drain();
    for (const id of runner.runningIds()) runner.pause(id);
  });
  await runner.waitAll();
}

/**
 * The study's figures (metric vs sparsity, training loss, metric vs a grid axis, distance profiles) as SVG
 * (with legend), CSV of exactly the plotted points, and pgfplots.
 */
export function writeFigures(figs: StudyFigures, dir: string, title: string, opts: OutputOptions = {}): string[] {
  const files: Array<[string, string]> = [];
  const emit = (name: string, text: string) => void files.push([join(dir, name), text]);
  const sparsity = {
    title: `${title}: validation ${figs.primary} vs sparsity (mean ± std over seeds)`,
    xName: 'global sparsity (%)',
    yName: figs.primary,
    xPercent: true,
  };
  emit('metric-vs-sparsity.svg', optionToSvg(buildBandOption(figs.metricVsSparsity, { ...sparsity, dark: false }), 900, 480));
  emit('metric-vs-sparsity.csv', bandsCsv(figs.metricVsSparsity, sparsity.xName, true));
  emit('metric-vs-sparsity.tex', bandsPgfplots(figs.metricVsSparsity, sparsity));
  const loss = { title: `${title}: training loss (mean ± std over seeds)`, xName: 'step', yName: 'loss' };
  emit('training-loss.svg', optionToSvg(buildBandOption(figs.trainingLoss, { ...loss, dark: false }), 900, 480));
  emit('training-loss.csv', bandsCsv(figs.trainingLoss, 'step'));
  emit('training-loss.tex', bandsPgfplots(figs.trainingLoss, loss));
  if (figs.metricVsAxis) {
    const { axis, bands } = figs.metricVsAxis;
    const s = { title: `${title}: test ${figs.primary} vs ${axis} (mean ± 95 % CI over seeds)`, xName: axis, yName: figs.primary, discreteX: true };
    emit(`metric-vs-${axis}.svg`, optionToSvg(buildBandOption(bands, { ...s, dark: false }), 900, 480));
    emit(`metric-vs-${axis}.csv`, bandsCsv(bands, axis));
    emit(`metric-vs-${axis}.tex`, bandsPgfplots(bands, s));
  }
  for (const { group, bands } of figs.distanceProfiles) {
    const name = `distance-profile${group ? `-${group.replace(/[^\w=.-]+/g, '_')}` : ''}`;
    const s = {
      title: `${title}${group ? ` (${group})` : ''}: kept fraction of W_hh vs geodesic distance (mean ± std over seeds)`,
      xName: 'distance / largest distance',
      yName: 'kept fraction',
    };
    emit(`${name}.svg`, optionToSvg(buildBandOption(bands, { ...s, dark: false }), 900, 480));
    emit(`${name}.csv`, bandsCsv(bands, s.xName));
    emit(`${name}.tex`, bandsPgfplots(bands, s));
  }
  // All checked before any is written: an existing figure set is replaced whole (--force) or not at all.
  mkdirSync(dir, { recursive: true });
  for (const [file] of files) checkOutputPath(file, opts);
  for (const [file, text] of files) writeOutputFile(file, text, opts);
  return files.map(([file]) => file);
}
