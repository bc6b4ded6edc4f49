// Cluster scale: a study's runs as a Slurm array job on a shared filesystem, and the results merged back.
// Each array task trains one run with the headless CLI into its *own* SQLite file (SQLite over NFS with many
// writers corrupts or locks), under the run id the study already gave it, so `importSlurmResults` can put
// the finished run in place of the local placeholder. Exported runs are parked as 'paused' locally so the
// desktop app does not train them a second time (resume one locally if its array task is lost).
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeOutputFile } from '../store/output-file';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ExperimentConfig } from '../schema/experiment';
import { exportBundle, importBundle } from '../store/bundle';
import { RunStore } from '../store/run-store';
import { studyConfigs, studyInfo } from '../queries/study';

export const SLURM_MANIFEST = 'manifest.json';

const Manifest = z.object({
  format: z.literal('moduli-workbench-slurm'),
  version: z.literal(1),
  study: z.object({ id: z.string(), name: z.string(), spec: z.unknown() }),
  tasks: z.array(z.object({ index: z.number().int().min(0), runId: z.string(), cell: z.string(), seed: z.number().int() })),
});
export type SlurmManifest = z.infer<typeof Manifest>;

export interface SlurmOptions {
  /** Folder on the shared filesystem (created); holds configs/, results/, logs/, the script and the manifest. */
  dir: string;
  partition?: string;
  time: string;
  cpusPerTask: number;
  memory: string;
  gpus: number;
  /** Most array tasks running at once (Slurm's %k). */
  maxParallel?: number;
  /** The command that runs the CLI on the cluster nodes (a checkout with `npm install` done). */
  moduli: string;
  /** Runs that are not yet finished only (the default), or all of them. */
  onlyUnfinished: boolean;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function slurmScript(m: SlurmManifest, o: SlurmOptions): string {
  const dir = resolve(o.dir);
  const n = m.tasks.length;
  const lines = [
    '#!/bin/bash',
    `# Moduli Workbench study ${m.study.id}: ${m.study.name.replace(/\n/g, ' ')}`,
    `# ${n} runs, one per array task. Submit with: sbatch ${shellQuote(join(dir, 'study.sbatch'))}`,
    `# Then, where the study's database lives: moduli study import ${shellQuote(dir)}`,
    `#SBATCH --job-name=moduli-${m.study.id}`,
    `#SBATCH --array=0-${n - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    `#SBATCH --mem=${o.memory}`,
    `#SBATCH --time=${o.time}`,
    `#SBATCH --output=${join(dir, 'logs', '%a.out')}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.gpus > 0 ? [`#SBATCH --gres=gpu:${o.gpus}`] : []),
    'set -euo pipefail',
    `DIR=${shellQuote(dir)}`,
    'I=${SLURM_ARRAY_TASK_ID}',
    'RUN_ID=$(sed -n "$((I + 1))p" "$DIR/run-ids.txt")',
    'RESULT="$DIR/results/$I.sqlite"',
    '# A requeued or repeated task whose run already finished does nothing; an unfinished one starts over.',
    'if [ -f "$DIR/results/$I.done" ]; then echo "task $I (run $RUN_ID) already finished"; exit 0; fi',
    'rm -f "$RESULT" "$RESULT-wal" "$RESULT-shm"',
    `${o.moduli} train --config "$DIR/configs/$I.json" --db "$RESULT" --run-id "$RUN_ID" --quiet`,
    'touch "$DIR/results/$I.done"',
    '',
  ];
  return lines.join('\n');
}

/** Writes configs/, run-ids.txt, manifest.json and study.sbatch; parks the exported runs as paused. */
export function exportSlurm(store: RunStore, studyIdOrPrefix: string, o: SlurmOptions): { dir: string; tasks: number; script: string } {
  const info = studyInfo(store, studyIdOrPrefix);
  const runs = studyConfigs(store, info.id).filter((r) => {
    if (!o.onlyUnfinished) return true;
    return store.getRun(r.id)?.status !== 'finished';
  });
  if (!runs.length) throw new Error(`study ${info.id} has no unfinished runs to export (use --all to export every run)`);
  const running = runs.filter((r) => store.getRun(r.id)?.status === 'running');
  if (running.length) throw new Error(`runs ${running.map((r) => r.id).join(', ')} are running here: pause or cancel them before exporting`);
  const dir = resolve(o.dir);
  for (const d of ['configs', 'results', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  const manifest: SlurmManifest = {
    format: 'moduli-workbench-slurm',
    version: 1,
    study: { id: info.id, name: info.name, spec: info.spec },
    tasks: runs.map((r, index) => ({ index, runId: r.id, cell: r.cell, seed: r.seed })),
  };
  // Re-exporting into the same folder replaces its own files; a database there is never written.
  const guard = { overwrite: true, protect: [store.path] };
  runs.forEach((r, i) => writeOutputFile(join(dir, 'configs', `${i}.json`), JSON.stringify(r.config, null, 2) + '\n', guard));
  writeOutputFile(join(dir, 'run-ids.txt'), runs.map((r) => r.id).join('\n') + '\n', guard);
  writeOutputFile(join(dir, SLURM_MANIFEST), JSON.stringify(manifest, null, 2) + '\n', guard);
  const script = join(dir, 'study.sbatch');
  writeOutputFile(script, slurmScript(manifest, o), guard);
  chmodSync(script, 0o755);
  store.studies.park(
    runs.map((r) => r.id),
    `exported to Slurm (${dir}); merge with \`moduli study import\``,
  );
  return { dir, tasks: runs.length, script };
}

export interface ImportSummary {
  imported: string[];
  alreadyPresent: string[];
  missing: string[];
  unfinished: string[];
}

/**
 * Merges finished array-task results into the study's database. Idempotent: runs already finished here are
 * left alone; a placeholder (queued/paused/failed) is replaced by the cluster's run in one transaction.
 */
export function importSlurmResults(store: RunStore, dirInput: string): ImportSummary {
  const dir = resolve(dirInput);
  const manifestPath = join(dir, SLURM_MANIFEST);
  if (!existsSync(manifestPath)) throw new Error(`${dir} has no ${SLURM_MANIFEST}: not a folder written by \`moduli study export-slurm\``);
  let manifest: SlurmManifest;
  try {
    manifest = Manifest.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  } catch (e) {
    throw new Error(`${manifestPath} is not a valid Slurm manifest: ${(e as Error).message}`);
  }
  // Importing into another database: bring the study along.
  if (!store.studies.exists(manifest.study.id)) store.studies.insert(manifest.study.id, manifest.study.name, manifest.study.spec);
  const summary: ImportSummary = { imported: [], alreadyPresent: [], missing: [], unfinished: [] };
  const resultFiles = new Set(readdirSync(join(dir, 'results')));
  for (const t of manifest.tasks) {
    const here = store.getRun(t.runId);
    if (here?.status === 'finished') {
      summary.alreadyPresent.push(t.runId);
      continue;
    }
    if (!resultFiles.has(`${t.index}.sqlite`)) {
      summary.missing.push(t.runId);
      continue;
    }
    const remote = RunStore.open(join(dir, 'results', `${t.index}.sqlite`));
    let bytes: Buffer;
    try {
      const run = remote.getRun(t.runId);
      if (!run || run.status !== 'finished') {
        summary.unfinished.push(t.runId);
        continue;
      }
      ExperimentConfig.parse(run.config);
      bytes = exportBundle(remote, [t.runId]);
    } finally {
      remote.close();
    }
    store.transaction(() => {
      if (here) store.deleteRun(t.runId);
      importBundle(store, bytes);
      store.studies.assignRun(t.runId, manifest.study.id, t.cell);
    });
    summary.imported.push(t.runId);
  }
  return summary;
}
