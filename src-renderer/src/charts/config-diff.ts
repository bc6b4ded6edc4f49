// Config diffs for comparisons: flatten nested configs to dotted keys and keep the keys whose values differ.
export type Flat = Record<string, unknown>;

export function flatten(value: unknown, prefix = '', out: Flat = {}): Flat {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = value;
  return out;
}

/** Rows of differing keys: key → value per config (undefined where absent). */
export function configDiff(configs: Record<string, unknown>): Array<{ key: string; values: Record<string, unknown> }> {
  const flat = Object.fromEntries(Object.entries(configs).map(([id, c]) => [id, flatten(c)]));
  const keys = [...new Set(Object.values(flat).flatMap((f) => Object.keys(f)))].sort();
  const ids = Object.keys(flat);
  return keys
    .filter((k) => new Set(ids.map((id) => JSON.stringify(flat[id][k]))).size > 1)
    .map((key) => ({ key, values: Object.fromEntries(ids.map((id) => [id, flat[id][key]])) }));
}
