// `moduli study …`: run the paper's experiment sets (or your own grid) as multi-seed studies and report them.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { renderReport, summarizeStudy } from '../../engine/study/report';
import { describeTemplate, STUDY_TEMPLATES, studyTemplate } from '../../engine/study/templates';
import { nodeForkHost } from '../../jobs/host';
import { JobRunner } from '../../jobs/runner';
import { createStudy, studyInfo, studyRows } from '../../jobs/study';
import { primaryMetricOf } from '../../store/recorder';
import type { RunStore } from '../../store/run-store';
import { UsageError } from '../errors';
import { formatDuration } from '../progress';
import { openStore } from '../store-option';

/** Runs the queue to completion, printing study-wide progress with an ETA as runs finish. */
async function drive(store: RunStore, runner: JobRunner, studyId: string): Promise<void> {
  const started = Date.now();
  const total = () => studyRows(store, studyId).length;
  const done = () => studyRows(store, studyId).filter((r) => ['finished', 'failed', 'cancelled'].includes(r.status)).length;
  const initial = done();
  runner.events.subscribe((e) => {
    if (e.type !== 'finished' && !(e.type === 'status' && e.status === 'failed')) return;
    const d = done();
    const rate = (Date.now() - started) / Math.max(1, d - initial);
    process.stderr.write(`study ${studyId}: ${d}/${total()} runs done, elapsed ${formatDuration(Date.now() - started)}, ETA ${formatDuration(rate * (total() - d))}\n`);
  });
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: pausing running runs (checkpointed); continue with `moduli study resume`\n');
    for (const id of runner.runningIds()) runner.pause(id);
  });
  await runner.waitAll();
}

export function studyCommand(): Command {
  const cmd = new Command('study').description('multi-seed studies: the paper’s experiment sets, reports with statistics');
  const db = () => new Option('--db <file>', 'run database');

  cmd
    .command('templates')
    .description('list the built-in study templates')
    .action(() => {
      for (const t of STUDY_TEMPLATES) process.stdout.write(`${t.padEnd(22)} ${describeTemplate(t)}\n`);
    });

  cmd
    .command('run')
    .description('create a study from a template or a StudySpec JSON file and run it to completion')
    .argument('<template|file>')
    .addOption(new Option('--scale <scale>', 'preset scale').choices(['quick', 'paper']).default('quick'))
    .option('--seeds <k>', 'replicate seeds 1..k', (v) => Number(v), 3)
    .option('--concurrency <n>', 'runs at a time', (v) => Number(v))
    .option('--no-wait', 'create and queue only (run it later with `study resume`)')
    .addOption(db())
    .action(async (what: string, o: { scale: 'quick' | 'paper'; seeds: number; concurrency?: number; wait: boolean; db?: string }) => {
      if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new UsageError(`--seeds must be a positive integer`);
      let spec;
      if (STUDY_TEMPLATES.includes(what)) spec = studyTemplate(what, o.scale, Array.from({ length: o.seeds }, (_, i) => i + 1));
      else {
        try {
          spec = JSON.parse(readFileSync(what, 'utf8'));
        } catch (e) {
          throw new UsageError(`'${what}' is neither a template (${STUDY_TEMPLATES.join(', ')}) nor a readable JSON study file: ${(e as Error).message}`);
        }
      }
      const store = openStore(o.db);
      const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.wait ? o.concurrency : 0 });
      const { studyId, runIds } = createStudy(store, runner, spec);
      process.stdout.write(`study ${studyId}: ${runIds.length} runs queued\n`);
      if (o.wait) await drive(store, runner, studyId);
      store.close();
    });

  cmd
    .command('resume')
    .description('continue a study after an interruption: interrupted, paused and failed runs resume, queued ones run')
    .argument('<id>')
    .option('--concurrency <n>', 'runs at a time', (v) => Number(v))
    .addOption(db())
    .action(async (id: string, o: { concurrency?: number; db?: string }) => {
      const store = openStore(o.db);
      const { id: studyId } = studyInfo(store, id);
      const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.concurrency });
      runner.recover();
      const ids = store.db.prepare("SELECT id FROM runs WHERE study_id = ? AND status IN ('interrupted', 'paused', 'failed')").all(studyId) as Array<{ id: string }>;
      for (const r of ids) runner.resume(r.id);
      runner.kick();
      await drive(store, runner, studyId);
      store.close();
    });

  cmd
    .command('report')
    .description('the study as a table: metric mean ± std per configuration, lottery, diverged runs, Welch tests vs controls')
    .argument('<id>')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'latex', 'json']).default('md'))
    .addOption(db())
    .action((id: string, o: { format: 'md' | 'csv' | 'latex' | 'json'; db?: string }) => {
      const store = openStore(o.db);
      const info = studyInfo(store, id);
      const primary = primaryMetricOf(info.task);
      process.stdout.write(renderReport(summarizeStudy(studyRows(store, info.id), primary), o.format, { title: info.name, primary }));
      store.close();
    });

  cmd
    .command('list')
    .description('list studies with their progress')
    .addOption(db())
    .action((o: { db?: string }) => {
      const store = openStore(o.db);
      const rows = store.db
        .prepare("SELECT s.id, s.name, COUNT(r.id) AS runs, SUM(r.status = 'finished') AS finished FROM studies s LEFT JOIN runs r ON r.study_id = s.id GROUP BY s.id ORDER BY s.created_at DESC")
        .all() as Array<{ id: string; name: string; runs: number; finished: number }>;
      for (const r of rows) process.stdout.write(`${r.id}  ${r.finished ?? 0}/${r.runs} finished  ${r.name}\n`);
      if (!rows.length) process.stdout.write('no studies (try `moduli study templates`)\n');
      store.close();
    });
  return cmd;
}
