// Web mode against a real server on a loopback port, a real SQLite file and real worker processes.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src-main/api/service';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { startServer } from '../../src-main/server/http';
import { RunStore } from '../../src-main/store/run-store';

const dir = mkdtempSync(join(tmpdir(), 'serve-'));
const web = join(dir, 'web');
mkdirSync(web);
writeFileSync(join(web, 'index.html'), '<!doctype html><title>Moduli Workbench</title>');
writeFileSync(join(dir, 'secret.txt'), 'do not serve');

let store: RunStore;
let runner: JobRunner;
let server: Awaited<ReturnType<typeof startServer>>;
let base: string;

beforeAll(async () => {
  store = RunStore.open(join(dir, 'runs.sqlite'));
  runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, metricsEvery: 1 });
  server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: web, port: 0 });
  base = new URL(server.url).origin;
});

afterAll(async () => {
  // Runs started through the API must finish writing before the database closes.
  await runner.waitAll();
  await server.close();
  store.close();
});

const auth = () => ({ Authorization: `Bearer ${server.token}` });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (r: Response): Promise<any> => r.json();
const api = (method: string, args: unknown[], headers: Record<string, string> = auth()) =>
  fetch(`${base}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });

/** A GET with the raw path and headers as given (fetch would normalise both). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('moduli serve', () => {
  it('binds to 127.0.0.1 and prints a URL carrying the token in the fragment (never sent to a server)', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  });

  it('API calls need the bearer token; the page itself (no secret in it) loads without one', async () => {
    expect((await api('listRuns', [{}], {})).status).toBe(401);
    expect((await api('listRuns', [{}], { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await api('listRuns', [{}])).status).toBe(200);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toMatch(/Moduli Workbench/);
  });

  it('the credential never travels as a cookie: a cookie holding the token is refused, and none is ever set', async () => {
    // Browsers send a cookie for 127.0.0.1 to every port of 127.0.0.1, so another local server could replay it.
    const cookie = `moduli_token=${server.token}`;
    expect((await api('listRuns', [{}], { Cookie: cookie })).status).toBe(401);
    expect((await fetch(`${base}/api/events`, { headers: { Cookie: cookie } })).status).toBe(401);
    for (const path of ['/', `/?token=${server.token}`, `/#token=${server.token}`]) {
      const r = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(r.headers.get('set-cookie') ?? '').not.toContain(server.token!);
    }
    const r = await api('listRuns', [{}]);
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it("an older version's ?token= URL moves the token into the fragment and expires the old cookie", async () => {
    const r = await fetch(`${base}/?token=${server.token}`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/#token=${server.token}`);
    expect(r.headers.get('set-cookie')).toMatch(/^moduli_token=; Max-Age=0/);
  });

  it('validates API arguments with the shared schemas', async () => {
    const bad = await api('startRuns', [{ config: { task: { task: 'adding', hidden: -1 } } }]);
    expect(bad.status).toBe(400);
    expect((await body(bad)).error).toMatch(/startRuns: argument 0\.config\.task\.hidden/);
    expect((await api('noSuchMethod', [])).status).toBe(404);
  });

  it('refuses path traversal and foreign Host headers', async () => {
    for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      const r = await rawGet(path, { ...auth(), Host: '127.0.0.1' });
      expect(r.body, path).not.toMatch(/do not serve/);
    }
    expect((await rawGet('/', { ...auth(), Host: 'evil.example' })).status).toBe(403);
  });

  it('starts runs through the API and streams their events over SSE', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const stream = fetch(`${base}/api/events`, { headers: auth(), signal: controller.signal }).then(async (res) => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const line of decoder.decode(value).split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)).type);
        if (events.includes('finished')) return;
      }
    });
    const config = {
      backend: 'wasm',
      task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: 160, batchSize: 16, epochs: 2, stabiliserEpochs: 0, testSamples: 32 },
    };
    const started = await api('startRuns', [{ config, seeds: [1, 2] }]);
    expect(started.status).toBe(200);
    const ids: string[] = (await body(started)).result;
    expect(ids).toHaveLength(2);
    await Promise.race([stream, new Promise((r) => setTimeout(r, 60000))]);
    controller.abort();
    expect(events).toContain('started');
    expect(events).toContain('metrics');
    const list = (await body(await api('listRuns', [{}]))).result;
    expect(list.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    const preview = (await body(await api('previewPenalty', [{ spec: { space: 'torus' }, n: 16 }]))).result;
    expect(preview.C).toHaveLength(256);
  });
});

describe('persistent token', () => {
  it('is kept per installation across restarts, owner-readable only, and replaced by rotation', async () => {
    const { persistentToken } = await import('../../src-main/server/token');
    const { statSync } = await import('node:fs');
    const file = join(dir, 'state', 'web-token');
    const first = persistentToken(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(persistentToken(file)).toEqual({ token: first.token, created: false });
    const rotated = persistentToken(file, true);
    expect(rotated.token).not.toBe(first.token);
    // Anything but a token is never overwritten: a mistyped --token-file must not destroy a file.
    writeFileSync(file, 'garbage');
    expect(() => persistentToken(file)).toThrow(/holds something else/);
    const db = join(dir, 'runs.sqlite');
    const before = readFileSync(db);
    expect(() => persistentToken(db, true, [db])).toThrow(/holds something else|database/);
    expect(readFileSync(db).subarray(0, 16).equals(before.subarray(0, 16))).toBe(true);
  });

  it('a token a browser stored before a restart works with the restarted server', async () => {
    const { persistentToken } = await import('../../src-main/server/token');
    const file = join(dir, 'state2', 'web-token');
    const service = createService(store, runner);
    const a = await startServer({ service, events: runner.events, staticDir: web, port: 0, token: persistentToken(file).token });
    const stored = new URL(a.url).hash.replace('#token=', '');
    await a.close();
    const b = await startServer({ service, events: runner.events, staticDir: web, port: 0, token: persistentToken(file).token });
    const r = await fetch(`${new URL(b.url).origin}/api/listRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${stored}` },
      body: '[{}]',
    });
    expect(r.status).toBe(200);
    await b.close();
  });
});

describe('network exposure', () => {
  it('refuses to serve without a token on anything but loopback', async () => {
    const service = createService(store, runner);
    await expect(startServer({ service, events: runner.events, staticDir: web, port: 0, host: '0.0.0.0', token: null })).rejects.toThrow(/without a token/);
    const local = await startServer({ service, events: runner.events, staticDir: web, port: 0, host: '127.0.0.1', token: null });
    await local.close();
  });

  it('on a network address the Host header must be an IP, this machine or an allowed name (DNS rebinding)', async () => {
    const { hostAllowed } = await import('../../src-main/server/http');
    const { hostname } = await import('node:os');
    expect(hostAllowed('0.0.0.0', 'evil.example:7878')).toBe(false);
    expect(hostAllowed('0.0.0.0', '10.1.2.3:7878')).toBe(true);
    expect(hostAllowed('0.0.0.0', '[fe80::1]:7878')).toBe(true);
    expect(hostAllowed('0.0.0.0', `${hostname()}:7878`)).toBe(true);
    expect(hostAllowed('0.0.0.0', 'lab.example:7878', ['lab.example'])).toBe(true);
    expect(hostAllowed('127.0.0.1', '10.1.2.3:7878')).toBe(false);
    expect(hostAllowed('127.0.0.1', 'localhost:7878')).toBe(true);
    const service = createService(store, runner);
    const open = await startServer({ service, events: runner.events, staticDir: web, port: 0, host: '0.0.0.0' });
    const port = new URL(open.url).port;
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(`rebound.attacker.example:${port}`)).toBe(403);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    await open.close();
  });
});
