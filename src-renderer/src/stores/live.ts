// The one live connection to the backend (SSE in web mode, IPC in the app), shared by every store: views and
// stores register handlers here instead of each opening its own subscription.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client, type LiveEvent } from '../api/client';

type Handler = (e: LiveEvent) => void;

export const useLiveStore = defineStore('live', () => {
  const handlers = new Set<Handler>();
  const lastEventAt = ref<number | null>(null);
  let unsubscribe: (() => void) | null = null;

  function ensureConnected(): void {
    if (unsubscribe) return;
    unsubscribe = client.subscribe((e) => {
      lastEventAt.value = Date.now();
      for (const h of handlers) h(e);
    });
  }

  /** Calls `handler` for every live event until the returned function is called. */
  function on(handler: Handler): () => void {
    ensureConnected();
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  return { lastEventAt, on };
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
