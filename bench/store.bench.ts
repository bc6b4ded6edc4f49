// Store benchmark: metric insert throughput, and series query latency with 10^6 metric rows in the database.
// Prints one JSON line per measurement. Run: npm run bench:store
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentConfig } from '../src-main/schema/experiment';
import { RunStore } from '../src-main/store/run-store';

const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
const store = RunStore.open(join(dir, 'bench.sqlite'));
const config = ExperimentConfig.parse({ task: { task: 'adding' } });
const RUNS = 20;
const STEPS = 10000;
const NAMES = ['loss', 'task_loss', 'penalty', 'grad_norm', 'learning_rate'];

let rows = 0;
const t0 = performance.now();
const ids: string[] = [];
for (let r = 0; r < RUNS; r++) {
  const id = store.createRun(config, { status: 'finished' }).id;
  ids.push(id);
  // Batches as the recorder writes them (≤ 2000 rows per transaction).
  for (let s = 0; s < STEPS; s += 400) {
    const batch = [];
    for (let k = s; k < s + 400; k++) for (const name of NAMES) batch.push({ name, step: k, value: Math.exp(-k / 3000) + 0.01 * Math.sin(k), phase: 'train' });
    store.appendMetrics(id, batch);
    rows += batch.length;
  }
}
const insertMs = performance.now() - t0;
console.log(JSON.stringify({ bench: 'metric_insert', rows, seconds: +(insertMs / 1000).toFixed(2), rowsPerSecond: Math.round(rows / (insertMs / 1000)) }));

for (const maxPoints of [500, 2000]) {
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    store.series(ids[i % RUNS], 'loss', maxPoints);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({ bench: 'series_query', dbRows: rows, seriesPoints: STEPS, maxPoints, medianMs: +times[15].toFixed(2), p95Ms: +times[28].toFixed(2) }),
  );
}
const t = performance.now();
store.listRuns({ limit: 500 });
console.log(JSON.stringify({ bench: 'list_runs', runs: RUNS, ms: +(performance.now() - t).toFixed(2) }));
store.close();
rmSync(dir, { recursive: true, force: true });
