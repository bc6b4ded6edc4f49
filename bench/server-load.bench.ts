// Server under load (bounded, loopback only): p50/p95 latency of API calls and of SSE delivery while two runs
// train in worker processes, and the server process's RSS before and after. Prints one JSON line per
// measurement. Run: npm run bench:load [-- --seconds 20 --clients 4]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../src-main/api/service';
import { nodeForkHost } from '../src-main/jobs/host';
import { JobRunner } from '../src-main/jobs/runner';
import { startServer } from '../src-main/server/http';
import { RunStore } from '../src-main/store/run-store';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = Math.min(120, arg('seconds', 20));
const CLIENTS = Math.min(16, arg('clients', 4));

const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
mkdirSync(join(dir, 'web'));
writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html>');
const store = RunStore.open(join(dir, 'load.sqlite'));
const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 2, metricsEvery: 1 });
const server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: join(dir, 'web'), port: 0, host: '127.0.0.1' });
const base = server.url.split('?')[0].replace(/\/$/, '');
const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` };
const call = async (method: string, args: unknown[]) => {
  const r = await fetch(`${base}/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args) });
  if (!r.ok) throw new Error(`${method}: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { result: unknown }).result;
};
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2)) : null;
};

const rssBefore = mb();
const config = {
  backend: 'wasm',
  task: { task: 'adding', sequenceLength: 20, hidden: 64, samplesPerEpoch: 32 * 2000, batchSize: 32, epochs: 50, stabiliserEpochs: 0, testSamples: 256 },
};
const ids = (await call('startRuns', [{ config, seeds: [1, 2] }])) as string[];
// Wait until both train, so the load meets a busy machine.
for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 200))) {
  if (store.listRuns({ status: ['running'] }).filter((r) => r.progressStep > 0).length === 2) break;
}

// SSE: probe events published into the server's fan-out carry their publish time; delivery = receipt − publish.
const sseLatencies: number[] = [];
let sseEvents = 0;
const controller = new AbortController();
const sse = fetch(`${base}/api/events`, { headers, signal: controller.signal })
  .then(async (res) => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      const parts = buf.split('\n\n');
      buf = parts.pop()!;
      for (const p of parts) {
        if (!p.startsWith('data: ')) continue;
        sseEvents++;
        const e = JSON.parse(p.slice(6)) as { type: string; t?: number };
        if (e.type === 'probe' && e.t) sseLatencies.push(performance.now() + performance.timeOrigin - e.t);
      }
    }
  })
  .catch(() => {});
const probe = setInterval(() => runner.events.publish({ runId: 'probe', type: 'probe', t: performance.now() + performance.timeOrigin }), 100);

const latencies: Record<string, number[]> = { listRuns: [], getRun: [], series: [], snapshots: [] };
let errors = 0;
const deadline = Date.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const which = (['listRuns', 'getRun', 'series', 'snapshots'] as const)[(i + c) % 4];
      const args = which === 'listRuns' ? [{}] : which === 'series' ? [{ runId: ids[i % 2], name: 'loss', maxPoints: 2000 }] : [ids[i % 2]];
      const t0 = performance.now();
      try {
        await call(which, args);
        latencies[which].push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }),
);
clearInterval(probe);
controller.abort();
await sse;
const progress = store.listRuns({}).map((r) => r.progressStep);
await call('cancelRun', [ids[0]]).catch(() => {});
await call('cancelRun', [ids[1]]).catch(() => {});
await runner.waitAll();
const rssAfter = mb();

const all = Object.values(latencies).flat();
const line = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
for (const [method, xs] of Object.entries(latencies)) line({ bench: 'api', method, calls: xs.length, p50ms: pct(xs, 0.5), p95ms: pct(xs, 0.95) });
line({
  bench: 'api',
  method: 'all',
  calls: all.length,
  callsPerSec: Number((all.length / SECONDS).toFixed(1)),
  p50ms: pct(all, 0.5),
  p95ms: pct(all, 0.95),
  errors,
  clients: CLIENTS,
  seconds: SECONDS,
});
line({ bench: 'sse', probes: sseLatencies.length, events: sseEvents, p50ms: pct(sseLatencies, 0.5), p95ms: pct(sseLatencies, 0.95) });
line({ bench: 'rss', beforeMB: rssBefore, afterMB: rssAfter, trainingSteps: progress });
runner.dispose();
await server.close();
store.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
