// @vitest-environment happy-dom
// The in-app text dialog that replaces window.prompt() (absent in Electron).
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import PromptDialog from '../../src-renderer/src/components/PromptDialog.vue';
import { useDialogsStore } from '../../src-renderer/src/stores/dialogs';

describe('PromptDialog', () => {
  it('asks, and resolves with the trimmed text on OK or null on Cancel/Escape', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    const w = mount(PromptDialog, { global: { plugins: [pinia] } });
    const dialogs = useDialogsStore();
    expect(w.find('[data-test=prompt-dialog]').exists()).toBe(false);

    const answer = dialogs.ask('Tag for the selected runs', 'e.g. baseline');
    await w.vm.$nextTick();
    expect(w.text()).toContain('Tag for the selected runs');
    await w.find('[data-test=prompt-input]').setValue('  baseline ');
    await w.find('form').trigger('submit');
    expect(await answer).toBe('baseline');
    expect(w.find('[data-test=prompt-dialog]').exists()).toBe(false);

    const cancelled = dialogs.ask('Template name', '', 'adding torus dog');
    await w.vm.$nextTick();
    expect((w.find('[data-test=prompt-input]').element as HTMLInputElement).value).toBe('adding torus dog');
    await w.find('form').trigger('keydown', { key: 'Escape' });
    expect(await cancelled).toBeNull();
  });
});
