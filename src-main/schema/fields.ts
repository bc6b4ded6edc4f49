// What a config field is, read from the schema itself: its kind, its description (the `.describe()` text),
// its allowed values (enums) and its default. The CLI builds its flags and help from this, the form its option
// lists, so a new option or enum value is added once, in the schema.
import type { z } from 'zod';
import { ExperimentConfig } from './experiment';

export interface FieldInfo {
  path: string;
  kind: 'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'object' | 'other';
  description: string | undefined;
  choices: readonly (string | number)[] | undefined;
  default: unknown;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  defaultValue?: unknown;
  checks?: Array<{ _zod: { def: { check: string; format?: string } } }>;
  in?: z.ZodType;
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const describeOf = (s: z.ZodType) => (s as unknown as { description?: string }).description;

/** The schema node at a dotted path (through defaults, optionals and the task union), or null. */
export function schemaAt(root: z.ZodType, path: string): z.ZodType | null {
  let nodes: z.ZodType[] = [root];
  for (const key of path.split('.')) {
    const next: z.ZodType[] = [];
    for (const n of nodes) for (const o of objectsOf(n)) if (Object.hasOwn(o, key)) next.push(o[key]);
    if (!next.length) return null;
    nodes = next;
  }
  return nodes[0];
}

function objectsOf(s: z.ZodType): Array<Record<string, z.ZodType>> {
  const d = defOf(s);
  if (d.type === 'object') return [d.shape!];
  if (d.type === 'union') return d.options!.flatMap(objectsOf);
  if (d.innerType) return objectsOf(d.innerType);
  if (d.type === 'pipe' && d.in) return objectsOf(d.in);
  return [];
}

/** Kind, description (the outermost one given), choices and default of the field at `path`. */
export function fieldInfo(path: string, root: z.ZodType = ExperimentConfig): FieldInfo {
  const node = schemaAt(root, path);
  if (!node) throw new Error(`no config field '${path}'`);
  let description = describeOf(node);
  let dflt: unknown;
  let s: z.ZodType = node;
  for (let d = defOf(s); d.innerType && ['default', 'optional', 'nullable', 'prefault', 'readonly'].includes(d.type); d = defOf(s)) {
    if (d.type === 'default') dflt = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    s = d.innerType;
    description ??= describeOf(s);
  }
  const d = defOf(s);
  const integer = d.checks?.some((c) => c._zod.def.check === 'number_format' && /int/.test(c._zod.def.format ?? '')) ?? false;
  const kinds: Record<string, FieldInfo['kind']> = {
    number: integer ? 'integer' : 'number',
    boolean: 'boolean',
    string: 'string',
    enum: 'enum',
    object: 'object',
  };
  let choices: FieldInfo['choices'];
  let kind = kinds[d.type] ?? 'other';
  if (d.type === 'enum') choices = Object.values(d.entries!);
  if (d.type === 'union' && d.options!.every((o) => defOf(o).type === 'literal')) {
    choices = d.options!.flatMap((o) => defOf(o).values as Array<string | number>);
    kind = 'enum';
  }
  return { path, kind, description, choices, default: dflt };
}
