// Web mode: the same renderer and API over HTTP, for lab servers without a display.
// Binds to 127.0.0.1 by default and requires a token on every request: the printed URL carries it once
// (?token=…), which sets an HttpOnly SameSite=Strict cookie and redirects to a clean URL.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eventForClient } from '../api/client-events';
import { ApiValidationError, isApiMethod } from '../api/methods';
import type { WorkbenchService } from '../api/service';
import type { FanOut } from '../jobs/fanout';
import type { RunnerEvent } from '../jobs/runner';
import { ConflictError, NotFoundError, StorageFullError } from '../store/errors';
import { ZodError } from 'zod';
import { InvalidInputError } from '../schema/errors';

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

/** The token cookie, or null when absent or not decodable (a malformed cookie is no token, never a crash). */
function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)moduli_token=([^;]+)/.exec(req.headers.cookie ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** An answer chosen before the request body was read: the HTTP layer's own refusals. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (e instanceof ApiValidationError || e instanceof URIError || e instanceof ZodError || e instanceof InvalidInputError) return 400;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof ConflictError) return 409;
  if (e instanceof StorageFullError) return 507;
  return 500;
}

/**
 * State-changing requests must come from the app's own page: a page on another port of 127.0.0.1 is
 * "same-site" and gets the SameSite=Strict cookie, but its Origin differs and browsers mark it
 * Sec-Fetch-Site: same-site. Clients without a browser (curl with the bearer token) send neither header.
 */
function checkOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) throw new HttpError(403, `request from origin '${origin}' refused`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new HttpError(413, `request too large (${declared} bytes; limit ${MAX_BODY})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request too large (limit ${MAX_BODY} bytes)`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function startServer(opts: ServerOptions): Promise<{ server: Server; url: string; token: string | null; close: () => Promise<void> }> {
  const token = opts.token === undefined ? newToken() : opts.token;
  const host = opts.host ?? '127.0.0.1';
  const staticRoot = opts.staticDir && existsSync(join(opts.staticDir, 'index.html')) ? resolve(opts.staticDir) : null;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string, type = 'application/json') => {
    const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    // An answer given before the request body was read to its end: the rest of the body would be parsed as
    // the next request on a keep-alive connection. Close the connection instead and discard what arrives.
    if (!req.complete) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
    if (!req.complete) req.resume();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // DNS-rebinding guard: on loopback, only loopback Host headers.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (LOOPBACK.has(host) && !LOOPBACK.has(hostHeader)) return send(req, res, 403, toJson({ error: `host '${hostHeader}' not allowed` }));

    if (token) {
      const given = url.searchParams.get('token');
      if (given && req.method === 'GET' && sameToken(given, token)) {
        url.searchParams.delete('token');
        res.writeHead(303, { 'Set-Cookie': `moduli_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname + url.search });
        return void res.end();
      }
      const presented = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? cookieToken(req);
      if (!presented || !sameToken(presented, token)) return send(req, res, 401, toJson({ error: 'missing or wrong token: open the URL that `moduli serve` printed' }));
    }

    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      // Browsers reconnect on their own after this many ms when the stream drops (server restart).
      res.write('retry: 2000\n: connected\n\n');
      const sub = opts.events.subscribe((e) => {
        if (!res.writableEnded && !res.destroyed) res.write(`data: ${toJson(eventForClient(e))}\n\n`);
      }, 2000);
      req.on('close', () => sub.unsubscribe());
      res.on('error', () => sub.unsubscribe());
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice(5);
      if (req.method !== 'POST') throw new HttpError(405, 'API calls are POST');
      if (!isApiMethod(method)) throw new HttpError(404, `unknown API method '${method}'`);
      checkOrigin(req);
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') throw new HttpError(415, `API calls need Content-Type: application/json (got '${type || 'none'}')`);
      const raw = await readBody(req);
      let args: unknown;
      try {
        args = raw.length ? JSON.parse(raw.toString('utf8')) : [];
      } catch {
        throw new HttpError(400, 'request body is not JSON (expected an array of arguments)');
      }
      const result = await opts.service.call(method, args);
      return send(req, res, 200, toJson({ result: result ?? null }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET serves files');
    if (!staticRoot) return send(req, res, 404, toJson({ error: 'no renderer build: run `npm run build` first (the API is available)' }));
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = resolve(staticRoot, rel);
    if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return send(req, res, 403, toJson({ error: 'forbidden' }));
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html');
    await serveFile(req, res, file);
  }

  /** Streams a file; a read error before the first byte is a 500, after it the connection is cut (never a crash). */
  function serveFile(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
    return new Promise((done) => {
      const stream = createReadStream(file);
      stream.once('error', (e) => {
        if (!res.headersSent) send(req, res, 500, toJson({ error: `could not read ${basename(file)}: ${e.message}` }));
        else res.destroy();
        done();
      });
      stream.once('readable', () => {
        if (res.headersSent) return;
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
        if (req.method === 'HEAD') {
          stream.destroy();
          res.end();
          return done();
        }
        stream.pipe(res);
        stream.once('end', () => done());
      });
    });
  }

  const server = createServer((req, res) => {
    res.on('error', () => {});
    // The top-level guard: whatever a handler throws becomes an HTTP answer; the process never exits for it.
    handle(req, res).catch((e: unknown) => {
      const status = statusOf(e);
      if (res.headersSent) return void res.destroy();
      const text = e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : ((e as Error)?.message ?? String(e));
      const message = status === 500 ? `internal error: ${text}` : text;
      send(req, res, status, toJson({ error: message }));
    });
  });
  // Malformed requests (bad headers, oversized header blocks) are answered by Node; a socket error must not throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
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
