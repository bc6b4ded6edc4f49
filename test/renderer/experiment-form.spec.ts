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

describe('the form starts from the preset', () => {
  it('trains exactly what the CLI trains for the same preset, and names every departure from it', async () => {
    const { presetConfig } = await import('../../src-main/schema/presets');
    // The penalty the form starts with (torus DoG⁻¹) is the experiment; the recipe must be the preset's.
    const w = mount(ExperimentForm, { props: { initial: { task: 'navigation', space: 'torus', weighting: 'dog', invert: true } } });
    await w.find('form').trigger('submit');
    const config = w.emitted('submit')![0][0] as ReturnType<typeof presetConfig>;
    const cli = presetConfig('navigation', 'quick', { regularization: { penalty: { space: 'torus', weighting: 'dog', invert: true } } as never });
    expect(config.pruning).toEqual(cli.pruning);
    expect(config.regularization.power).toBe(cli.regularization.power);
    expect(config.task).toEqual(cli.task);
    expect(w.find('select[name="schedule"] option').text()).toBe('preset (cubic)');
    expect(w.find('input[name="target"]').attributes('placeholder')).toBe(`preset (${cli.pruning.target})`);
    expect(w.find('input[name="lambda"]').attributes('placeholder')).toBe(`preset (${presetConfig('navigation', 'quick').regularization.lambda})`);
    await w.find('select[name="schedule"]').setValue('linear');
    expect(w.find('[data-test="departures"]').text()).toMatch(/pruning\.schedule "linear" \(preset "cubic"\)/);
    await w.find('select[name="schedule"]').setValue('');
    expect(w.find('[data-test="departures"]').text()).not.toMatch(/schedule/);
  });

  it('offers the paper-regime preset for navigation only, and falls back to quick when the task changes', async () => {
    const w = mount(ExperimentForm, { props: { initial: { task: 'navigation', preset: 'paper-regime' } } });
    expect(w.findAll('select[name="preset"] option').map((o) => o.attributes('value'))).toContain('paper-regime');
    await w.find('select[name="task"]').setValue('adding');
    expect(w.findAll('select[name="preset"] option').map((o) => o.attributes('value'))).not.toContain('paper-regime');
    expect((w.vm as unknown as { form: { preset: string } }).form.preset).toBe('quick');
  });
});

describe('All settings (drawn from the schema)', () => {
  it('lists the task’s other fields with the preset’s values, trains what is typed there, and names it as a departure', async () => {
    const { presetConfig } = await import('../../src-main/schema/presets');
    const w = mount(ExperimentForm, { props: { initial: { task: 'navigation' } } });
    const preset = presetConfig('navigation', 'quick');
    const placeCells = w.find('[data-test="all-settings"] input[name="task.placeCells"]');
    expect(placeCells.attributes('placeholder')).toBe(String(preset.task.task === 'navigation' && preset.task.placeCells));
    // A curated field is never repeated below, and another task's fields are not offered.
    expect(w.find('[data-test="all-settings"] [name="pruning.target"]').exists()).toBe(false);
    expect(w.find('[data-test="all-settings"] [name="task.samplesPerEpoch"]').exists()).toBe(false);
    await placeCells.setValue('64');
    await w.find('[data-test="all-settings"] select[name="pruning.allocation"]').setValue('per-matrix');
    expect(w.find('[data-test="departures"]').text()).toMatch(/task\.placeCells 64/);
    await w.find('form').trigger('submit');
    const config = w.emitted('submit')![0][0] as ReturnType<typeof presetConfig>;
    expect(config.task.task === 'navigation' && config.task.placeCells).toBe(64);
    expect(config.pruning.allocation).toBe('per-matrix');
    // Everything else stays the preset's.
    expect(config.pruning.schedule).toBe(preset.pruning.schedule);
  });

  it('puts the schema’s message next to a bad value typed there and disables Run', async () => {
    const w = mount(ExperimentForm, { props: { initial: { task: 'navigation' } } });
    await w.find('[data-test="all-settings"] input[name="task.placeCells"]').setValue('-3');
    expect(w.find('[data-test="error-task.placeCells"]').exists()).toBe(true);
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined();
    await w.find('[data-test="all-settings"] input[name="task.placeCells"]').setValue('');
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeUndefined();
  });
});

describe('compare groups', () => {
  const run = (id: string, seed: number, schedule: string, finalMetric: number) =>
    ({
      id,
      name: id,
      seed,
      finalMetric,
      finalSparsity: 0.9,
      config: { name: id, seed, threads: 'auto', task: { task: 'navigation', hidden: 128 }, pruning: { schedule } },
    }) as never;

  it('never pool runs that differ in anything but the seed, and label groups by what differs', async () => {
    const { groupRuns, differingKeys } = await import('../../src-renderer/src/stats');
    const runs = [run('a', 1, 'linear', 10), run('b', 2, 'linear', 12), run('c', 1, 'cubic', 9)];
    expect(differingKeys(runs)).toEqual(['pruning.schedule']);
    const groups = groupRuns(runs);
    expect(groups.map((g) => [g.label, g.runIds, g.mean])).toEqual([
      ['pruning.schedule="linear"', ['a', 'b'], 11],
      ['pruning.schedule="cubic"', ['c'], 9],
    ]);
    // Unticking the key pools over it, on purpose.
    expect(groupRuns(runs, []).map((g) => g.runIds)).toEqual([['a', 'b', 'c']]);
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
    const quick = presetConfig('navigation', 'quick', { seed: 1 });
    expect(defaultRunName(quick)).toMatch(/^navigation · torus DoG⁻¹ · λ 0\.01 · N 128 · 90 % cubic · cfg [0-9a-f]{4} · seed 1$/);
    // Configurations that differ get different names (here only the learning rate); replicates share all but the seed.
    const faster = presetConfig('navigation', 'quick', { seed: 1, task: { task: 'navigation', learningRate: 0.02 } });
    expect(defaultRunName(faster)).not.toBe(defaultRunName(quick));
    expect(defaultRunName(presetConfig('navigation', 'quick', { seed: 2 })).replace('seed 2', 'seed 1')).toBe(defaultRunName(quick));
    const l1 = presetConfig('adding', 'quick', { regularization: { penalty: { space: 'standard', weighting: 'distance', invert: false } } });
    expect(defaultRunName(l1)).toMatch(/^adding · L1 · λ/);
    expect(defaultRunName(presetConfig('adding', 'quick', { regularization: { penalty: { space: 'torus', permute: true } } }))).toMatch(/permuted torus DoG⁻¹/);
  });

  it('replicates share the seedless config and its key; the penalty is off for λ = 0 or the none space alike', async () => {
    const { configKey, seedlessConfig } = await import('../../src-main/schema/run-name');
    const { penaltyActive } = await import('../../src-main/schema/experiment');
    const { presetConfig } = await import('../../src-main/schema/presets');
    const a = presetConfig('adding', 'quick', { seed: 1, name: 'a', threads: 1 });
    const b = presetConfig('adding', 'quick', { seed: 9, name: 'b', threads: 2 });
    expect(seedlessConfig(a)).toEqual(seedlessConfig(b));
    expect(configKey(a)).toBe(configKey(b));
    expect(configKey(presetConfig('adding', 'quick', { seed: 1, blas: 'off' }))).not.toBe(configKey(a));
    expect(penaltyActive(a.regularization)).toBe(true);
    expect(penaltyActive({ ...a.regularization, lambda: 0 })).toBe(false);
    expect(penaltyActive({ ...a.regularization, penalty: { ...a.regularization.penalty, space: 'none' } })).toBe(false);
  });

  it('the form shows the seed error and disables Run', async () => {
    const w = mount(ExperimentForm, { props: { initial: { seeds: '2, 2' } } });
    await w.vm.$nextTick();
    expect(w.find('[data-test="error-seeds"]').text()).toMatch(/listed twice/);
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined();
  });
});
