// The experiment form drawn from the schema: every editable field of a task's config that the form's curated
// top section does not show, grouped by section, with its kind, description, choices and the preset's value.
// A new config field appears in the form's "All settings" by itself (test/renderer/form-fields.spec.ts).
import { ExperimentConfig, TaskConfig, type TaskName } from './experiment';
import { fieldInfo, schemaAt, type FieldInfo } from './fields';
import { schemaPaths } from './paths';

/** Fields the form's top section edits itself (with friendlier inputs); never repeated below. */
export const CURATED_PATHS = [
  'name',
  'seed',
  'backend',
  'threads',
  'task.task',
  'task.hidden',
  'task.corpus.train',
  'task.corpus.valid',
  'task.corpus.test',
  'regularization.lambda',
  'regularization.power',
  'regularization.learnEmbedding',
  'regularization.penalty.space',
  'regularization.penalty.layout',
  'regularization.penalty.weighting',
  'regularization.penalty.invert',
  'regularization.penalty.permute',
  'pruning.target',
  'pruning.schedule',
  'lottery.enabled',
] as const;

const EDITABLE: ReadonlySet<FieldInfo['kind']> = new Set(['number', 'integer', 'boolean', 'string', 'enum']);

export interface FormField extends FieldInfo {
  /** The value the chosen preset gives it (shown as the placeholder; empty input keeps it). */
  presetValue: unknown;
}

export interface FormGroup {
  /** The section's path: "task", "regularization.penalty", "pruning", … */
  group: string;
  fields: FormField[];
}

function valueAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** The task's own schema (task.* paths of other tasks are not this task's fields). */
function taskSchema(task: TaskName) {
  return TaskConfig.options.find((o) => o.shape.task.value === task)!;
}

/** Every editable field of `task`'s config outside the curated section, grouped by section in schema order. */
export function formFields(task: TaskName, preset: ExperimentConfig): FormGroup[] {
  const own = taskSchema(task);
  const groups = new Map<string, FormField[]>();
  for (const path of schemaPaths(ExperimentConfig)) {
    if ((CURATED_PATHS as readonly string[]).includes(path)) continue;
    if (path.startsWith('task.') && !schemaAt(own, path.slice('task.'.length))) continue;
    const info = path.startsWith('task.') ? { ...fieldInfo(path.slice('task.'.length), own), path } : fieldInfo(path);
    if (!EDITABLE.has(info.kind)) continue;
    const group = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : 'run';
    groups.set(group, [...(groups.get(group) ?? []), { ...info, presetValue: valueAt(preset, path) }]);
  }
  return [...groups].map(([group, fields]) => ({ group, fields }));
}

/**
 * A field's typed value from what the user typed or picked; undefined for empty (the preset's value stays).
 * Numbers that do not parse stay text so the schema names the field in its message.
 */
export function parseFormValue(field: Pick<FieldInfo, 'kind' | 'choices'>, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  switch (field.kind) {
    case 'number':
    case 'integer':
      return Number.isFinite(Number(t)) ? Number(t) : t;
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : t;
    case 'enum':
      return field.choices?.find((c) => String(c) === t) ?? t;
    default:
      return t;
  }
}
