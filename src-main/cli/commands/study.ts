// `moduli study …`: run the paper's experiment sets (or your own grid) as multi-seed studies and report them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { describeTemplate, STUDY_TEMPLATES, studyTemplate } from '../../engine/study/templates';
import { setPath } from '../../schema/paths';
import { primaryMetricOf, TRIVIAL_BASELINE } from '../../schema/experiment';
import { writeOutputFile } from '../../store/output-file';
import { REPORT_FORMATS, type ReportFormat } from '../../schema/report-format';
import { PRESET_NAMES, PresetError, type PresetName } from '../../schema/presets';
import { parseSeedList } from '../../schema/run-name';
import { parseAssignment } from '../config-input';
import { UsageError, integerOption, positiveInteger } from '../errors';
import { openStore } from '../store-option';

/** The runner, the engine and ECharts load only when a study command runs. */
const heavy = () => import('./study-heavy');

const collect = (v: string, acc: string[]) => [...acc, v];

/** "task.hidden=128,256" → ['task.hidden', [128, 256]]: each value parsed like a --set value. */
function parseAxis(text: string): [string, unknown[]] {
  const eq = text.indexOf('=');
  if (eq < 1 || eq === text.length - 1) throw new UsageError(`--axis '${text}': expected path=value1,value2,…`);
  const path = text.slice(0, eq);
  return [
    path,
    text
      .slice(eq + 1)
      .split(',')
      .map((v) => parseAssignment(`${path}=${v.trim()}`, '--axis')[1]),
  ];
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
    .addOption(new Option('--scale <scale>', 'preset scale').choices([...PRESET_NAMES]).default('quick'))
    .option('--seeds <k>', 'replicate seeds 1..k', positiveInteger('--seeds', 1000), 3)
    .option('--concurrency <n>', 'runs at a time', positiveInteger('--concurrency', 64))
    .option('--no-wait', 'create and queue only (run it later with `study resume` or `study export-slurm`)')
    .option('--corpus <dir>', 'language model: folder with train.txt, valid.txt, test.txt')
    .option('--set <path=value>', 'override a field of every run, e.g. --set pruning.target=0.8 (repeatable)', collect, [])
    .option('--name <name>', 'the study’s name (reports use it as their title)')
    .option('--arms <names>', "only these configurations of a template, comma-separated, e.g. 'torus DoG⁻¹,L1'")
    .option(
      '--axis <path=v1,v2,…>',
      'a grid axis: one cell per value, e.g. --axis task.hidden=128,256,1024 (repeatable; replaces a template axis of that path)',
      collect,
      [],
    )
    .addOption(db())
    .action(
      async (
        what: string,
        o: {
          scale: PresetName;
          seeds: number;
          concurrency?: number;
          wait: boolean;
          db?: string;
          corpus?: string;
          set: string[];
          axis: string[];
          arms?: string;
          name?: string;
        },
      ) => {
        if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new UsageError(`--seeds must be a positive integer`);
        let spec;
        if (STUDY_TEMPLATES.includes(what)) {
          try {
            spec = studyTemplate(
              what,
              o.scale,
              Array.from({ length: o.seeds }, (_, i) => i + 1),
            );
          } catch (e) {
            if (e instanceof PresetError) throw new UsageError(`--scale: ${e.message}`);
            throw e;
          }
        } else {
          try {
            spec = JSON.parse(readFileSync(what, 'utf8'));
          } catch (e) {
            throw new UsageError(`'${what}' is neither a template (${STUDY_TEMPLATES.join(', ')}) nor a readable JSON study file: ${(e as Error).message}`);
          }
        }
        if (o.name !== undefined) spec.name = o.name;
        if (o.arms !== undefined) {
          const wanted = o.arms
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean);
          const have = (spec.arms ?? []).map((a: { name: string }) => a.name);
          const unknown = wanted.filter((a) => !have.includes(a));
          if (unknown.length || !wanted.length)
            throw new UsageError(
              `--arms: ${unknown.length ? `no configuration ${unknown.map((a) => `'${a}'`).join(', ')}` : 'name at least one configuration'} in this study; it has ${have.map((a: string) => `'${a}'`).join(', ')}`,
            );
          spec.arms = spec.arms.filter((a: { name: string }) => wanted.includes(a.name));
        }
        if (o.corpus) for (const split of ['train', 'valid', 'test']) setPath(spec.base, `task.corpus.${split}`, join(o.corpus, `${split}.txt`));
        for (const a of o.set) setPath(spec.base, ...parseAssignment(a));
        for (const a of o.axis) {
          const [path, values] = parseAxis(a);
          spec.axes = { ...(spec.axes ?? {}), [path]: values };
        }
        const { JobRunner, nodeForkHost, createStudy, drive } = await heavy();
        const store = openStore(o.db, { longLived: true });
        const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.wait ? o.concurrency : 0, ownerKind: 'study' });
        const { studyId, runIds } = createStudy(store, runner, spec);
        process.stdout.write(`study ${studyId}: ${runIds.length} runs queued\n`);
        if (o.wait) await drive(store, runner, studyId);
        // Without --wait the queued runs keep this process's lease: it is dead once we exit, so the next
        // `study resume`, `moduli serve` or app start adopts them.
        if (o.wait) runner.dispose();
        store.close();
      },
    );

  cmd
    .command('resume')
    .description('continue a study after an interruption: interrupted, paused and failed runs resume, queued ones run')
    .argument('<id>')
    .option('--concurrency <n>', 'runs at a time', positiveInteger('--concurrency', 64))
    .addOption(db())
    .action(async (id: string, o: { concurrency?: number; db?: string }) => {
      const { JobRunner, nodeForkHost, resumeStudy, drive } = await heavy();
      const store = openStore(o.db, { longLived: true });
      const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.concurrency, ownerKind: 'study' });
      runner.recover();
      const { studyId } = resumeStudy(store, runner, id);
      await drive(store, runner, studyId);
      runner.dispose();
      store.close();
    });

  cmd
    .command('extend')
    .description('add seeds to a study: queues every cell for the seeds it lacks and runs them to completion')
    .argument('<id>')
    .requiredOption('--seeds <list>', 'the seeds the study should have, e.g. 1-8 or 1,2,5')
    .option('--concurrency <n>', 'runs at a time', positiveInteger('--concurrency', 64))
    .option('--no-wait', 'queue only (run them later with `study resume`)')
    .addOption(db())
    .action(async (id: string, o: { seeds: string; concurrency?: number; wait: boolean; db?: string }) => {
      let seeds: number[];
      try {
        seeds = parseSeedList(o.seeds);
      } catch (e) {
        throw new UsageError(`--seeds: ${(e as Error).message}`);
      }
      const { JobRunner, nodeForkHost, extendStudy, drive } = await heavy();
      const store = openStore(o.db, { longLived: true });
      const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.wait ? o.concurrency : 0, ownerKind: 'study' });
      const { studyId, runIds } = extendStudy(store, runner, id, seeds);
      process.stdout.write(`study ${studyId}: ${runIds.length} runs queued\n`);
      if (o.wait) await drive(store, runner, studyId);
      if (o.wait) runner.dispose();
      store.close();
    });

  cmd
    .command('report')
    .description('the study as a table: metric mean ± std per configuration, lottery, diverged runs, Welch tests vs controls')
    .argument('<id>')
    .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('md'))
    .option('--figures <dir>', 'also write the figures (SVG, CSV of the plotted points, pgfplots) into this folder')
    .option('--force', 'replace figure files that already exist in --figures')
    .option('--no-structure', 'skip the structure analysis of the pruned matrices')
    .addOption(db())
    .action(async (id: string, o: { format: ReportFormat; figures?: string; force?: boolean; structure: boolean; db?: string }) => {
      const { studyInfo, renderReport, summarizeStudy, studyRows, writeFigures, studyFigures } = await heavy();
      const store = openStore(o.db);
      const info = studyInfo(store, id);
      const primary = primaryMetricOf(info.task);
      process.stdout.write(
        renderReport(summarizeStudy(studyRows(store, info.id, { structure: o.structure }), primary), o.format, { title: info.name, primary, task: info.task }),
      );
      if (o.figures)
        for (const f of writeFigures(studyFigures(store, info.id, { structure: o.structure }), o.figures, info.name, {
          overwrite: o.force,
          protect: [store.path],
        }))
          process.stderr.write(`wrote ${f}\n`);
      store.close();
    });

  cmd
    .command('results')
    .description(
      'every run of a study as CSV: final and endpoint metric, floor, baseline, per-matrix sparsity, kept-length ratio, validation by epoch, engine version, config',
    )
    .argument('<id>')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--force', 'replace --out if it exists (never a database)')
    .option('--no-structure', 'skip the kept-length ratio (the structure analysis of the pruned matrices)')
    .addOption(db())
    .action(async (id: string, o: { out?: string; force?: boolean; structure: boolean; db?: string }) => {
      const { studyInfo, studyResults, renderResultsCsv } = await heavy();
      const store = openStore(o.db);
      try {
        const info = studyInfo(store, id);
        const csv = renderResultsCsv(studyResults(store, info.id, { structure: o.structure }), primaryMetricOf(info.task), TRIVIAL_BASELINE[info.task]);
        if (o.out) writeOutputFile(o.out, csv, { overwrite: o.force, protect: [store.path] });
        else process.stdout.write(csv);
      } finally {
        store.close();
      }
    });

  cmd
    .command('export-slurm')
    .description('write a Slurm array job (one task per unfinished run, headless CLI, shared filesystem)')
    .argument('<id>')
    .requiredOption('--dir <dir>', 'folder on the shared filesystem for configs, results and logs')
    .option('--partition <name>', 'Slurm partition')
    .option('--time <hh:mm:ss>', 'time limit per run', '04:00:00')
    .option('--cpus <n>', 'CPUs per task', integerOption('--cpus', 0, 4096), 4)
    .option('--mem <size>', 'memory per task', '16G')
    .option('--gpus <n>', 'GPUs per task (gres gpu:n)', integerOption('--gpus', 0, 64), 1)
    .option('--max-parallel <n>', 'array tasks running at once', positiveInteger('--max-parallel'))
    .option('--moduli <command>', 'how the cluster nodes run the CLI', 'npx --prefix "$MODULI_HOME" moduli')
    .option('--all', 'export finished runs too (rerun them)')
    .addOption(db())
    .action(
      async (
        id: string,
        o: {
          dir: string;
          partition?: string;
          time: string;
          cpus: number;
          mem: string;
          gpus: number;
          maxParallel?: number;
          moduli: string;
          all?: boolean;
          db?: string;
        },
      ) => {
        const { exportSlurm } = await heavy();
        for (const [flag, v] of [
          ['--cpus', o.cpus],
          ['--gpus', o.gpus],
        ] as const)
          if (!Number.isInteger(v) || v < 0) throw new UsageError(`${flag} must be a non-negative integer`);
        if (!/^(\d+-)?\d{1,3}(:\d{2}){0,2}$/.test(o.time)) throw new UsageError(`--time '${o.time}': expected Slurm time like 04:00:00 or 1-00:00:00`);
        const store = openStore(o.db);
        try {
          const r = exportSlurm(store, id, {
            dir: o.dir,
            partition: o.partition,
            time: o.time,
            cpusPerTask: o.cpus,
            memory: o.mem,
            gpus: o.gpus,
            maxParallel: o.maxParallel,
            moduli: o.moduli,
            onlyUnfinished: !o.all,
          });
          process.stdout.write(
            `${r.tasks} array tasks written to ${r.dir}\nsubmit:  sbatch ${r.script}\nmerge:   moduli study import ${r.dir}${o.db ? ` --db ${o.db}` : ''}\n`,
          );
        } finally {
          store.close();
        }
      },
    );

  cmd
    .command('import')
    .description('merge the finished runs of an exported Slurm study folder into the database (idempotent)')
    .argument('<dir>')
    .addOption(db())
    .action(async (dir: string, o: { db?: string }) => {
      const { importSlurmResults } = await heavy();
      const store = openStore(o.db);
      try {
        const s = importSlurmResults(store, dir);
        process.stdout.write(
          `imported ${s.imported.length}, already here ${s.alreadyPresent.length}, not finished ${s.unfinished.length}, no result yet ${s.missing.length}\n`,
        );
        if (s.unfinished.length) process.stdout.write(`not finished (see logs/): ${s.unfinished.join(', ')}\n`);
      } finally {
        store.close();
      }
    });

  cmd
    .command('list')
    .description('list studies with their progress')
    .addOption(db())
    .action(async (o: { db?: string }) => {
      const { listStudies } = await heavy();
      const store = openStore(o.db);
      const rows = listStudies(store);
      for (const r of rows) process.stdout.write(`${r.id}  ${r.finished}/${r.runs} finished${r.failed ? `, ${r.failed} failed` : ''}  ${r.name}\n`);
      if (!rows.length) process.stdout.write('no studies (try `moduli study templates`)\n');
      store.close();
    });
  return cmd;
}
