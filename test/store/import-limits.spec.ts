// Bundles are untrusted input: their strings are bounded like the API's, and the runs they bring in queued
// are adopted by a live server (not left waiting for nobody).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ExperimentConfig } from '../../src-main/schema/experiment';
import { MAX_TAGS_PER_RUN } from '../../src-main/schema/run';
import { exportBundle, importBundle } from '../../src-main/store/bundle';
import { RunStore } from '../../src-main/store/run-store';
import { JobRunner } from '../../src-main/jobs/runner';
import { nodeForkHost } from '../../src-main/jobs/host';
import { removeDeadSpools, SPOOL_PREFIX } from '../../src-main/jobs/spool';

const dir = mkdtempSync(join(tmpdir(), 'import-limits-'));
const config = ExperimentConfig.parse({
  seed: 3,
  backend: 'wasm',
  threads: 1,
  task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: 64, batchSize: 16, epochs: 1, stabiliserEpochs: 0, testSamples: 32 },
});

/** Re-signs an edited bundle, as an attacker would (the checksum guards against accidents, not people). */
function tampered(bundle: Buffer, edit: (runs: Array<Record<string, unknown>>) => void): Buffer {
  const json = JSON.parse(gunzipSync(bundle).toString('utf8'));
  edit(json.runs);
  json.sha256 = createHash('sha256').update(JSON.stringify(json.runs)).digest('hex');
  return gzipSync(JSON.stringify(json));
}

describe('bundle strings are bounded', () => {
  const source = RunStore.open(':memory:');
  const bundle = exportBundle(source, [source.createRun(config, { status: 'finished' }).id]);

  it.each([
    ['a 5 MB name', (r: Record<string, unknown>) => void (r.name = 'x'.repeat(5 * 2 ** 20)), /name/],
    [`${MAX_TAGS_PER_RUN + 1} tags`, (r: Record<string, unknown>) => void (r.tags = Array.from({ length: MAX_TAGS_PER_RUN + 1 }, (_, i) => `t${i}`)), /tags/],
    ['a 1 MB tag', (r: Record<string, unknown>) => void (r.tags = ['y'.repeat(2 ** 20)]), /tags/],
    ['a 1 MB note', (r: Record<string, unknown>) => void (r.notes = [{ createdAt: 1, text: 'z'.repeat(2 ** 20) }]), /notes/],
    ['a 1 MB error', (r: Record<string, unknown>) => void (r.error = 'e'.repeat(2 ** 20)), /error/],
  ])('%s is refused before anything is written', (_what, edit, field) => {
    const target = RunStore.open(':memory:');
    expect(() =>
      importBundle(
        target,
        tampered(bundle, (runs) => edit(runs[0])),
      ),
    ).toThrow(field);
    expect(target.listRuns({})).toHaveLength(0);
  });

  it('a run takes at most MAX_TAGS_PER_RUN tags through the API too', () => {
    const store = RunStore.open(':memory:');
    const id = store.createRun(config, { status: 'finished' }).id;
    for (let i = 0; i < MAX_TAGS_PER_RUN; i++) store.tag(id, `t${i}`);
    expect(() => store.tag(id, 'one-more')).toThrow(/at most/);
    store.tag(id, 't0');
  });
});

describe('imported queued runs', () => {
  it('are adopted and trained by a live server', async () => {
    const source = RunStore.open(':memory:');
    const bundle = exportBundle(source, [source.createRun(config, { status: 'queued' }).id]);
    const store = RunStore.open(join(dir, 'adopt.sqlite'));
    const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, ownerKind: 'serve' });
    try {
      runner.recover();
      const [id] = importBundle(store, bundle);
      runner.sweep();
      await runner.wait(id);
      expect(store.getRun(id)!.status).toBe('finished');
    } finally {
      runner.dispose();
      store.close();
    }
  }, 60_000);
});

describe('spool folders', () => {
  it('those of processes that no longer exist are removed; live ones stay', () => {
    const parent = join(dir, 'tmp');
    mkdirSync(join(parent, `${SPOOL_PREFIX}999999-00ff`), { recursive: true });
    mkdirSync(join(parent, `${SPOOL_PREFIX}${process.pid}-00aa`), { recursive: true });
    mkdirSync(join(parent, `${SPOOL_PREFIX}1-00bb`), { recursive: true });
    mkdirSync(join(parent, 'unrelated'), { recursive: true });
    const removed = removeDeadSpools(parent, (pid) => pid === 1);
    expect(removed).toEqual([`${SPOOL_PREFIX}999999-00ff`]);
    expect(readdirSync(parent).sort()).toEqual([`${SPOOL_PREFIX}${process.pid}-00aa`, `${SPOOL_PREFIX}1-00bb`, 'unrelated'].sort());
  });
});
