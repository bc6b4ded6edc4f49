// One run as the run view shows it: the record, its metric series (appended live, not refetched), the weight
// snapshots (following the newest while the slider sits at the end), the geometry and the structure of
// the pruned matrices. Live events update only what they change.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiResult, RunRecord } from '../../../src-main/api/contract';
import type { PlotSeries } from '../../../src-main/charts/line-option';
import { WALL_TIME_SERIES } from '../../../src-main/charts/x-axis';
import { client, type LiveEvent } from '../api/client';
import { coalesce, useLiveStore } from './live';

type SnapshotMeta = ApiResult<'snapshots'>[number];
type SnapshotData = ApiResult<'snapshot'>;

/** Series the run view plots: training loss and metrics, validation metrics, sparsity, lottery. */
const PLOTTED = (n: string) =>
  n === WALL_TIME_SERIES ||
  n === 'loss' ||
  n === 'task_loss' ||
  n === 'penalty' ||
  n.startsWith('valid_') ||
  n.startsWith('train_') ||
  n.startsWith('sparsity') ||
  n.startsWith('lottery/');
/** Series written once per epoch (reloaded at epoch ends; step series arrive live). */
const PER_EPOCH = (n: string) => n.startsWith('valid_') || n.startsWith('sparsity') || n.startsWith('lottery/valid_');

export const useRunStore = defineStore('run', () => {
  const runId = ref<string | null>(null);
  const run = ref<RunRecord | null>(null);
  const names = ref<string[]>([]);
  const notes = ref<Array<{ createdAt: number; text: string }>>([]);
  const epochs = ref<ApiResult<'getRun'>['epochs']>([]);
  const series = ref<Record<string, PlotSeries>>({});
  const snapshots = ref<SnapshotMeta[]>([]);
  const snapIndex = ref(0);
  /** The slider sits on the newest snapshot: new snapshots of a live run are shown as they arrive. */
  const followLatest = ref(true);
  const snapshot = ref<SnapshotData | null>(null);
  const geometry = ref<ApiResult<'runGeometry'> | null>(null);
  const structure = ref<ApiResult<'runStructure'>>(null);
  const error = ref('');
  const live = useLiveStore();

  const guard = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      error.value = (e as Error).message;
    }
  };

  async function loadSeries(name: string): Promise<void> {
    const id = runId.value!;
    const s = await client.call('series', { runId: id, name, maxPoints: 2000 });
    if (runId.value === id) series.value = { ...series.value, [name]: { name, steps: Array.from(s.steps), values: Array.from(s.values) } };
  }

  async function refreshRecord(): Promise<void> {
    const id = runId.value!;
    const d = await client.call('getRun', id);
    if (runId.value !== id) return;
    run.value = d.run as RunRecord;
    const fresh = d.series.filter((n) => PLOTTED(n) && !names.value.includes(n));
    names.value = d.series;
    notes.value = d.notes;
    epochs.value = d.epochs;
    await Promise.all(fresh.map(loadSeries));
  }

  async function refreshSnapshots(): Promise<void> {
    const id = runId.value!;
    const list = await client.call('snapshots', id);
    if (runId.value !== id) return;
    snapshots.value = list;
    if (followLatest.value || snapIndex.value >= list.length) snapIndex.value = Math.max(0, list.length - 1);
    await loadSnapshot();
    if (list.length) structure.value = await client.call('runStructure', id);
  }

  async function loadSnapshot(): Promise<void> {
    const meta = snapshots.value[snapIndex.value];
    if (!meta || snapshot.value?.id === meta.id) return;
    const s = await client.call('snapshot', meta.id);
    if (snapshots.value[snapIndex.value]?.id === s.id) snapshot.value = s;
  }

  function selectSnapshot(i: number): void {
    snapIndex.value = i;
    followLatest.value = i === snapshots.value.length - 1;
    void guard(loadSnapshot);
  }

  async function open(id: string): Promise<void> {
    runId.value = id;
    run.value = null;
    names.value = [];
    series.value = {};
    snapshots.value = [];
    snapshot.value = null;
    geometry.value = null;
    structure.value = null;
    followLatest.value = true;
    error.value = '';
    await guard(async () => {
      await refreshRecord();
      await Promise.all(names.value.filter(PLOTTED).map(loadSeries));
      await refreshSnapshots();
      if (runId.value === id) geometry.value = await client.call('runGeometry', id, 0);
    });
  }

  // Step metrics: buffered and appended at most twice a second.
  let pending: Array<{ step: number; values: Record<string, number> }> = [];
  const flush = coalesce(500, () => {
    const next = { ...series.value };
    for (const p of pending) {
      for (const [k, v] of Object.entries(p.values)) {
        const s = next[k] ?? { name: k, steps: [], values: [] };
        next[k] = { name: k, steps: [...s.steps, p.step], values: [...s.values, v] };
      }
    }
    pending = [];
    series.value = next;
  });
  const atEpochEnd = coalesce(
    300,
    () =>
      void guard(async () => {
        await refreshRecord();
        await Promise.all(names.value.filter(PER_EPOCH).map(loadSeries));
      }),
  );
  const onSnapshot = coalesce(300, () => void guard(refreshSnapshots));
  const onStatus = coalesce(300, () => void guard(refreshRecord));
  // A run trained by another process sends no step metrics: reload its step series with its progress.
  const onForeignProgress = coalesce(
    2000,
    () =>
      void guard(async () => {
        await refreshRecord();
        await Promise.all(names.value.filter(PLOTTED).map(loadSeries));
      }),
  );

  function handle(e: LiveEvent): void {
    if (e.type === 'reconnected' && runId.value) {
      // What failed while the server was away ("Failed to fetch") is stale now: the refresh says what holds.
      error.value = '';
      return onForeignProgress();
    }
    if (e.runId !== runId.value) return;
    const ev = 'event' in e ? e.event : undefined;
    if (ev?.type === 'metrics' && ev.phase === 'train') {
      pending.push({ step: ev.step, values: ev.values });
      flush();
    } else if (e.type === 'epoch') atEpochEnd();
    else if (e.type === 'snapshot') onSnapshot();
    else if (e.type === 'status' || e.type === 'finished' || e.type === 'started') {
      onStatus();
      if (e.type === 'finished') onSnapshot();
    } else if (e.type === 'progress' && 'foreign' in e && e.foreign) onForeignProgress();
  }

  function follow(): () => void {
    return live.on(handle);
  }

  async function control(method: 'cancelRun' | 'pauseRun' | 'resumeRun'): Promise<void> {
    error.value = '';
    await guard(async () => {
      await client.call(method, runId.value!);
      await refreshRecord();
    });
  }

  async function addNote(text: string): Promise<void> {
    await guard(async () => {
      await client.call('noteRun', runId.value!, text);
      await refreshRecord();
    });
  }

  const latestSnapshot = computed(() => snapshots.value.at(-1) ?? null);

  return {
    runId,
    run,
    names,
    notes,
    epochs,
    series,
    snapshots,
    snapIndex,
    followLatest,
    snapshot,
    latestSnapshot,
    geometry,
    structure,
    error,
    open,
    selectSnapshot,
    follow,
    control,
    addNote,
  };
});
