// ESLint rule `moduli/layers`: each folder may import only from the folders listed for it (after VS Code's
// `code-layering` rule), reported at the import. The architecture, lowest first:
//   math → schema → engine → store → queries → jobs → charts, api → server, cli, main, preload → renderer
// and inside the engine: blas → threads → ops → models; geometry → learning; → tasks → training (study beside)
// (math: pure helpers with no imports, numeric and export escaping, that every layer, the renderer included, may use).
// The renderer sees the backend only through the API contract (types), the schemas and the pure chart builders.
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

const MATH = 'src-main/math';
const SCHEMA = 'src-main/schema';
const ENGINE = 'src-main/engine';
const STORE = 'src-main/store';
const JOBS = 'src-main/jobs';
const CHARTS = 'src-main/charts';
const API = 'src-main/api';
const QUERIES = 'src-main/queries';

/**
 * Rooms inside the engine, lowest first (each may import the rooms above it in this list and itself). The
 * training loop sits on top: it drives tasks, which are built from models, ops and the learning rules
 * (optimizers, the moduli penalty, pruning masks); nothing below imports the loop.
 */
const E = (room) => `${ENGINE}/${room}`;
const ENGINE_BASE = [MATH, SCHEMA, E('random.ts'), E('read.ts')];
const ENGINE_ROOMS = {
  [E('blas')]: [E('blas')],
  [E('threads')]: [E('blas'), E('threads')],
  [E('ops')]: [E('blas'), E('threads'), E('ops')],
  [E('models')]: [E('blas'), E('threads'), E('ops'), E('models')],
  [E('geometry')]: [E('geometry')],
  [E('learning')]: [E('geometry'), E('learning')],
  [E('tasks')]: [E('blas'), E('threads'), E('ops'), E('models'), E('geometry'), E('learning'), E('tasks')],
  [E('study')]: [E('geometry'), E('learning'), E('study')],
};

/** Folder → the folders (or single files) its code may import from. The first matching folder applies. */
export const ALLOWED = {
  ...Object.fromEntries(Object.entries(ENGINE_ROOMS).map(([room, rooms]) => [room, [...ENGINE_BASE, ...rooms]])),
  [MATH]: [MATH],
  [SCHEMA]: [MATH, SCHEMA],
  [ENGINE]: [MATH, SCHEMA, ENGINE],
  [STORE]: [MATH, SCHEMA, ENGINE, STORE],
  [QUERIES]: [MATH, SCHEMA, ENGINE, STORE, QUERIES],
  [JOBS]: [MATH, SCHEMA, ENGINE, STORE, QUERIES, JOBS],
  [CHARTS]: [MATH, SCHEMA, ENGINE, CHARTS],
  [API]: [MATH, SCHEMA, ENGINE, STORE, QUERIES, JOBS, CHARTS, API],
  'src-main/server': [MATH, SCHEMA, ENGINE, STORE, QUERIES, JOBS, CHARTS, API, 'src-main/server'],
  'src-main/cli': [MATH, SCHEMA, ENGINE, STORE, QUERIES, JOBS, CHARTS, API, 'src-main/server', 'src-main/cli'],
  'src-main/main': [MATH, SCHEMA, ENGINE, STORE, QUERIES, JOBS, API, 'src-main/main'],
  'src-main/preload': ['src-main/api/method-names.ts', 'src-main/preload'],
  'src-renderer': [MATH, SCHEMA, 'src-main/api/contract.ts', 'src-main/api/method-names.ts', CHARTS, 'src-renderer'],
};

/** Packages a folder must not import (the engine runs in workers without Electron, SQLite or a DOM). */
export const FORBIDDEN_PACKAGES = {
  [MATH]: /./,
  [SCHEMA]: /^(@tensorflow|electron|better-sqlite3|vue|echarts|pinia|node:)/,
  [ENGINE]: /^(electron|better-sqlite3|vue|echarts|pinia)/,
  'src-renderer': /^(@tensorflow|electron|better-sqlite3|node:)/,
};

const within = (file, folder) => file === folder || file.startsWith(folder.endsWith('.ts') ? folder : `${folder}/`);
const layerOf = (file) => Object.keys(ALLOWED).find((l) => within(file, l));

/** The file a relative import names, relative to the repository root, with or without its extension. */
function targetOf(filename, source) {
  return relative(ROOT, resolve(dirname(filename), source))
    .split('\\')
    .join('/');
}

function check(context, node, source) {
  if (typeof source !== 'string') return;
  const file = relative(ROOT, context.filename).split('\\').join('/');
  const layer = layerOf(file);
  if (!layer) return;
  if (!source.startsWith('.')) {
    // By folder, not layer: the engine's rooms inherit the engine's ban.
    const [banned, forbidden] = Object.entries(FORBIDDEN_PACKAGES).find(([folder]) => within(file, folder)) ?? [];
    if (forbidden?.test(source)) context.report({ node, message: `${banned} must not import the package '${source}'` });
    return;
  }
  const target = targetOf(context.filename, source);
  const targetLayer = layerOf(target) ?? Object.keys(ALLOWED).find((l) => within(`${target}.ts`, l));
  if (!targetLayer) return;
  const ok = ALLOWED[layer].some((allowed) => within(target, allowed) || within(`${target}.ts`, allowed));
  if (!ok) context.report({ node, message: `${layer} may import only ${ALLOWED[layer].join(', ')}; not ${target}` });
}

export const layersRule = {
  meta: { type: 'problem', docs: { description: 'each folder imports only from the layers allowed for it' }, schema: [] },
  create(context) {
    return {
      ImportDeclaration: (node) => check(context, node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(context, node, node.source.value),
      ExportAllDeclaration: (node) => check(context, node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(context, node, node.source.value),
    };
  },
};

export const moduliPlugin = { rules: { layers: layersRule } };
