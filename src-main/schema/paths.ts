// Dotted config paths ('regularization.penalty.space'): the CLI's --set, a study's arms and axes, and imported
// overrides use them. Every path a user supplies is checked against the paths the schema really has, so a
// typo is an error naming the nearest valid paths (never silently ignored), and no path can reach an
// object's prototype ('__proto__', 'constructor', 'prototype' are not fields of any schema).
import type { z } from 'zod';
import { InvalidInputError } from './errors';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export class ConfigPathError extends InvalidInputError {}

/** Sets a dotted path in a plain object, creating plain objects on the way; refuses prototype keys. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '' || FORBIDDEN.has(k))) throw new ConfigPathError(`'${path}' is not a config path`);
  let o: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = Object.hasOwn(o, k) ? o[k] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** The first key path in a JSON-like value that names a prototype ('__proto__', …), or null. Iterative. */
export function prototypeKeyPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (FORBIDDEN.has(k)) return p;
      stack.push([(v as Record<string, unknown>)[k], p]);
    }
  }
  return null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `over` merged into a copy of `base`: objects merge key by key at every depth, anything else (numbers,
 * strings, arrays) replaces. Used for preset < config file < flags; refuses prototype keys.
 */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (FORBIDDEN.has(k)) throw new ConfigPathError(`'${k}' is not a config field`);
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: ZodDefLike } })._zod.def;

/** Every object and leaf path of a zod object schema (through defaults, optionals and unions of objects). */
export function schemaPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'prefault':
    case 'nonoptional':
      return schemaPaths(def.innerType!, prefix);
    case 'pipe':
      return schemaPaths(def.in!, prefix);
    case 'union':
      return [...new Set(def.options!.flatMap((o) => schemaPaths(o, prefix)))];
    case 'object': {
      const out: string[] = [];
      for (const [k, child] of Object.entries(def.shape!)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.push(p, ...schemaPaths(child, p));
      }
      return out;
    }
    default:
      return [];
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The valid paths closest to a mistyped one (edit distance; ties keep schema order). */
export function nearestPaths(path: string, valid: readonly string[], count = 3): string[] {
  return [...valid]
    .map((p, i) => ({ p, i, d: editDistance(path.toLowerCase(), p.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((x) => x.p);
}

/** Throws ConfigPathError unless `path` is one of `valid`, naming the nearest valid paths. */
export function assertKnownPath(path: string, valid: readonly string[], what = 'config path'): void {
  if (valid.includes(path)) return;
  throw new ConfigPathError(
    `unknown ${what} '${path}'; did you mean ${nearestPaths(path, valid)
      .map((p) => `'${p}'`)
      .join(', ')}?`,
  );
}
