// The runs list: filter, sort, live refresh (coalesced), and the actions on runs.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RunRecord, RunStatus } from '../../../src-main/schema/run';
import { client } from '../api/client';
import { coalesce, useLiveStore } from './live';

export type RunSort = 'created' | 'finalMetric' | 'finalSparsity' | 'status' | 'task';

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunRecord[]>([]);
  const search = ref('');
  const status = ref<RunStatus | ''>('');
  const sort = ref<RunSort>('created');
  const order = ref<'asc' | 'desc'>('desc');
  const error = ref('');

  async function refresh(): Promise<void> {
    try {
      runs.value = await client.call('listRuns', { search: search.value || undefined, status: status.value ? [status.value] : undefined, sort: sort.value, order: order.value });
      error.value = '';
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  function sortBy(key: RunSort): void {
    order.value = sort.value === key && order.value === 'desc' ? 'asc' : 'desc';
    sort.value = key;
    void refresh();
  }

  async function act(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      await refresh();
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  const cancel = (id: string) => act(() => client.call('cancelRun', id));
  const resume = (id: string) => act(() => client.call('resumeRun', id));
  const tag = (ids: string[], name: string) => act(async () => {
    for (const id of ids) await client.call('tagRun', id, name, false);
  });
  const remove = (ids: string[]) => act(() => client.call('deleteRuns', ids));

  // Live: at most two refreshes a second while runs train (step metrics alone change nothing in the list).
  const live = useLiveStore();
  const later = coalesce(500, () => void refresh());
  let stop: (() => void) | null = null;
  function follow(): () => void {
    stop ??= live.on((e) => {
      if (e.type !== 'metrics') later();
    });
    return () => {
      stop?.();
      stop = null;
    };
  }

  return { runs, search, status, sort, order, error, refresh, sortBy, cancel, resume, tag, remove, follow };
});
