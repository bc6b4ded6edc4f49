// Hostile and careless input against a real `moduli serve` server (loopback, real SQLite, real workers):
// every request gets an HTTP answer, the process never exits, nothing leaks into Object.prototype.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS } from '../../src-main/api/methods';
import { createService } from '../../src-main/api/service';
import { buildBandOption } from '../../src-main/charts/band-option';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { startServer } from '../../src-main/server/http';
import { RunStore } from '../../src-main/store/run-store';

const dir = mkdtempSync(join(tmpdir(), 'harden-'));
const web = join(dir, 'web');
mkdirSync(web);
writeFileSync(join(web, 'index.html'), '<!doctype html><title>Moduli Workbench</title>');
// A file that exists and opens but fails on read (EIO): the static server must answer, not crash.
symlinkSync('/proc/self/mem', join(web, 'broken.js'));

let store: RunStore;
let runner: JobRunner;
let server: Awaited<ReturnType<typeof startServer>>;
let base: string;
let port: number;

beforeAll(async () => {
  store = RunStore.open(join(dir, 'runs.sqlite'));
  runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, metricsEvery: 1 });
  server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: web, port: 0 });
  base = new URL(server.url).origin;
  port = Number(new URL(base).port);
});

afterAll(async () => {
  await runner.waitAll();
  runner.dispose();
  await server.close();
  store.close();
});

const auth = () => ({ Authorization: `Bearer ${server.token}` });
const api = (method: string, args: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth(), ...headers },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (r: Response): Promise<any> => r.json();

async function alive(): Promise<void> {
  const r = await api('listRuns', [{}]);
  expect(r.status).toBe(200);
  expect(({} as Record<string, unknown>).limit).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

/** Raw requests on one keep-alive socket, in order. */
function onOneSocket(
  reqs: Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }>,
): Promise<Array<{ status: number; error?: string }>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = (r: (typeof reqs)[number]) =>
    new Promise<{ status: number; error?: string }>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, method: r.method, path: r.path, agent, headers: { Host: `127.0.0.1:${port}`, ...auth(), ...(r.headers ?? {}) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', (e) => resolve({ status: 0, error: e.message }));
      if (r.body) req.write(r.body);
      req.end();
    });
  return reqs
    .reduce(async (acc, r) => [...(await acc), await one(r)], Promise.resolve([] as Array<{ status: number; error?: string }>))
    .finally(() => agent.destroy());
}

describe('server hardening', () => {
  it('a malformed token cookie or header is a 401, not a crash (no auth needed to send it)', async () => {
    const r = await fetch(`${base}/api/listRuns`, {
      method: 'POST',
      headers: { Authorization: 'Bearer %E0%A4%A x', 'Content-Type': 'application/json' },
      body: '[{}]',
    });
    expect(r.status).toBe(401);
    const r2 = await fetch(`${base}/api/listRuns`, { method: 'POST', headers: { Cookie: 'moduli_token=%', 'Content-Type': 'application/json' }, body: '[{}]' });
    expect(r2.status).toBe(401);
    await alive();
  });

  it('undecodable paths and unreadable files are answered (400/500), never a process exit', async () => {
    expect((await fetch(`${base}/%E0%A4%A`, { headers: auth() })).status).toBe(400);
    const broken = await fetch(`${base}/broken.js`, { headers: auth() });
    expect(broken.status).toBe(500);
    expect((await json(broken)).error).toMatch(/could not read/);
    await alive();
  });

  it('keep-alive survives a 413, a 405 and a 415 whose bodies were not read', async () => {
    const big = 'x'.repeat(9 * 2 ** 20);
    const results = await onOneSocket([
      { method: 'POST', path: '/api/listRuns', headers: { 'Content-Type': 'application/json' }, body: big },
      { method: 'GET', path: '/api/listRuns' },
      { method: 'PUT', path: '/api/listRuns', headers: { 'Content-Type': 'application/json' }, body: '[{}]' },
      { method: 'POST', path: '/api/listRuns', headers: { 'Content-Type': 'text/plain' }, body: '[{}]' },
      { method: 'POST', path: '/api/listRuns', headers: { 'Content-Type': 'application/json' }, body: '[{}]' },
    ]);
    expect(results.map((r) => r.status)).toEqual([413, 405, 405, 415, 200]);
  });

  it('refuses state-changing requests from other origins and non-JSON bodies (no-cors text/plain)', async () => {
    const cross = await api('listRuns', [{}], { Origin: 'http://127.0.0.1:9999' });
    expect(cross.status).toBe(403);
    const sameSite = await api('listRuns', [{}], { 'Sec-Fetch-Site': 'same-site' });
    expect(sameSite.status).toBe(403);
    const plain = await fetch(`${base}/api/listRuns`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...auth() }, body: '[{}]' });
    expect(plain.status).toBe(415);
    const own = await api('listRuns', [{}], { Origin: base, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
  });

  it('prototype keys in study axes, arms and bases are refused and pollute nothing', async () => {
    const base = { task: { task: 'adding' } };
    for (const spec of [
      { name: 'p', base, axes: { '__proto__.limit': [1] } },
      { name: 'p', base, axes: { 'constructor.prototype.limit': [1] } },
      { name: 'p', base, arms: [{ name: 'a', overrides: { '__proto__.polluted': true } }] },
      JSON.parse('{"name":"p","base":{"task":{"task":"adding"},"__proto__":{"limit":1}}}'),
      { name: 'p', base: { task: { task: 'adding', hiddne: 256 } } },
    ]) {
      const r = await api('createStudy', [spec]);
      expect(r.status, JSON.stringify(spec)).toBe(400);
    }
    const typo = await json(await api('createStudy', [{ name: 'p', base, axes: { 'task.hiddne': [8] } }]));
    expect(typo.error).toMatch(/unknown config path 'task\.hiddne'; did you mean 'task\.hidden'/);
    await alive();
  });

  it('caps the size of a study before expanding it, stating the cap', async () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const r = await api('createStudy', [
      { name: 'huge', base: { task: { task: 'adding' } }, axes: { 'task.hidden': values, 'task.batchSize': values, 'task.epochs': values } },
    ]);
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatch(/3000000 runs; at most 2000 runs per study/);
    await alive();
  });

  it('the API validates seeds with the worker’s schema (2^31 is refused before a run exists)', async () => {
    const before = store.listRuns({}).length;
    const r = await api('startRuns', [{ config: { task: { task: 'adding' } }, seeds: [2147483648] }]);
    expect(r.status).toBe(400);
    expect(store.listRuns({}).length).toBe(before);
  });

  it('refuses a run whose estimated memory exceeds the limit, with the estimate', async () => {
    const r = await api('startRuns', [{ config: { task: { task: 'navigation', hidden: 100000 } } }]);
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatch(/needs about [\d.]+ GB of memory .* more than the limit of [\d.]+ GB/);
  });

  it('unknown runs are 404; cancelling a finished run is 409 and leaves it finished', async () => {
    expect((await api('cancelRun', ['nosuchrun'])).status).toBe(404);
    expect((await api('getRun', ['nosuchrun'])).status).toBe(404);
    expect((await api('noteRun', ['nosuchrun', 'x'])).status).toBe(404);
    expect((await api('snapshot', [999999])).status).toBe(404);
    const id = store.createRun(
      { ...(await import('../../src-main/schema/experiment')).ExperimentConfig.parse({ task: { task: 'adding' } }) },
      { status: 'finished' },
    ).id;
    const r = await api('cancelRun', [id]);
    expect(r.status).toBe(409);
    expect(store.getRun(id)!.status).toBe('finished');
    expect((await api('pauseRun', [id])).status).toBe(409);
  });

  it('geometry for a paper-size run is computed off the event loop: the server answers meanwhile', async () => {
    const { ExperimentConfig } = await import('../../src-main/schema/experiment');
    const id = store.createRun(ExperimentConfig.parse({ task: { task: 'navigation', hidden: 4096 } }), { status: 'finished' }).id;
    const geometry = api('runGeometry', [id, 0]);
    // While the worker computes, ordinary calls are answered at once.
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await alive();
    expect(Date.now() - t0).toBeLessThan(2000);
    const g = await json(await geometry);
    expect(g.result.n).toBe(4096);
    expect(g.result.C).toBeNull();
    expect(g.result.order).toHaveLength(4096);
  });

  it('structure of a large pruned matrix is measured off the event loop too', async () => {
    const { ExperimentConfig } = await import('../../src-main/schema/experiment');
    const n = 2048;
    const id = store.createRun(ExperimentConfig.parse({ task: { task: 'navigation', hidden: n } }), { status: 'finished' }).id;
    const weights = new Float32Array(n * n).map((_, k) => (k % 10 === 0 ? 1 : 0));
    store.addSnapshot(id, {
      phase: 'train',
      epoch: 0,
      step: 1,
      matrix: 'W_hh',
      rows: n,
      cols: n,
      gates: 1,
      weights,
      mask: null,
      order: Int32Array.from({ length: n }, (_, i) => i),
    });
    const structure = api('runStructure', [id]);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await alive();
    expect(Date.now() - t0).toBeLessThan(2000);
    const s = await json(await structure);
    expect(s.result[0].kept).toBe(Math.ceil((n * n) / 10));
  });

  it('fuzz: every API method with hostile bodies gets an answer; the server stays up and Object.prototype clean', async () => {
    const deep = (d: number): unknown => (d === 0 ? 1 : { a: deep(d - 1) });
    const hostile: unknown[] = [
      '{"__proto__":{"polluted":1}}',
      '[{"__proto__":{"polluted":1}}]',
      '[{"constructor":{"prototype":{"polluted":1}}}]',
      [Array.from({ length: 200000 }, (_, i) => i)],
      [deep(2000)],
      '[NaN, Infinity]',
      '[1e309, -0]',
      [null, null, null],
      ['x'.repeat(100000)],
      [{ runIds: Array(1000).fill('a'), name: 'loss', maxPoints: 1e9 }],
      [{ spec: { space: 'torus' }, n: 1e9, seed: -1 }],
      [{ config: { task: { task: 'navigation', hidden: 1e12 } }, seeds: [1] }],
      [{ name: 'x', base: {}, seeds: [-1] }],
      '"just a string"',
      '',
      'not json',
      [true, false, {}, []],
    ];
    for (const method of Object.keys(API_METHODS)) {
      for (const body of hostile) {
        const r = await api(method, typeof body === 'string' ? body : JSON.stringify(body));
        const what = `${method} answered ${r.status} to ${String(body).slice(0, 60)}: ${(await r.clone().text()).slice(0, 200)}`;
        // A defined answer: done, bad request, no such object, conflict, too large — never a server error.
        expect([200, 400, 404, 409, 413], what).toContain(r.status);
        // A body that is not a JSON array of arguments is a bad request for every method (empty: no arguments).
        if (typeof body === 'string' && body !== '' && !body.trimStart().startsWith('[')) expect(r.status, what).toBe(400);
        await r.arrayBuffer();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await alive();
  });

  it('tooltips escape user strings (arm and cell names)', () => {
    const option = buildBandOption([{ cell: '<img src=x onerror=alert(1)>', x: [1], mean: [2], std: [0.1], n: [3] }], {
      title: 't',
      xName: '<b>x</b>',
      yName: 'y',
      dark: false,
    }) as {
      tooltip: { formatter: (p: unknown) => string };
    };
    const html = option.tooltip.formatter({ seriesName: '<img src=x onerror=alert(1)>', data: [1, 2, 0.1, 3] });
    expect(html).not.toMatch(/<img|<b>/);
    expect(html).toMatch(/&lt;img src=x onerror=alert\(1\)&gt;/);
    expect(option.tooltip.formatter({ seriesName: '<script>', data: [] })).toBe('&lt;script&gt;');
  });
});
