// The headless CLI as a user runs it: a real `node bin/moduli.mjs` process per command.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'cli-'));

// Asynchronous: a blocking spawnSync of a training run can starve vitest's worker RPC on 2 cores.
function moduli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/moduli.mjs'), ...args],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MODULI_DB: join(dir, 'default.sqlite') } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

const TINY = [
  '--task',
  'adding',
  '--preset',
  'quick',
  '--set',
  'task.epochs=2',
  '--set',
  'task.samplesPerEpoch=160',
  '--set',
  'task.hidden=16',
  '--set',
  'task.sequenceLength=8',
  '--set',
  'task.stabiliserEpochs=0',
  '--quiet',
];

describe('moduli CLI', async () => {
  it('backend names the backend a run would use and why better ones were passed over, without driver noise on stderr', async () => {
    const r = await moduli('backend', '--json');
    expect(r.code, r.err).toBe(0);
    const info = JSON.parse(r.out) as { active: string; gpu: boolean; notices: string[] };
    // The ladder: every better backend passed over is named with its reason, in order; WebGPU only on hardware.
    const ladder = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm'];
    expect(ladder).toContain(info.active);
    const passed = ladder.slice(0, ladder.indexOf(info.active));
    expect(info.notices.slice(0, passed.length).map((n) => n.split(':')[0])).toEqual(passed);
    if (info.active === 'webgpu') expect(info.gpu).toBe(true);
    // auto probes WebGPU in a child process: Dawn's Vulkan warnings (e.g. a refused lavapipe) stay out of sight.
    if (info.active !== 'webgpu') expect(info.notices[0]).toMatch(/^webgpu: /);
    expect(r.err).toBe('');
    const bad = await moduli('backend', '--backend', 'cuda');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^moduli: option '--backend <backend>' argument 'cuda' is invalid/);
  });

  it('baselines prints the decoding floor per seed without training; a preset the task lacks is a usage error', async () => {
    const r = await moduli('baselines', '--task', 'navigation', '--preset', 'paper-regime', '--seeds', '1-2', '--json');
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as Array<{ seed: number; decoding_floor_cm: number; start_position_error_cm: number }>;
    expect(rows.map((x) => x.seed)).toEqual([1, 2]);
    for (const x of rows) expect(x.decoding_floor_cm).toBeGreaterThan(3);
    for (const x of rows) expect(x.decoding_floor_cm).toBeLessThan(x.start_position_error_cm);
    const bad = await moduli('train', '--task', 'adding', '--preset', 'paper-regime', '--no-record');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/the adding task has no 'paper-regime' preset: expected one of paper, medium, quick/);
  });

  it('geometry distance prints the Klein distance across the glide reflection', async () => {
    const r = await moduli('geometry', 'distance', '--space', 'klein', '0.5,2', '9.5,8');
    expect(r.code).toBe(0);
    expect(Number(r.out)).toBeCloseTo(1, 9);
  });

  it('geometry distances reads a points file and prints the matrix', async () => {
    const file = join(dir, 'pts.csv');
    writeFileSync(file, '0,0\n9,9\n5,5\n');
    const r = await moduli('geometry', 'distances', '--space', 'torus', '--points', file);
    const D = JSON.parse(r.out);
    expect(D[0][1]).toBeCloseTo(Math.SQRT2, 9);
    expect(D[0][2]).toBeCloseTo(Math.sqrt(50), 9);
  });

  it('geometry penalty takes every field of the penalty spec as a flag, with the schema’s defaults and messages', async () => {
    const { schemaPaths } = await import('../../src-main/schema/paths');
    const { PenaltySpec } = await import('../../src-main/schema/penalty');
    const help = (await moduli('geometry', 'penalty', '--help')).out;
    // Each schema path is named in the help ([path]); a new penalty field without a flag fails here.
    const paths = schemaPaths(PenaltySpec);
    const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}.`)));
    for (const path of leaves) expect(help, path).toContain(`[${path}]`);
    expect(help).toMatch(/--dog-outer <value>[^[]*default 5 \[dog\.outer\]/);
    const r = await moduli('geometry', 'penalty', '--n', '8', '--weighting', 'gauss', '--no-invert', '--dog-inner', '3', '--format', 'json');
    expect(r.code, r.err).toBe(0);
    const spec = (JSON.parse(r.out) as { spec: Record<string, unknown> }).spec;
    expect(spec).toEqual(PenaltySpec.parse({ weighting: 'gauss', invert: false, dog: { inner: 3 } }));
    const bad = await moduli('geometry', 'penalty', '--dog-outer', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/^moduli: --dog-outer: .*>0/);
  });

  it('bad input gives one clear line and a non-zero exit', async () => {
    const space = await moduli('geometry', 'penalty', '--space', 'hyperbolic');
    expect(space.code).not.toBe(0);
    expect(space.err.trim().split('\n')).toHaveLength(1);
    expect(space.err).toMatch(/unknown moduli space/);
    const corpus = await moduli('train', '--task', 'language', '--corpus', join(dir, 'no-such-dir'), '--quiet');
    // Checked before anything is created: a usage error naming the split and what to provide.
    expect(corpus.code).toBe(2);
    expect(corpus.err).toMatch(/the train split '.*train\.txt' \(task\.corpus\.train\) is missing or empty/);
    const config = await moduli('train', '--task', 'adding', '--set', 'task.hidden=-3');
    expect(config.code).toBe(2);
    expect(config.err).toMatch(/invalid configuration: task\.hidden/);
  });

  it('train records the run; runs list/show/tag/note/export/import work on it', async () => {
    const db = join(dir, 'a.sqlite');
    const train = await moduli('train', ...TINY, '--db', db, '--json');
    expect(train.code).toBe(0);
    const { runId, result } = JSON.parse(train.out);
    expect(Number.isFinite(result.test.mse)).toBe(true);
    expect((await moduli('runs', 'tag', runId, 'smoke', '--db', db)).code).toBe(0);
    expect((await moduli('runs', 'note', runId, 'from the CLI test', '--db', db)).code).toBe(0);
    const list = JSON.parse((await moduli('runs', 'list', '--db', db, '--format', 'json')).out);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: runId, status: 'finished', tags: ['smoke'], finalMetric: result.test.mse });
    expect((await moduli('runs', 'show', runId.slice(0, 5), '--db', db)).out).toMatch(/from the CLI test/);
    const bundle = join(dir, 'run.mwb');
    expect((await moduli('runs', 'export', runId, '--out', bundle, '--db', db)).code).toBe(0);
    const other = join(dir, 'b.sqlite');
    expect((await moduli('runs', 'import', bundle, '--db', other)).out).toMatch(new RegExp(`imported 1 run\\(s\\): ${runId}`));
    const truncated = join(dir, 'truncated.mwb');
    writeFileSync(truncated, readFileSync(bundle).subarray(0, 100));
    const bad = await moduli('runs', 'import', truncated, '--db', join(dir, 'c.sqlite'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a readable bundle/);
    expect(JSON.parse((await moduli('runs', 'list', '--db', join(dir, 'c.sqlite'), '--format', 'json')).out)).toEqual([]);
  });
});

describe('runs against a database that does not exist', () => {
  it('list says so and show/tag/export refuse (exit 2), and none of them creates the file', async () => {
    const missing = join(dir, 'never-created.sqlite');
    const list = await moduli('runs', 'list', '--db', missing);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/no run database yet/);
    for (const args of [
      ['show', 'abc'],
      ['tag', 'abc', 'x'],
      ['export', 'abc', '--out', join(dir, 'b.mwb')],
    ]) {
      const r = await moduli('runs', ...args, '--db', missing);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no run database at/);
    }
    expect(existsSync(missing)).toBe(false);
  }, 60_000);

  it('a mistyped task or space is a usage error naming the valid ones, not "no runs"', async () => {
    const task = await moduli('runs', 'list', '--task', 'navigaton');
    expect(task.code).toBe(2);
    expect(task.err).toMatch(/navigation, language, adding/);
    const space = await moduli('runs', 'list', '--space', 'torsu');
    expect(space.code).toBe(2);
    expect(space.err).toMatch(/unknown moduli space/);
  }, 60_000);
});
