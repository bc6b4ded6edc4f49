// The renderer's only way to the backend. Web mode: HTTP POST /api/<method> and a server-sent event stream,
// both with the token as a bearer header (web-token.ts); the desktop app: the same interface over the
// preload (IPC).
import type { ApiArgs, ApiMethod, ApiResult, ClientEvent, OnWire } from '../../../src-main/api/contract';
import { takeTokenFromUrl, webToken } from './web-token';

/** A live event as the renderer receives it: the server's own type (api/client-events.ts), typed arrays as on the wire. */
export type LiveEvent = OnWire<ClientEvent>;

export interface WorkbenchClient {
  /** Typed end to end: arguments by the method's schema, the result by its implementation (api/contract.ts). */
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>>;
  subscribe(cb: (e: LiveEvent) => void): () => void;
  /** Connection state of the live stream: false while the server is unreachable (it reconnects by itself). */
  onConnection(cb: (connected: boolean) => void): () => void;
}

export class ApiError extends Error {}

/** How long the live stream waits before reconnecting after it dropped (the server restarts, say). */
const RETRY_MS = 2000;

/**
 * Reads `text/event-stream` from a fetch response (EventSource cannot send an Authorization header) and
 * calls `onData` with each event's data; resolves when the stream ends.
 */
async function readEventStream(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''));
      if (data.length) onData(data.join('\n'));
    }
  }
}

export function httpClient(base = ''): WorkbenchClient {
  const listeners = new Set<(e: LiveEvent) => void>();
  const connection = new Set<(connected: boolean) => void>();
  let stream: AbortController | null = null;
  const headers = (): Record<string, string> => {
    const token = webToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  };

  /** Keeps one event stream open while anyone listens, reconnecting after RETRY_MS when it drops. */
  async function follow(abort: AbortController): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${base}/api/events`, { headers: headers(), signal: abort.signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        connection.forEach((c) => c(true));
        await readEventStream(res.body, (data) => {
          const e = JSON.parse(data) as LiveEvent;
          for (const l of listeners) l(e);
        });
      } catch {
        if (abort.signal.aborted) return;
      }
      connection.forEach((c) => c(false));
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  return {
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers() },
        body: JSON.stringify(args),
        credentials: 'omit',
      });
      const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { result?: ApiResult<M>; error?: string };
      if (!res.ok) throw new ApiError(body.error ?? `HTTP ${res.status}`);
      return body.result as ApiResult<M>;
    },
    subscribe(cb) {
      listeners.add(cb);
      if (!stream) {
        stream = new AbortController();
        void follow(stream);
      }
      return () => {
        listeners.delete(cb);
        if (!listeners.size && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
    onConnection(cb) {
      connection.add(cb);
      return () => connection.delete(cb);
    },
  };
}

/** The desktop app: the preload's `window.moduli` (IPC, validated in the main process). */
interface PreloadBridge {
  call(method: ApiMethod, ...args: unknown[]): Promise<unknown>;
  onEvent(cb: (e: unknown) => void): () => void;
}

export function ipcClient(bridge: PreloadBridge): WorkbenchClient {
  return {
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      try {
        return (await bridge.call(method, ...args)) as ApiResult<M>;
      } catch (e) {
        // Electron prefixes "Error invoking remote method 'moduli:api': Error: "; keep the message itself.
        throw new ApiError(String((e as Error).message).replace(/^Error invoking remote method '[^']+': (Error: )?/, ''));
      }
    },
    subscribe: (cb) => bridge.onEvent((e) => cb(e as LiveEvent)),
    // IPC to the app's own main process does not drop.
    onConnection: () => () => {},
  };
}

const bridge = (globalThis as { moduli?: Partial<PreloadBridge> }).moduli;
const desktop = Boolean(bridge?.call && bridge.onEvent);
if (!desktop && typeof location !== 'undefined') takeTokenFromUrl();
export const client: WorkbenchClient = desktop ? ipcClient(bridge as PreloadBridge) : httpClient();
