// How the CLI builds a config: preset < --config file < named flags < --set, merged deeply; flags generated
// from the schema (help = the field's description, choices = its enum values).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addExperimentOptions, buildConfig, EXPERIMENT_FLAGS } from '../../src-main/cli/config-input';
import { CONFIG_PATHS } from '../../src-main/schema/experiment';
import { fieldInfo } from '../../src-main/schema/fields';
import { presetConfig } from '../../src-main/schema/presets';

const dir = mkdtempSync(join(tmpdir(), 'config-input-'));
const file = (name: string, value: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
};

describe('CLI config building', () => {
  it('a partial config file merges into the preset field by field (it does not replace a section)', () => {
    const quick = presetConfig('navigation', 'quick');
    const c = buildConfig({
      preset: 'quick',
      config: file('part.json', { task: { task: 'navigation', hidden: 256 }, regularization: { penalty: { space: 'klein' } } }),
    });
    expect(c.task).toEqual({ ...quick.task, hidden: 256 });
    expect(c.regularization.lambda).toBe(quick.regularization.lambda);
    expect(c.regularization.penalty.space).toBe('klein');
    expect(c.regularization.penalty.weighting).toBe(quick.regularization.penalty.weighting);
  });

  it('later sources win: preset < config file < named flags < --set', () => {
    const cfg = file('order.json', { task: { task: 'adding', hidden: 32 }, regularization: { lambda: 0.5 }, seed: 7 });
    const c = buildConfig({ preset: 'quick', config: cfg, lambda: 0.25, seed: 9, set: ['regularization.lambda=0.125', 'task.hidden=48'] });
    expect(c.regularization.lambda).toBe(0.125);
    expect(c.task.hidden).toBe(48);
    expect(c.seed).toBe(9);
    expect(buildConfig({ preset: 'quick', config: cfg }).regularization.lambda).toBe(0.5);
    expect(buildConfig({ preset: 'quick', config: cfg, lambda: 0.25 }).regularization.lambda).toBe(0.25);
  });

  it('a config file alone is the whole config (schema defaults fill the rest)', () => {
    const c = buildConfig({ config: file('alone.json', { task: { task: 'adding', hidden: 8 } }) });
    expect(c.task.hidden).toBe(8);
    expect(c.task.task === 'adding' && c.task.epochs).toBe(100);
  });

  it('numeric enum flags arrive as numbers; negatable booleans work', () => {
    expect(buildConfig({ task: 'adding', power: '2' }).regularization.power).toBe(2);
    expect(buildConfig({ task: 'adding', invert: false }).regularization.penalty.invert).toBe(false);
  });

  it('every named flag is a real config path, and its help and choices come from the schema', () => {
    const cmd = addExperimentOptions(new Command('x'));
    const help = cmd.helpInformation();
    for (const f of EXPERIMENT_FLAGS) {
      expect(CONFIG_PATHS).toContain(f.path);
      const info = fieldInfo(f.path);
      expect(info.description, f.path).toBeTruthy();
      const option = cmd.options.find((o) => o.long === `--${f.flag}`)!;
      expect(option.description.startsWith(info.description!), f.flag).toBe(true);
      if (info.choices && info.kind !== 'boolean') expect(option.argChoices, f.flag).toEqual(info.choices.map(String));
    }
    expect(help).toMatch(/--weighting <value>.*weighting \("inhibitor"\) function/s);
  });
});
