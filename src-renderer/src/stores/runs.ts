// The runs list: filter, sort, live refresh (coalesced), and the actions on runs.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { RunRecord, RunStatus } from '../../../src-main/schema/run';
import { client } from '../api/client';
import { coalesce, useLiveStore } from './live';

const COLUMNS_KEY = 'moduli-run-columns';
const DEFAULT_COLUMNS = ['regularization.lambda', 'task.hidden', 'pruning.target'];

/** A config value by dotted path, for table cells. */
export function configValue(config: unknown, path: string): string {
  let v: unknown = config;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export type RunSort = 'created' | 'finalMetric' | 'finalSparsity' | 'status' | 'task';

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunRecord[]>([]);
  const search = ref('');
  const status = ref<RunStatus | ''>('');
  const sort = ref<RunSort>('created');
  const order = ref<'asc' | 'desc'>('desc');
  const error = ref('');
  /** Extra table columns: any config field, by dotted path (kept in this browser). */
  const columns = ref<string[]>(JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') ?? DEFAULT_COLUMNS);
  watch(columns, (c) => localStorage.setItem(COLUMNS_KEY, JSON.stringify(c)), { deep: true });

  async function refresh(): Promise<void> {
    try {
      runs.value = await client.call('listRuns', {
        search: search.value || undefined,
        status: status.value ? [status.value] : undefined,
        sort: sort.value,
        order: order.value,
      });
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
  const tag = (ids: string[], name: string) =>
    act(async () => {
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

  return { runs, search, status, sort, order, error, columns, refresh, sortBy, cancel, resume, tag, remove, follow };
});
