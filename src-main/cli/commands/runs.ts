// `moduli runs …`: list, inspect, tag, annotate, delete, export and import stored runs.
import { existsSync } from 'node:fs';
import { checkOutputPath, writeOutputFile } from '../../store/output-file';
import { Command, Option } from 'commander';
import { RUN_STATUSES, type RunStatus } from '../../schema/run';
import { TASKS } from '../../schema/experiment';
import { SpaceId } from '../../schema/penalty';
import { exportBundle, importBundleFile } from '../../store/bundle';
import type { RunStore } from '../../store/run-store';
import { UsageError, positiveInteger } from '../errors';
import { toCsv, toTable } from '../format';
import { formatDuration } from '../progress';
import { openStore } from '../store-option';
import { defaultDbPath } from '../../store/paths';

const dbOption = () => new Option('--db <file>', 'run database (default: the user data folder; env MODULI_DB)');

/**
 * Opens the run database for one command. Only `import` may create it: reading or changing runs in a database
 * that does not exist is a mistake (a mistyped --db), and must not leave an empty database behind.
 */
function withStore<T>(db: string | undefined, f: (s: RunStore) => T, o: { create?: boolean } = {}): T {
  const file = db ?? defaultDbPath();
  if (!o.create && file !== ':memory:' && !existsSync(file))
    throw new UsageError(`no run database at '${file}' (nothing recorded there yet; --db or MODULI_DB selects another)`);
  const s = openStore(db);
  try {
    return f(s);
  } finally {
    s.close();
  }
}

const fmt = (x: number | null, digits = 4) => (x === null ? '–' : x.toPrecision(digits));

export function runsCommand(): Command {
  const cmd = new Command('runs').description('stored runs: list, show, tag, note, delete, export, import');

  cmd
    .command('list')
    .description('list runs (newest first)')
    .addOption(dbOption())
    .addOption(new Option('--status <status...>', 'only these statuses').choices([...RUN_STATUSES]))
    .addOption(new Option('--task <task>', 'only this task').choices([...TASKS]))
    .option('--space <id>', 'only this moduli space', (v: string) => {
      const parsed = SpaceId.safeParse(v);
      if (!parsed.success) throw new UsageError(`--space '${v}': ${parsed.error.issues[0].message}`);
      return v;
    })
    .option('--tag <tag>', 'only runs with this tag')
    .option('--search <text>', 'substring of id, name, space or weighting')
    .addOption(new Option('--sort <key>', 'sort key').choices(['created', 'finalMetric', 'finalSparsity', 'status', 'task']).default('created'))
    .option('--asc', 'ascending order')
    .option('--limit <n>', 'at most n runs', positiveInteger('--limit'), 100)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(
      (o: {
        db?: string;
        status?: RunStatus[];
        task?: string;
        space?: string;
        tag?: string;
        search?: string;
        sort: 'created';
        asc?: boolean;
        limit: number;
        format: string;
      }) => {
        const file = o.db ?? defaultDbPath();
        if (file !== ':memory:' && !existsSync(file)) {
          process.stdout.write(o.format === 'json' ? '[]\n' : o.format === 'csv' ? '' : `no runs (no run database yet at ${file})\n`);
          return;
        }
        withStore(o.db, (s) => {
          const runs = s.listRuns({
            status: o.status,
            task: o.task,
            space: o.space,
            tag: o.tag,
            search: o.search,
            sort: o.sort,
            order: o.asc ? 'asc' : 'desc',
            limit: o.limit,
          });
          if (o.format === 'json') return void process.stdout.write(JSON.stringify(runs) + '\n');
          const header = ['id', 'status', 'task', 'space', 'weighting', 'seed', 'metric', 'sparsity', 'progress', 'created', 'tags'];
          const rows = runs.map((r) => [
            r.id,
            r.status,
            r.task,
            r.space,
            `${r.weighting}${r.config.regularization.penalty.invert ? '⁻¹' : ''}${r.config.regularization.penalty.permute ? ' perm' : ''}`,
            r.seed,
            fmt(r.finalMetric),
            r.finalSparsity === null ? '–' : `${(100 * r.finalSparsity).toFixed(1)}%`,
            r.totalSteps
              ? `${Math.round((100 * r.progressStep) / r.totalSteps)}%${r.status === 'running' && r.etaMs !== null ? ` ETA ${formatDuration(r.etaMs)}` : ''}`
              : '–',
            new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' '),
            r.tags.join(','),
          ]);
          const filtered = o.status || o.task || o.space || o.tag || o.search;
          const none = filtered ? 'no runs match these filters\n' : 'no runs (start one with `moduli train --task adding --preset quick`)\n';
          process.stdout.write(o.format === 'csv' ? toCsv(header, rows) : rows.length ? toTable(header, rows) : none);
        });
      },
    );

  cmd
    .command('show')
    .description('one run: config, environment, result, epochs, notes')
    .argument('<id>', 'run id or unique prefix')
    .addOption(dbOption())
    .option('--json', 'as JSON')
    .action((id: string, o: { db?: string; json?: boolean }) =>
      withStore(o.db, (s) => {
        const runId = s.resolveId(id);
        const run = s.getRun(runId)!;
        const detail = {
          ...run,
          epochs: s.epochs(runId),
          notes: s.notes(runId),
          series: s.seriesNames(runId),
          snapshots: s.snapshots(runId).length,
          checkpoint: s.checkpoint(runId) ? { ...s.checkpoint(runId)!, bytes: s.checkpoint(runId)!.bytes.length } : null,
        };
        if (o.json) return void process.stdout.write(JSON.stringify(detail, null, 2) + '\n');
        const lines = [
          `run ${run.id}  ${run.status}${run.error ? ` — ${run.error}` : ''}`,
          `task ${run.task}, space ${run.space}, weighting ${run.weighting}, seed ${run.seed}, config ${run.configHash}`,
          `backend ${run.backend ?? '–'}${run.backendDevice ? ` on ${run.backendDevice}` : ''}${run.backendNotices.length ? ` (${run.backendNotices.join('; ')})` : ''}, app ${run.appVersion}, engine ${run.engineVersion ?? '–'} on ${run.host}`,
          `progress ${run.progressStep}/${run.totalSteps ?? '?'}, final metric ${fmt(run.finalMetric)}, sparsity ${run.finalSparsity === null ? '–' : (100 * run.finalSparsity).toFixed(2) + ' %'}`,
          `tags: ${run.tags.join(', ') || '–'}`,
          ...detail.epochs.map(
            (e) =>
              `  ${e.phase} epoch ${e.epoch}: pruned ${(100 * e.pruneAmount).toFixed(1)} %, ${Object.entries(e.valid)
                .map(([k, v]) => `valid ${k} ${fmt(v)}`)
                .join(', ')}`,
          ),
          ...detail.notes.map((n) => `note ${new Date(n.createdAt).toISOString()}: ${n.text}`),
          `series: ${detail.series.join(', ')}`,
          `config:`,
          ...JSON.stringify(run.config, null, 2)
            .split('\n')
            .map((l) => `  ${l}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );

  cmd
    .command('tag')
    .description('add (or with --remove, remove) tags')
    .argument('<id>')
    .argument('<tags...>')
    .option('--remove', 'remove the tags')
    .addOption(dbOption())
    .action((id: string, tags: string[], o: { db?: string; remove?: boolean }) =>
      withStore(o.db, (s) => {
        const runId = s.resolveId(id);
        for (const t of tags) {
          if (o.remove) s.untag(runId, t);
          else s.tag(runId, t);
        }
      }),
    );

  cmd
    .command('note')
    .description('append a note to a run')
    .argument('<id>')
    .argument('<text>')
    .addOption(dbOption())
    .action((id: string, text: string, o: { db?: string }) => withStore(o.db, (s) => s.addNote(s.resolveId(id), text)));

  cmd
    .command('delete')
    .description('delete runs and everything recorded for them')
    .argument('<ids...>')
    .addOption(dbOption())
    .action((ids: string[], o: { db?: string }) =>
      withStore(o.db, (s) => {
        const resolved = ids.map((i) => s.resolveId(i));
        for (const r of resolved) {
          if (s.getRun(r)?.status === 'running') throw new UsageError(`run ${r} is running: cancel it first`);
        }
        for (const r of resolved) s.deleteRun(r);
      }),
    );

  cmd
    .command('export')
    .description('write runs to one portable bundle file (.mwb)')
    .argument('<ids...>')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--force', 'replace the --out file if it exists (never a database)')
    .addOption(dbOption())
    .action((ids: string[], o: { db?: string; out: string; force?: boolean }) =>
      withStore(o.db, (s) => {
        const guard = { overwrite: o.force, protect: [s.path, defaultDbPath()] };
        checkOutputPath(o.out, guard);
        writeOutputFile(
          o.out,
          exportBundle(
            s,
            ids.map((i) => s.resolveId(i)),
          ),
          guard,
        );
      }),
    );

  cmd
    .command('import')
    .description('import a bundle (all runs or none)')
    .argument('<file>')
    .addOption(dbOption())
    .action((file: string, o: { db?: string }) =>
      withStore(
        o.db,
        (s) => {
          if (!existsSync(file)) throw new UsageError(`bundle '${file}' not found`);
          const ids = importBundleFile(s, file);
          process.stdout.write(`imported ${ids.length} run(s): ${ids.join(', ')}\n`);
        },
        { create: true },
      ),
    );
  return cmd;
}
