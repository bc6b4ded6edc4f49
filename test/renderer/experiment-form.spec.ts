// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ExperimentForm from '../../src-renderer/src/components/ExperimentForm.vue';

describe('experiment form', () => {
  it('shows the schema’s message next to an invalid moduli space and disables Run', async () => {
    const w = mount(ExperimentForm);
    await w.find('input[name="space"]').setValue('hyperbolic');
    expect(w.find('[data-test="error-space"]').text()).toMatch(/unknown moduli space/);
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined();
  });

  it('rejects a target sparsity above 0.999 and a negative λ with field messages', async () => {
    const w = mount(ExperimentForm);
    await w.find('input[name="target"]').setValue('1.5');
    expect(w.find('[data-test="error-target"]').exists()).toBe(true);
    await w.find('input[name="target"]').setValue('0.9');
    await w.find('input[name="lambda"]').setValue('-1');
    expect(w.find('[data-test="error-lambda"]').exists()).toBe(true);
  });

  it('takes CPU threads as a number or auto, and explains a bad value', async () => {
    const w = mount(ExperimentForm, { props: { initial: { task: 'adding' } } });
    await w.find('input[name="threads"]').setValue('0');
    expect(w.find('[data-test="error-threads"]').exists()).toBe(true);
    await w.find('input[name="threads"]').setValue('4');
    await w.find('form').trigger('submit');
    expect((w.emitted('submit')![0][0] as { threads: unknown }).threads).toBe(4);
    await w.find('input[name="threads"]').setValue('auto');
    await w.find('form').trigger('submit');
    expect((w.emitted('submit')![1][0] as { threads: unknown }).threads).toBe('auto');
  });

  it('asks for a corpus folder for the language model', async () => {
    const w = mount(ExperimentForm);
    await w.find('select[name="task"]').setValue('language');
    expect(w.find('[data-test="error-corpusDir"]').text()).toMatch(/corpus folder/);
  });

  it('submits a validated config and one seed per replicate', async () => {
    const w = mount(ExperimentForm, { props: { initial: { task: 'navigation', space: 'klein', seeds: '1-3' } } });
    await w.find('form').trigger('submit');
    const [config, seeds] = w.emitted('submit')![0] as [{ task: { task: string }; regularization: { penalty: { space: string }; lambda: number } }, number[]];
    expect(config.task.task).toBe('navigation');
    expect(config.regularization.penalty.space).toBe('klein');
    expect(config.regularization.lambda).toBe(0.01);
    expect(seeds).toEqual([1, 2, 3]);
  });
});

describe('seed lists and default names', () => {
  it('parses lists and ranges, and says what is wrong', async () => {
    const { parseSeedList } = await import('../../src-main/schema/run-name');
    expect(parseSeedList('1, 2, 5-8')).toEqual([1, 2, 5, 6, 7, 8]);
    expect(parseSeedList('7')).toEqual([7]);
    expect(() => parseSeedList('3, 3')).toThrow(/listed twice/);
    expect(() => parseSeedList('8-5')).toThrow(/backwards/);
    expect(() => parseSeedList('1-500')).toThrow(/at most 100/);
    expect(() => parseSeedList('x')).toThrow(/not a seed/);
    expect(() => parseSeedList('')).toThrow(/at least one seed/);
  });

  it('names a run from its config when the user gives no name', async () => {
    const { defaultRunName } = await import('../../src-main/schema/run-name');
    const { presetConfig } = await import('../../src-main/schema/presets');
    expect(defaultRunName(presetConfig('navigation', 'quick', { seed: 1 }))).toBe('navigation · torus DoG⁻¹ · λ 0.01 · N 128 · 90 % · seed 1');
    const l1 = presetConfig('adding', 'quick', { regularization: { penalty: { space: 'standard', weighting: 'distance', invert: false } } });
    expect(defaultRunName(l1)).toMatch(/^adding · L1 · λ/);
    expect(defaultRunName(presetConfig('adding', 'quick', { regularization: { penalty: { space: 'torus', permute: true } } }))).toMatch(/permuted torus DoG⁻¹/);
  });

  it('the form shows the seed error and disables Run', async () => {
    const w = mount(ExperimentForm, { props: { initial: { seeds: '2, 2' } } });
    await w.vm.$nextTick();
    expect(w.find('[data-test="error-seeds"]').text()).toMatch(/listed twice/);
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined();
  });
});
