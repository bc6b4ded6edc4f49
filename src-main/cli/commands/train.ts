// `moduli train`: one experiment, headless, with progress and an ETA; the summary goes to stdout.
import { readFileSync, appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkOutputPath, writeOutputFile } from '../../store/output-file';
import { defaultDbPath } from '../../store/paths';
import { Command } from 'commander';
import type { TrainingEvent } from '../../engine/training/events';
import { RunRecorder } from '../../store/recorder';
import { primaryMetricOf } from '../../schema/experiment';
import { addExperimentOptions, buildConfig, type ConfigFlags } from '../config-input';
import { openStore } from '../store-option';
import { UsageError, positiveInteger } from '../errors';
import { formatDuration, progressReporter } from '../progress';
import { toTable } from '../format';
import { preflight } from '../../engine/resources';

/** Events without the bulky binary payloads, for JSON-lines logs. */
export function eventForLog(e: TrainingEvent): unknown {
  if (e.type === 'checkpoint') return { type: e.type, phase: e.phase, epoch: e.epoch, step: e.step, bytes: e.bytes.length };
  if (e.type === 'snapshot')
    return { type: e.type, phase: e.phase, epoch: e.epoch, step: e.step, matrices: e.matrices.map((m) => ({ name: m.name, rows: m.rows, cols: m.cols })) };
  return e;
}

export function trainCommand(): Command {
  const cmd = new Command('train').description('train (and prune) one network headless; prints a summary');
  addExperimentOptions(cmd)
    .option('--events <file>', 'append every event as a JSON line (checkpoint and snapshot payloads summarised)')
    .option('--checkpoint <file>', 'write the latest checkpoint to this file after every epoch')
    .option('--resume <file>', 'resume from a checkpoint file written by --checkpoint')
    .option('--force', 'replace an existing --checkpoint file (never a database)')
    .option('--metrics-every <k>', 'step metrics every k steps', positiveInteger('--metrics-every'), 10)
    .option('--print-config', 'print the resolved configuration and exit')
    .option('--db <file>', "run database (default: the app's, in the user data folder; env MODULI_DB)")
    .option('--no-record', 'do not record the run in the database')
    .option('--run-id <id>', 'record under this run id (Slurm array tasks use the id their study gave the run)')
    .option('--json', 'print the result as JSON')
    .option('--max-memory <GB>', 'refuse a run estimated to need more memory than this (default: 80 % of RAM)', (v) => Number(v))
    .option('--quiet', 'no progress output')
    .action(
      async (
        o: ConfigFlags & {
          events?: string;
          checkpoint?: string;
          resume?: string;
          metricsEvery: number;
          maxMemory?: number;
          force?: boolean;
          printConfig?: boolean;
          json?: boolean;
          quiet?: boolean;
          db?: string;
          record: boolean;
          runId?: string;
        },
      ) => {
        const config = buildConfig(o);
        if (o.printConfig) {
          process.stdout.write(JSON.stringify(config, null, 2) + '\n');
          return;
        }
        // tfjs loads only when something trains: `--help`, `--print-config` and usage errors stay fast.
        const { runExperiment, RunStopped } = await import('../../engine/training/trainer');
        let resume: Uint8Array | undefined;
        if (o.resume) {
          try {
            resume = readFileSync(o.resume);
          } catch {
            throw new UsageError(`checkpoint file '${o.resume}' not found`);
          }
        }
        // Output files are checked before anything trains: a checkpoint path must not be a database, nor an
        // existing file other than the one this run resumes from (it is then replaced epoch by epoch).
        const protect = [defaultDbPath(), ...(o.db ? [o.db] : [])];
        if (o.checkpoint)
          checkOutputPath(o.checkpoint, { protect, overwrite: o.force || (o.resume !== undefined && resolve(o.resume) === resolve(o.checkpoint)) });
        if (o.events) checkOutputPath(o.events, { protect, overwrite: true });
        const primary = primaryMetricOf(config.task.task);
        const report = progressReporter(() => primary, o.quiet ?? false);
        const store = o.record ? openStore(o.db) : null;
        if (o.runId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(o.runId)) throw new UsageError(`--run-id must be 1–64 letters, digits, '_' or '-'`);
        if (o.runId && store?.getRun(o.runId)) throw new UsageError(`run ${o.runId} already exists in ${store.path}`);
        preflight(config, o.maxMemory ? o.maxMemory * 2 ** 30 : undefined);
        // This process trains the run itself: it holds the lease, so a server on the same database shows the run
        // as live (not interrupted) and offers no cancel or resume that would start a second trainer.
        const lease = store?.registerOwner('train');
        const run = store?.createRun(config, { status: 'running', id: o.runId, owner: lease?.id });
        const recorder = store && run ? new RunRecorder(store, run.id, { primaryMetric: primary }) : null;
        if (run) process.stderr.write(`run ${run.id} (recorded in ${store!.path})\n`);
        let stop: 'run' | 'cancel' = 'run';
        process.once('SIGINT', () => {
          stop = 'cancel';
          process.stderr.write('\ninterrupted: stopping after this step (the last epoch checkpoint stays)\n');
        });
        const result = await runExperiment(config, {
          resume,
          metricsEvery: o.metricsEvery,
          control: () => stop,
          onEvent: (e) => {
            report(e);
            recorder?.handle(e);
            if (o.events) appendFileSync(o.events, JSON.stringify(eventForLog(e)) + '\n');
            if (e.type === 'checkpoint' && o.checkpoint) writeOutputFile(o.checkpoint, e.bytes, { protect, overwrite: true });
          },
        }).catch((err) => {
          if (err instanceof RunStopped) {
            process.exitCode = 130;
            return null;
          }
          recorder?.fail(err instanceof Error ? err.message : String(err));
          throw err;
        });
        // Events that waited for a lock another process held are written before the database closes.
        await recorder?.settled();
        lease?.release();
        store?.close();
        if (!result) return;
        if (o.json) {
          process.stdout.write(JSON.stringify({ runId: run?.id ?? null, config, result }) + '\n');
          return;
        }
        const rows: Array<[string, string]> = run ? [['run', run.id]] : [];
        for (const [k, v] of Object.entries(result.test)) rows.push([`test ${k}`, v.toPrecision(5)]);
        for (const [k, v] of Object.entries(result.lottery ?? {})) rows.push([`lottery ${k}`, v.toPrecision(5)]);
        for (const [k, v] of Object.entries(result.baselines)) rows.push([`baseline ${k}`, v.toPrecision(5)]);
        rows.push(['sparsity (global, masked)', `${(100 * result.sparsity.global).toFixed(2)} %`]);
        for (const [k, v] of Object.entries(result.sparsity.perMatrix)) rows.push([`sparsity ${k}`, `${(100 * v).toFixed(2)} %`]);
        for (const [k, v] of Object.entries(result.sparsity.smallWeightFraction)) rows.push([`|w| < 1e-3 ${k}`, `${(100 * v).toFixed(2)} %`]);
        rows.push(['steps', String(result.steps)], ['time', formatDuration(result.wallMs)], ['diverged', String(result.diverged)]);
        process.stdout.write(toTable(['', ''], rows).split('\n').slice(1).join('\n'));
      },
    );
  return cmd;
}
