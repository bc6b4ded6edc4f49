// Web mode: the same renderer and API over HTTP, for lab servers without a display.
// Binds to 127.0.0.1 by default and requires a token on every API request, as `Authorization: Bearer`.
// The printed URL carries it in the fragment (#token=…), which browsers never send to any server; the page
// keeps it in localStorage, which is scoped to this origin (scheme, host *and port*). No cookie: browsers
// scope cookies by host, not port, so a cookie for 127.0.0.1:7878 would reach every other local server.
// The page's own files (the built renderer) hold no secret and load without the token.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eventForClient } from '../api/client-events';
import { ApiValidationError, isApiMethod } from '../api/methods';
import type { WorkbenchService } from '../api/service';
import type { FanOut } from '../jobs/fanout';
import type { RunnerEvent } from '../jobs/runner';
import { ConflictError, isBusy, NotFoundError, StorageFullError } from '../store/errors';
import { ZodError } from 'zod';
import { InvalidInputError } from '../schema/errors';

export interface ServerOptions {
  service: WorkbenchService;
  events: FanOut<RunnerEvent>;
  /** Folder with the built renderer (index.html); absent → API only. */
  staticDir?: string;
  host?: string;
  port?: number;
  /** null disables the token (only with an explicit --no-token, and only on a loopback address). */
  token?: string | null;
  /** Host names (besides IP literals and this machine's name) that a non-loopback server answers to. */
  allowedHosts?: readonly string[];
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const LEGACY_COOKIE = 'moduli_token';

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * DNS-rebinding guard: the Host header must name this server, not a domain an attacker controls (a rebinding
 * page sends its own domain). On loopback only loopback names; on another address, IP literals, this
 * machine's name and the names given with --allow-host.
 */
export function hostAllowed(bound: string, hostHeader: string, extra: readonly string[] = []): boolean {
  const name = hostHeader.toLowerCase().replace(/:\d+$/, '');
  if (isLoopback(bound)) return isLoopback(name);
  if (isLoopback(name) || isIP(name.replace(/^\[|\]$/g, ''))) return true;
  const me = hostname().toLowerCase();
  return [me, `${me}.local`, ...extra.map((h) => h.toLowerCase())].includes(name);
}
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
  if (isBusy(e)) return 503;
  return 500;
}

/**
 * API calls must come from the app's own page (defence in depth behind the bearer token): a page on another
 * port of 127.0.0.1 is "same-site", but its Origin differs and browsers mark it Sec-Fetch-Site: same-site.
 * Clients without a browser (curl with the bearer token) send neither header.
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
  if (token === null && !isLoopback(host)) {
    return Promise.reject(
      new Error(`refusing to serve without a token on '${host}': every machine that can reach it would get the whole API (use a token, or bind to 127.0.0.1)`),
    );
  }
  const staticRoot = opts.staticDir && existsSync(join(opts.staticDir, 'index.html')) ? resolve(opts.staticDir) : null;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string, type = 'application/json') => {
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    // An answer given before the request body was read to its end: the rest of the body would be parsed as
    // the next request on a keep-alive connection. Close the connection instead and discard what arrives.
    if (!req.complete) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
    if (!req.complete) req.resume();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hostHeader = req.headers.host ?? '';
    if (!hostAllowed(host, hostHeader, opts.allowedHosts)) return send(req, res, 403, toJson({ error: `host '${hostHeader}' not allowed` }));

    // A URL of an older version (?token=…): move the token into the fragment, and expire the cookie those
    // versions set, so it stops travelling to other local servers.
    const legacy = url.searchParams.get('token');
    if (legacy !== null && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${LEGACY_COOKIE}=; Max-Age=0; Path=/`,
        Location: `${url.pathname}${url.search}#token=${encodeURIComponent(legacy)}`,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      return void res.end();
    }
    const isApi = url.pathname.startsWith('/api/');
    if (token && isApi) {
      // Only the header counts: a cookie (ours from an older version, or anyone's) is never a credential.
      const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!presented || !sameToken(presented, token))
        return send(req, res, 401, toJson({ error: 'missing or wrong token: open the URL that `moduli serve` printed' }));
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
    if (isApi) {
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
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': CSP,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        });
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
      const text =
        e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : ((e as Error)?.message ?? String(e));
      const message =
        status === 500 ? `internal error: ${text}` : status === 503 ? `the run database is locked by another process (${text}); try again in a moment` : text;
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
      const url = `http://${shownHost}:${port}/${token ? `#token=${token}` : ''}`;
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
