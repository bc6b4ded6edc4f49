// Studies: the list with progress, and one study's grid, report and figures, refreshed on run lifecycle events.
import type { ReportFormat } from '../../../src-main/schema/report-format';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { StudyDetail, StudyFigures, StudyListItem } from '../../../src-main/api/contract';
import { client } from '../api/client';
import { coalesce, useLiveStore } from './live';

export const useStudiesStore = defineStore('studies', () => {
  const list = ref<StudyListItem[]>([]);
  const detail = ref<StudyDetail | null>(null);
  const figures = ref<StudyFigures | null>(null);
  const current = ref<string | null>(null);
  const error = ref('');
  const live = useLiveStore();

  async function refreshList(): Promise<void> {
    try {
      list.value = await client.call('listStudies');
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  async function load(id: string): Promise<void> {
    if (current.value !== id) {
      detail.value = null;
      figures.value = null;
    }
    current.value = id;
    try {
      const [d, f] = await Promise.all([client.call('getStudy', id), client.call('studyFigures', id)]);
      if (current.value !== id) return;
      detail.value = d;
      figures.value = f;
      error.value = '';
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  async function resume(): Promise<void> {
    if (!current.value) return;
    try {
      await client.call('resumeStudy', current.value);
      await load(current.value);
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  const report = (format: ReportFormat) => client.call('studyReport', current.value!, format);

  const laterList = coalesce(1000, () => void refreshList());
  const laterDetail = coalesce(1000, () => current.value && void load(current.value));
  /** Follow live events while a studies view is shown; returns the function that stops. */
  function follow(): () => void {
    return live.on((e) => {
      if (e.type === 'metrics') return;
      laterList();
      const lifecycle = ['finished', 'status', 'epoch', 'started'].includes(e.type);
      if (e.type === 'reconnected' || (lifecycle && detail.value?.runs.some((r) => r.id === e.runId))) laterDetail();
    });
  }

  return { list, detail, figures, error, refreshList, load, resume, report, follow };
});
