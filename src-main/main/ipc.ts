// IPC: the desktop app's side of the one API. Every call is checked for its sender frame (only the app's own
// renderer) and validated against the method's zod schema by the same service web mode uses.
import { eventForClient } from '../api/client-events';
import { API_CHANNEL, EVENT_CHANNEL } from '../api/method-names';
import { isApiMethod } from '../api/methods';
import type { WorkbenchService } from '../api/service';
import type { FanOut } from '../jobs/fanout';
import type { RunnerEvent } from '../jobs/runner';
import { isAppOrigin } from './app-protocol';

export interface IpcInvokeEvent {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void;
}

export interface WebContentsLike {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

export class UntrustedSenderError extends Error {}

/** The renderer's own pages: exactly the app:// origin, or the dev server's origin when running `npm run dev`. */
export function trustedUrl(url: string, devServer?: string | null): boolean {
  return isAppOrigin(url, devServer);
}

export function registerApiHandlers(ipc: IpcMainLike, service: WorkbenchService, isTrusted: (url: string) => boolean): void {
  ipc.handle(API_CHANNEL, async (event, method, args) => {
    if (!event.senderFrame || !isTrusted(event.senderFrame.url)) throw new UntrustedSenderError('moduli: call from an untrusted frame refused');
    if (typeof method !== 'string' || !isApiMethod(method)) throw new Error(`moduli: unknown API method '${String(method)}'`);
    if (!Array.isArray(args)) throw new Error(`moduli: ${method}: arguments must be an array`);
    return service.call(method, args);
  });
}

/** Forwards runner events to a window; a closed window unsubscribes itself (runs go on in their workers). */
export function forwardEvents(events: FanOut<RunnerEvent>, target: WebContentsLike): () => void {
  const sub = events.subscribe((e) => {
    if (target.isDestroyed()) return sub.unsubscribe();
    target.send(EVENT_CHANNEL, eventForClient(e));
  }, 2000);
  return () => sub.unsubscribe();
}
