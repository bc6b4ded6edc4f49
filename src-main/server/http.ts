// Web mode: the same renderer and API over HTTP, for lab servers without a display.
// Binds to 127.0.0.1 by default and requires a token on every request: the printed URL carries it once
// (?token=…), which sets an HttpOnly SameSite=Strict cookie and redirects to a clean URL.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eventForClient } from '../api/client-events';
import { ApiValidationError, isApiMethod } from '../api/methods';
import type { WorkbenchService } from '../api/service';
import type { FanOut } from '../jobs/fanout';
import type { RunnerEvent } from '../jobs/runner';

export interface ServerOptions {
  service: WorkbenchService;
  events: FanOut<RunnerEvent>;
  /** Folder with the built renderer (index.html); absent → API only. */
  staticDir?: string;
  host?: string;
  port?: number;
  /** null disables the token (only with an explicit --no-token). */
  token?: string | null;
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2' };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const MAX_BODY = 8 * 2 ** 20;

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** JSON with typed arrays as plain arrays (snapshots, embedding orders). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
}


function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)moduli_token=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]) : null;
}

export function startServer(opts: ServerOptions): Promise<{ server: Server; url: string; token: string | null; close: () => Promise<void> }> {
  const token = opts.token === undefined ? newToken() : opts.token;
  const host = opts.host ?? '127.0.0.1';
  const staticRoot = opts.staticDir && existsSync(join(opts.staticDir, 'index.html')) ? resolve(opts.staticDir) : null;

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // DNS-rebinding guard: on loopback, only loopback Host headers.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (LOOPBACK.has(host) && !LOOPBACK.has(hostHeader)) return send(res, 403, toJson({ error: `host '${hostHeader}' not allowed` }));

    if (token) {
      const given = url.searchParams.get('token');
      if (given && req.method === 'GET' && sameToken(given, token)) {
        url.searchParams.delete('token');
        res.writeHead(303, { 'Set-Cookie': `moduli_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname + url.search });
        return res.end();
      }
      const presented = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? cookieToken(req);
      if (!presented || !sameToken(presented, token)) return send(res, 401, toJson({ error: 'missing or wrong token: open the URL that `moduli serve` printed' }));
    }

    try {
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        const sub = opts.events.subscribe((e) => {
          res.write(`data: ${toJson(eventForClient(e))}\n\n`);
        }, 2000);
        req.on('close', () => sub.unsubscribe());
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        const method = url.pathname.slice(5);
        if (req.method !== 'POST') return send(res, 405, toJson({ error: 'API calls are POST' }));
        if (!isApiMethod(method)) return send(res, 404, toJson({ error: `unknown API method '${method}'` }));
        let size = 0;
        const chunks: Buffer[] = [];
        for await (const c of req) {
          size += (c as Buffer).length;
          if (size > MAX_BODY) return send(res, 413, toJson({ error: 'request too large' }));
          chunks.push(c as Buffer);
        }
        let args: unknown;
        try {
          args = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : [];
        } catch {
          return send(res, 400, toJson({ error: 'request body is not JSON (expected an array of arguments)' }));
        }
        try {
          const result = await opts.service.call(method, args);
          return send(res, 200, toJson({ result: result ?? null }));
        } catch (e) {
          const status = e instanceof ApiValidationError ? 400 : 500;
          return send(res, status, toJson({ error: (e as Error).message }));
        }
      }
      if (!staticRoot) return send(res, 404, toJson({ error: 'no renderer build: run `npm run build` first (the API is available)' }));
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
      let file = resolve(staticRoot, rel);
      if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return send(res, 403, toJson({ error: 'forbidden' }));
      if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html');
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
      createReadStream(file).pipe(res);
    } catch (e) {
      send(res, 500, toJson({ error: (e as Error).message }));
    }
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`;
      resolvePromise({
        server,
        url,
        token,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
