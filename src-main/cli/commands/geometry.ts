// `moduli geometry …`: inspect moduli spaces, distances, embeddings and penalty matrices from the shell.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { NAMED_SPACE_IDS, PenaltySpec } from '../../schema/penalty';
import type { ModuliSpace, Points } from '../../engine/geometry/space';

// The geometry engine (and tfjs behind it) loads when a geometry command runs, not when the CLI starts.
type GeometryEngine = typeof import('../../engine/geometry/penalty') & typeof import('../../engine/geometry/spaces');
let E!: GeometryEngine;
async function loadEngine(): Promise<void> {
  E ??= { ...(await import('../../engine/geometry/penalty')), ...(await import('../../engine/geometry/spaces')) };
}
import { positiveInteger, UsageError } from '../errors';
import { emit, matrixCsv, toCsv, toTable } from '../format';
import { addSchemaFlags, setSchemaFlags, type SchemaFlag } from '../schema-flags';

/** The penalty spec's fields as flags (help, choices and defaults from the schema; `train` has the same names). */
const LAYOUT_FLAG: SchemaFlag = { flag: 'layout', path: 'layout' };
const PENALTY_FLAGS: readonly SchemaFlag[] = [
  { flag: 'space', path: 'space', hint: `${NAMED_SPACE_IDS.join(', ')}, torus<k>, s<n>, r<n>` },
  LAYOUT_FLAG,
  { flag: 'weighting', path: 'weighting' },
  { flag: 'invert', path: 'invert', negatable: true },
  { flag: 'permute', path: 'permute' },
  { flag: 'separate-embeddings', path: 'separateEmbeddings' },
  { flag: 'dog-outer', path: 'dog.outer' },
  { flag: 'dog-inner', path: 'dog.inner' },
];

/** The penalty spec from the given flags; the schema fills every default. */
function penaltySpecFrom(given: Record<string, unknown>, flags: readonly SchemaFlag[]): PenaltySpec {
  const input: Record<string, unknown> = {};
  setSchemaFlags(input, given, flags, PenaltySpec);
  const parsed = PenaltySpec.safeParse(input);
  const flagOf = (path: string) => `--${flags.find((f) => f.path === path)?.flag ?? path}`;
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${flagOf(i.path.join('.'))}: ${i.message}`).join('; '));
  return parsed.data;
}

function requireSpace(id: string): ModuliSpace {
  const space = E.spaceById(id);
  if (!space) throw new UsageError(`space '${id}' places no points (standard = all-ones C, none = no penalty): use 'geometry penalty'`);
  return space;
}

function parseVector(text: string, space: ModuliSpace, what: string): number[] {
  const v = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  if (v.length !== space.dim || v.some((x) => !Number.isFinite(x))) {
    throw new UsageError(`${what} '${text}': expected ${space.dim} comma-separated numbers for ${space.id}`);
  }
  return v;
}

/** Reads points from a JSON array of arrays, or from CSV / whitespace-separated lines ('-' = stdin). */
export function readPoints(file: string, space: ModuliSpace): Points {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read points file '${file}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let rows: unknown;
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      rows = JSON.parse(trimmed);
    } catch {
      throw new UsageError(`points file '${file}' looks like JSON but does not parse`);
    }
    if (rows && typeof rows === 'object' && !Array.isArray(rows) && 'points' in rows) rows = (rows as { points: unknown }).points;
  } else {
    rows = trimmed
      .split(/\r?\n/)
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .map((l) =>
        l
          .split(/[,\s]+/)
          .filter(Boolean)
          .map(Number),
      );
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new UsageError(`points file '${file}' holds no points`);
  const coords = new Float64Array(rows.length * space.dim);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== space.dim || r.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new UsageError(`points file '${file}', point ${i + 1}: expected ${space.dim} finite numbers for ${space.id}`);
    }
    coords.set(r as number[], i * space.dim);
  });
  return { n: rows.length, dim: space.dim, coords };
}

function pointsJson(p: Points): number[][] {
  return Array.from({ length: p.n }, (_, i) => Array.from(p.coords.subarray(i * p.dim, (i + 1) * p.dim)));
}

function matrixJson(m: ArrayLike<number>, n: number, cols = n): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, j) => m[i * cols + j]));
}

const formatOption = (choices: string[], dflt: string) => new Option('--format <format>', 'output format').choices(choices).default(dflt);

export function geometryCommand(): Command {
  const cmd = new Command('geometry').description('moduli spaces, geodesic distances, embeddings and penalty matrices');

  cmd
    .command('spaces')
    .description('list the moduli spaces and their distance formulas')
    .addOption(formatOption(['table', 'json'], 'table'))
    .action(async (o: { format: string }) => {
      await loadEngine();
      const rows = NAMED_SPACE_IDS.map((id) => {
        const s = E.spaceById(id);
        if (!s) return { id, label: id === 'standard' ? 'Standard (plain L1/L2)' : 'None', dim: 0, formula: id === 'standard' ? 'C = all ones' : 'no penalty' };
        return { id: s.id, label: s.label, dim: s.dim, formula: s.formula };
      });
      if (o.format === 'json') emit(JSON.stringify(rows, null, 2) + '\n');
      else
        emit(
          toTable(
            ['id', 'space', 'coords', 'distance'],
            rows.map((r) => [r.id, r.label, r.dim, r.formula]),
          ) + 'Also: torus<k> (T^k), s<n> (S^n), r<n> (R^n).\n',
        );
    });

  cmd
    .command('distance')
    .description('geodesic distance between two points, e.g. `geometry distance --space klein 0.5,2 9.5,8`')
    .requiredOption('--space <id>', 'moduli space')
    .argument('<a>', 'first point, comma-separated coordinates')
    .argument('<b>', 'second point')
    .action(async (a: string, b: string, o: { space: string }) => {
      await loadEngine();
      const space = requireSpace(o.space);
      const d = space.distance(parseVector(a, space, 'point a'), parseVector(b, space, 'point b'));
      // Never print NaN or ∞ as a distance: say which input has no finite answer.
      if (!Number.isFinite(d))
        throw new UsageError(
          `no finite ${space.id} distance between '${a}' and '${b}' (a zero vector on a sphere, or coordinates so large the distance overflows)`,
        );
      emit(`${d}\n`);
    });

  cmd
    .command('distances')
    .description('pairwise distance matrix of the points in a file (JSON [[…]] or CSV lines; - for stdin)')
    .requiredOption('--space <id>', 'moduli space')
    .requiredOption('--points <file>', 'points file')
    .addOption(formatOption(['json', 'csv'], 'json'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--force', 'replace the --out file if it exists')
    .action(async (o: { space: string; points: string; format: string; out?: string; force?: boolean }) => {
      await loadEngine();
      const space = requireSpace(o.space);
      const pts = readPoints(o.points, space);
      const D = E.distanceMatrix(space, pts, pts);
      emit(o.format === 'csv' ? matrixCsv(D, pts.n, pts.n, 10) : JSON.stringify(matrixJson(D, pts.n)) + '\n', o.out, o.force);
    });

  const embed = cmd
    .command('embed')
    .description('embed N neurons (random or lattice) and print their points and embedding order')
    .requiredOption('--space <id>', 'moduli space')
    .option('--n <count>', 'number of neurons', positiveInteger('--n'), 64);
  addSchemaFlags(embed, [LAYOUT_FLAG], PenaltySpec, { showDefaults: true })
    .option('--seed <seed>', 'seed', positiveInteger('--seed'), 1)
    .addOption(formatOption(['json', 'csv'], 'json'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--force', 'replace the --out file if it exists')
    .action(async (o: { space: string; n: number; seed: number; format: string; out?: string; force?: boolean }) => {
      await loadEngine();
      const spec = penaltySpecFrom(o, [{ flag: 'space', path: 'space' }, LAYOUT_FLAG]);
      const p = E.buildPenalty({ ...spec, weighting: 'distance', invert: false }, o.n, o.seed);
      const pts = p.embedding.rows;
      if (!pts) throw new UsageError(`space '${o.space}' places no points`);
      const order = Array.from(p.embedding.order);
      if (o.format === 'csv') {
        const rank = new Array<number>(pts.n);
        order.forEach((neuron, k) => (rank[neuron] = k));
        const header = ['neuron', ...Array.from({ length: pts.dim }, (_, c) => `x${c}`), 'order_rank'];
        emit(
          toCsv(
            header,
            pointsJson(pts).map((r, i) => [i, ...r, rank[i]]),
          ),
          o.out,
          o.force,
        );
      } else emit(JSON.stringify({ space: o.space, layout: spec.layout, seed: o.seed, points: pointsJson(pts), order }) + '\n', o.out, o.force);
    });

  const penalty = cmd
    .command('penalty')
    .description('build the N×N penalty matrix C and print its statistics (or the matrix itself)')
    .option('--n <count>', 'number of neurons', positiveInteger('--n'), 256);
  addSchemaFlags(penalty, PENALTY_FLAGS, PenaltySpec, { showDefaults: true })
    .option('--seed <seed>', 'seed', positiveInteger('--seed'), 1)
    .addOption(formatOption(['summary', 'json', 'csv'], 'summary'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--force', 'replace the --out file if it exists')
    .action(async (o: { n: number; seed: number; format: string; out?: string; force?: boolean } & Record<string, unknown>) => {
      await loadEngine();
      const spec = penaltySpecFrom(o, PENALTY_FLAGS);
      const p = E.buildPenalty(spec, o.n, o.seed);
      const e = p.embedding;
      const D = e.space && e.rows && e.cols ? E.distanceMatrix(e.space, e.rows, e.cols) : undefined;
      const stats = E.penaltyStats(p, D);
      if (o.format === 'csv') emit(matrixCsv(p.C, o.n, o.n), o.out, o.force);
      else if (o.format === 'json')
        emit(JSON.stringify({ spec, n: o.n, seed: o.seed, stats, order: Array.from(e.order), C: matrixJson(p.C, o.n) }) + '\n', o.out, o.force);
      else {
        const rows: Array<[string, string | number]> = [
          ['space', spec.space],
          ['neurons', o.n],
          ['weighting', `${spec.weighting}${spec.invert ? ', inverted' : ''}${spec.permute ? ', permuted' : ''}`],
          ['max distance', stats.maxDistance.toFixed(4)],
          ['mean distance', stats.meanDistance.toFixed(4)],
          ['max C', stats.maxC.toFixed(4)],
          ['mean C', stats.meanC.toFixed(4)],
          ['pairs with C < max/2', `${(100 * stats.fractionBelowHalfMax).toFixed(2)} %`],
          ['pairs with C < max/10', `${(100 * stats.fractionBelowTenthMax).toFixed(2)} %`],
        ];
        emit(toTable(['', ''], rows).split('\n').slice(1).join('\n'), o.out, o.force);
      }
    });
  return cmd;
}
