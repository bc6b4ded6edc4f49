// Portable run bundles: one gzip'd JSON file holding runs with their config, metrics, epochs, snapshots,
// checkpoint, tags and notes. Import validates the whole file (gzip, JSON, schema, checksums) before it
// writes anything, then writes everything in one transaction.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { ExperimentConfig } from '../schema/experiment';
import { MAX_NOTES_PER_RUN, MAX_TAGS_PER_RUN, RunName, RunNoteText, RunStatus, RunTag } from '../schema/run';
import type { RunStore } from './run-store';

export const BUNDLE_FORMAT = 'moduli-workbench-bundle';
export const BUNDLE_VERSION = 1;

const nanNumber = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

const BundledRun = z.object({
  id: z.string().regex(/^[0-9a-zA-Z_-]{1,64}$/),
  name: RunName,
  status: RunStatus,
  config: ExperimentConfig,
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  backend: z.string().max(100).nullable(),
  // Absent in bundles written before schema v5.
  backendDevice: z.string().max(200).nullable().optional(),
  engineVersion: z.string().max(200).nullable().optional(),
  error: z.string().max(20_000).nullable(),
  result: z.unknown().nullable(),
  finalMetric: z.number().nullable(),
  finalSparsity: z.number().nullable(),
  tags: z.array(RunTag).max(MAX_TAGS_PER_RUN),
  notes: z.array(z.object({ createdAt: z.number(), text: RunNoteText })).max(MAX_NOTES_PER_RUN),
  metrics: z.array(z.tuple([z.string().max(200), z.number(), z.number().nullable(), z.string().max(20)])),
  // JSON has no NaN: a diverged run's values arrive as null and are read back as NaN.
  epochs: z.array(
    z.object({
      phase: z.string(),
      epoch: z.number(),
      step: z.number(),
      pruneAmount: nanNumber,
      threshold: nanNumber,
      learningRate: nanNumber,
      sparsity: z.any(),
      valid: z.record(z.string(), nanNumber),
    }),
  ),
  snapshots: z.array(
    z.object({
      phase: z.string(),
      epoch: z.number(),
      step: z.number(),
      matrix: z.string(),
      rows: z.number().int().positive(),
      cols: z.number().int().positive(),
      gates: z.number().int().positive(),
      weights: b64,
      mask: b64.nullable(),
      order: b64,
    }),
  ),
  checkpoint: z.object({ phase: z.string(), epoch: z.number(), step: z.number(), bytes: b64 }).nullable(),
});

const Bundle = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  createdAt: z.number(),
  runs: z.array(BundledRun),
  sha256: z.string(),
});

export class BundleError extends Error {}

/**
 * The most a bundle may decompress to. Bounded while decompressing (zlib stops at the limit), so a small
 * crafted file cannot expand into gigabytes; V8 cannot hold a JSON string much larger than this anyway.
 * MODULI_MAX_BUNDLE_MB raises it.
 */
export function maxBundleBytes(): number {
  const mb = Number(process.env.MODULI_MAX_BUNDLE_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 256 * 2 ** 20;
}

const enc = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

function digest(runs: unknown): string {
  return createHash('sha256').update(JSON.stringify(runs)).digest('hex');
}

export function exportBundle(store: RunStore, runIds: string[]): Buffer {
  const runs = runIds.map((id) => {
    const r = store.getRun(id);
    if (!r) throw new BundleError(`no run '${id}'`);
    const metrics = store.db.prepare('SELECT name, step, value, phase FROM metrics WHERE run_id = ? ORDER BY name, step').raw().all(id);
    const ck = store.checkpoint(id);
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      config: r.config,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      backend: r.backend,
      backendDevice: r.backendDevice,
      engineVersion: r.engineVersion,
      error: r.error,
      result: r.result,
      finalMetric: r.finalMetric,
      finalSparsity: r.finalSparsity,
      tags: r.tags,
      notes: store.notes(id),
      metrics,
      epochs: store.epochs(id),
      snapshots: store.snapshots(id).map((m) => {
        const s = store.snapshot(m.id)!;
        return {
          phase: s.phase,
          epoch: s.epoch,
          step: s.step,
          matrix: s.matrix,
          rows: s.rows,
          cols: s.cols,
          gates: s.gates,
          weights: enc(s.weights),
          mask: s.mask ? enc(s.mask) : null,
          order: enc(s.order),
        };
      }),
      checkpoint: ck ? { phase: ck.phase, epoch: ck.epoch, step: ck.step, bytes: enc(ck.bytes) } : null,
    };
  });
  return gzipSync(JSON.stringify({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION, createdAt: Date.now(), runs, sha256: digest(runs) }));
}

/** Validates a bundle completely; throws BundleError naming the first problem. */
export function parseBundle(bytes: Buffer, maxBytes = maxBundleBytes()): z.infer<typeof Bundle> {
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new BundleError(`bundle decompresses to more than ${Math.round(maxBytes / 2 ** 20)} MB (the limit; set MODULI_MAX_BUNDLE_MB to raise it): refused`);
    }
    throw new BundleError(`not a readable bundle (truncated or not gzip'd JSON): ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleError(`not a readable bundle (truncated or not gzip'd JSON): ${(e as Error).message}`);
  }
  const parsed = Bundle.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new BundleError(`invalid bundle: ${i.path.join('.')}: ${i.message}`);
  }
  if (digest(parsed.data.runs) !== parsed.data.sha256) throw new BundleError('invalid bundle: checksum mismatch (the file was altered)');
  for (const r of parsed.data.runs) {
    for (const s of r.snapshots) {
      const n = s.rows * s.cols;
      if (Buffer.from(s.weights, 'base64').length !== 4 * n) throw new BundleError(`invalid bundle: run ${r.id} snapshot ${s.matrix} has the wrong size`);
    }
  }
  return parsed.data;
}

/** Reads and imports a bundle file (a compressed file larger than the decompressed limit is refused unread). */
export function importBundleFile(store: RunStore, file: string): string[] {
  const limit = maxBundleBytes();
  if (statSync(file).size > limit)
    throw new BundleError(`'${file}' is larger than ${Math.round(limit / 2 ** 20)} MB (the limit; set MODULI_MAX_BUNDLE_MB to raise it)`);
  return importBundle(store, readFileSync(file));
}

/** Imports every run of a bundle, or nothing. Returns the imported ids. */
export function importBundle(store: RunStore, bytes: Buffer): string[] {
  const bundle = parseBundle(bytes);
  const clash = bundle.runs.filter((r) => store.getRun(r.id)).map((r) => r.id);
  if (clash.length) throw new BundleError(`runs already in this database: ${clash.join(', ')} (delete them first to re-import)`);
  store.db.transaction(() => {
    for (const r of bundle.runs) {
      store.createRun(r.config, { id: r.id, status: r.status });
      store.db.prepare('UPDATE runs SET name = ?, created_at = ? WHERE id = ?').run(r.name, r.createdAt, r.id);
      store.update(r.id, {
        startedAt: r.startedAt ?? undefined,
        finishedAt: r.finishedAt ?? undefined,
        backend: r.backend ?? undefined,
        backendDevice: r.backendDevice ?? null,
        error: r.error,
        result: r.result ?? undefined,
        finalMetric: r.finalMetric,
        finalSparsity: r.finalSparsity,
      });
      if (r.engineVersion) store.db.prepare('UPDATE runs SET engine_version = ? WHERE id = ?').run(r.engineVersion, r.id);
      for (const t of r.tags) store.tag(r.id, t);
      for (const n of r.notes) store.db.prepare('INSERT INTO notes (run_id, created_at, text) VALUES (?, ?, ?)').run(r.id, n.createdAt, n.text);
      store.appendMetrics(
        r.id,
        r.metrics.map(([name, step, value, phase]) => ({ name, step, value: value ?? NaN, phase })),
      );
      for (const e of r.epochs) store.recordEpoch(r.id, e);
      for (const s of r.snapshots) {
        const ob = Buffer.from(s.order, 'base64');
        store.addSnapshot(r.id, {
          phase: s.phase,
          epoch: s.epoch,
          step: s.step,
          matrix: s.matrix,
          rows: s.rows,
          cols: s.cols,
          gates: s.gates,
          weights: f32(s.weights),
          mask: s.mask ? f32(s.mask) : null,
          order: new Int32Array(ob.buffer.slice(ob.byteOffset, ob.byteOffset + ob.byteLength)),
        });
      }
      if (r.checkpoint) store.saveCheckpoint(r.id, { ...r.checkpoint, bytes: new Uint8Array(Buffer.from(r.checkpoint.bytes, 'base64')) });
    }
  })();
  return bundle.runs.map((r) => r.id);
}
