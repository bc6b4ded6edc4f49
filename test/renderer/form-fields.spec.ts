// The form's "All settings" section is drawn from the schema: every editable leaf of a task's config is either
// in the curated top section or listed there, with the preset's value; typed text becomes the field's type.
import { describe, expect, it } from 'vitest';
import { ExperimentConfig, TASKS } from '../../src-main/schema/experiment';
import { fieldInfo } from '../../src-main/schema/fields';
import { CURATED_PATHS, formFields, parseFormValue } from '../../src-main/schema/form-fields';
import { schemaPaths } from '../../src-main/schema/paths';
import { presetConfig } from '../../src-main/schema/presets';

/** Leaf paths that hold a value in a parsed config of this task (independent of the form's own walk). */
function leaves(obj: unknown, prefix = ''): string[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('form fields from the schema', () => {
  it.each(TASKS)('%s: every field of a parsed config is in the curated section or in All settings, with the preset value', (task) => {
    const preset = presetConfig(
      task,
      'quick',
      task === 'language' ? { task: { task: 'language', corpus: { train: 'a', valid: 'b', test: 'c' } } as never } : {},
    );
    const listed = formFields(task, preset).flatMap((g) => g.fields);
    const paths = new Set(listed.map((f) => f.path));
    for (const path of leaves(preset)) {
      if ((CURATED_PATHS as readonly string[]).includes(path)) continue;
      expect(paths.has(path), `${path} reaches the form`).toBe(true);
    }
    for (const f of listed) expect(f.presetValue, f.path).toEqual(path(preset, f.path));
    // Another task's fields are not offered.
    if (task !== 'navigation') expect(paths.has('task.placeCells')).toBe(false);
    if (task === 'navigation')
      expect(listed.find((f) => f.path === 'task.placeCells')).toMatchObject({
        kind: 'integer',
        presetValue: preset.task.task === 'navigation' ? preset.task.placeCells : -1,
      });
  });

  it('groups by section and carries the schema description and choices', () => {
    const groups = formFields('adding', presetConfig('adding', 'quick'));
    expect(groups.map((g) => g.group)).toEqual(expect.arrayContaining(['task', 'pruning']));
    const all = groups.flatMap((g) => g.fields);
    const allocation = all.find((f) => f.path === 'pruning.allocation')!;
    expect(allocation.kind).toBe('enum');
    expect(allocation.choices).toEqual(fieldInfo('pruning.allocation').choices);
    expect(all.every((f) => !(CURATED_PATHS as readonly string[]).includes(f.path))).toBe(true);
    expect(schemaPaths(ExperimentConfig)).toContain('pruning.allocation');
  });

  it('typed text becomes the field type; empty keeps the preset', () => {
    expect(parseFormValue({ kind: 'integer', choices: undefined }, ' 256 ')).toBe(256);
    expect(parseFormValue({ kind: 'number', choices: undefined }, 'abc')).toBe('abc');
    expect(parseFormValue({ kind: 'boolean', choices: undefined }, 'false')).toBe(false);
    expect(parseFormValue({ kind: 'enum', choices: [1, 2] }, '2')).toBe(2);
    expect(parseFormValue({ kind: 'string', choices: undefined }, '')).toBeUndefined();
  });
});

function path(obj: unknown, p: string): unknown {
  return p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}
