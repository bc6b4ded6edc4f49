// @vitest-environment happy-dom
// The runs list under a search: a search without matches says so (not "No runs yet"), and a run the search
// hides leaves the selection, so Delete and Compare never act on runs the user cannot see.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { presetConfig } from '../../src-main/schema/presets';

const config = presetConfig('adding', 'quick');
const all = [
  {
    id: 'aaa',
    name: 'torus run',
    task: 'adding',
    space: 'torus',
    weighting: 'dog',
    seed: 1,
    status: 'finished',
    config,
    tags: [],
    progressStep: 1,
    totalSteps: 1,
    finalMetric: 0.1,
    finalSparsity: 0.9,
    etaMs: null,
    createdAt: 0,
  },
  {
    id: 'bbb',
    name: 'klein run',
    task: 'adding',
    space: 'klein',
    weighting: 'dog',
    seed: 1,
    status: 'finished',
    config,
    tags: [],
    progressStep: 1,
    totalSteps: 1,
    finalMetric: 0.2,
    finalSparsity: 0.9,
    etaMs: null,
    createdAt: 0,
  },
];
vi.mock('../../src-renderer/src/api/client', async () => ({
  client: {
    call: async (method: string, filter: { search?: string }) =>
      method === 'listRuns' ? all.filter((r) => !filter?.search || r.name.includes(filter.search)) : method === 'appInfo' ? { ownerId: 'me' } : null,
    subscribe: () => () => {},
    onConnection: () => () => {},
  },
}));

const { default: RunsView } = await import('../../src-renderer/src/views/RunsView.vue');

describe('runs list search', () => {
  it('says no run matches, and drops hidden runs from the selection', async () => {
    setActivePinia(createPinia());
    const w = mount(RunsView);
    await flushPromises();
    const boxes = w.findAll('tbody input[type="checkbox"]');
    expect(boxes).toHaveLength(2);
    await boxes[0].setValue(true);
    await boxes[1].setValue(true);
    expect(w.find('[data-test="compare"]').text()).toBe('Compare 2');
    await w.find('input[placeholder^="search"]').setValue('klein');
    await w.find('input[placeholder^="search"]').trigger('input');
    await flushPromises();
    expect(w.findAll('tbody tr')).toHaveLength(1);
    expect(w.find('[data-test="compare"]').text()).toBe('Compare 1');
    await w.find('input[placeholder^="search"]').setValue('hyperbolic');
    await w.find('input[placeholder^="search"]').trigger('input');
    await flushPromises();
    expect(w.find('[data-test="no-match"]').text()).toMatch(/No run matches “hyperbolic”/);
    expect(w.text()).not.toMatch(/No runs yet/);
    expect(w.find('[data-test="compare"]').text()).toBe('Compare');
  });
});
