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

/** Run settings that do not define the experiment: a departure from a preset is never about these. */
const RUN_SETTINGS = new Set(['name', 'seed', 'backend', 'threads', 'blas']);

/** Where a config departs from the preset it started from: dotted path, its value and the preset's. */
export function configDepartures(preset: unknown, config: unknown): Array<{ path: string; value: string; preset: string }> {
  return configDiff({ preset, config })
    .filter((d) => !RUN_SETTINGS.has(d.key))
    .map((d) => ({ path: d.key, value: JSON.stringify(d.values.config), preset: JSON.stringify(d.values.preset) }));
}
