// The one live connection to the backend (SSE in web mode, IPC in the app), shared by every store: views and
// stores register handlers here instead of each opening its own subscription.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, type LiveEvent } from '../api/client';

type Handler = (e: LiveEvent) => void;

export const useLiveStore = defineStore('live', () => {
  const handlers = new Set<Handler>();
  const lastEventAt = ref<number | null>(null);
  /** False while the live stream is cut (server stopped or unreachable); the UI says so. */
  const connected = ref(true);
  let unsubscribe: (() => void) | null = null;

  function ensureConnected(): void {
    if (unsubscribe) return;
    unsubscribe = client.subscribe((e) => {
      lastEventAt.value = Date.now();
      for (const h of handlers) h(e);
    });
    client.onConnection((up) => {
      const back = up && !connected.value;
      connected.value = up;
      // Events were missed while cut off: everyone refreshes what they show.
      if (back) for (const h of handlers) h({ runId: '', type: 'reconnected' });
    });
  }

  /** Calls `handler` for every live event until the returned function is called. */
  function on(handler: Handler): () => void {
    ensureConnected();
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  return { lastEventAt, connected, on };
});

/** Runs `fn` at most once per `ms`, however often it is asked for (live events come in bursts). */
export function coalesce(ms: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    timer ??= setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
