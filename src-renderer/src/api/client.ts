// The renderer's only way to the backend. Web mode: HTTP POST /api/<method> (the token travels as an
// HttpOnly cookie) and server-sent events; the desktop app: the same interface over the preload (IPC).
import type { ApiArgs, ApiMethod, ApiResult } from '../../../src-main/api/contract';

export interface LiveEvent {
  runId: string;
  type: string;
  status?: string;
  error?: string;
  event?: { type: string; step?: number; epoch?: number; phase?: string; values?: Record<string, number>; [k: string]: unknown };
}

export interface WorkbenchClient {
  /** Typed end to end: arguments by the method's schema, the result by its implementation (api/contract.ts). */
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>>;
  subscribe(cb: (e: LiveEvent) => void): () => void;
  /** Connection state of the live stream: false while the server is unreachable (it reconnects by itself). */
  onConnection(cb: (connected: boolean) => void): () => void;
}

export class ApiError extends Error {}

export function httpClient(base = ''): WorkbenchClient {
  const listeners = new Set<(e: LiveEvent) => void>();
  const connection = new Set<(connected: boolean) => void>();
  let source: EventSource | null = null;
  return {
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      const res = await fetch(`${base}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args), credentials: 'same-origin' });
      const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { result?: ApiResult<M>; error?: string };
      if (!res.ok) throw new ApiError(body.error ?? `HTTP ${res.status}`);
      return body.result as ApiResult<M>;
    },
    subscribe(cb) {
      listeners.add(cb);
      if (!source) {
        source = new EventSource(`${base}/api/events`);
        source.onmessage = (m) => {
          const e = JSON.parse(m.data) as LiveEvent;
          for (const l of listeners) l(e);
        };
        // EventSource retries on its own (the server asks for 2 s); tell the UI while it is cut off.
        source.onopen = () => connection.forEach((c) => c(true));
        source.onerror = () => connection.forEach((c) => c(false));
      }
      return () => {
        listeners.delete(cb);
        if (!listeners.size && source) {
          source.close();
          source = null;
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
export const client: WorkbenchClient = bridge?.call && bridge.onEvent ? ipcClient(bridge as PreloadBridge) : httpClient();
