// `moduli baselines`: what a configuration's metric can show before any training: the task's trivial baselines
// and, for navigation, the decoding floor (a perfect predictor through the same decoder), per seed. Study pages
// quote these numbers from this command.
import { Command } from 'commander';
import { parseSeedList } from '../../schema/run-name';
import { addExperimentOptions, buildConfig, type ConfigFlags } from '../config-input';
import { UsageError } from '../errors';
import { toTable } from '../format';

export function baselinesCommand(): Command {
  return addExperimentOptions(
    new Command('baselines').description("a configuration's trivial baselines and (navigation) decoding floor per seed, computed without training"),
  )
    .option('--seeds <list>', 'seeds, e.g. 1-6 or 1,2,5 (default: the config’s seed)')
    .option('--json', 'print JSON')
    .action(async (o: ConfigFlags & { seeds?: string; json?: boolean }) => {
      const config = buildConfig(o);
      let seeds: number[];
      try {
        seeds = o.seeds ? parseSeedList(o.seeds) : [config.seed];
      } catch (e) {
        throw new UsageError(`--seeds: ${(e as Error).message}`);
      }
      const [{ selectBackend }, { createTask }] = await Promise.all([import('../../engine/backend'), import('../../engine/tasks')]);
      await selectBackend('cpu');
      const rows = seeds.map((seed) => {
        const task = createTask({ ...config, seed }, 'init');
        try {
          return { seed, ...task.baselines() };
        } finally {
          task.dispose();
        }
      });
      if (o.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      process.stdout.write(
        toTable(
          keys,
          rows.map((r) => keys.map((k) => (k === 'seed' ? String(r.seed) : ((r as Record<string, number>)[k]?.toFixed(3) ?? '–')))),
        ),
      );
      if (rows.length > 1) {
        const means = keys.slice(1).map((k) => `${k} ${(rows.reduce((a, r) => a + (r as Record<string, number>)[k], 0) / rows.length).toFixed(3)}`);
        process.stdout.write(`mean over ${rows.length} seeds: ${means.join(', ')}\n`);
      }
    });
}
