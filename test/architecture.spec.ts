// Layering, as STYLE.md asks: schema → engine → (store, jobs) → (api, charts) → (main, preload, server, cli) → renderer.
// charts holds pure ECharts option builders and SSR exports, so the CLI draws the same figures as the UI.
// A lower layer never imports a higher one; the engine never touches Electron, SQLite or the DOM.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const LAYERS: Record<string, number> = {
  'src-main/schema': 0,
  'src-main/engine': 1,
  'src-main/store': 2,
  'src-main/jobs': 2,
  'src-main/api': 3,
  'src-main/charts': 3,
  'src-main/server': 4,
  'src-main/cli': 4,
  'src-main/main': 4,
  'src-main/preload': 4,
  'src-renderer': 5,
};
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  'src-main/schema': /^(@tensorflow|electron|better-sqlite3|vue|echarts|node:)/,
  'src-main/engine': /^(electron|better-sqlite3|vue|echarts|pinia)/,
  'src-renderer': /^(@tensorflow|electron|better-sqlite3|node:)/,
};

function layerOf(file: string): string | undefined {
  return Object.keys(LAYERS).find((l) => file === l || file.startsWith(l + '/'));
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|vue)$/.test(name)) yield full;
  }
}

describe('architecture', () => {
  const violations: string[] = [];
  for (const top of ['src-main', 'src-renderer']) {
    for (const file of sourceFiles(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      const layer = layerOf(rel);
      if (!layer) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(file, '..', spec));
          const targetLayer = layerOf(target);
          if (targetLayer && LAYERS[targetLayer] > LAYERS[layer]) violations.push(`${rel} (${layer}) imports ${target} (${targetLayer})`);
        } else if (FORBIDDEN_PACKAGES[layer]?.test(spec)) {
          violations.push(`${rel} (${layer}) imports package '${spec}'`);
        }
      }
    }
  }

  it('no layer imports a higher layer, and the engine imports no Electron, SQLite or DOM library', () => {
    expect(violations).toEqual([]);
  });
});
