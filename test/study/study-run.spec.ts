// A tiny study end to end: real SQLite, real worker processes, then the report.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport, summarizeStudy } from '../../src-main/engine/study/report';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { createService } from '../../src-main/api/service';
import { createStudy, extendStudy } from '../../src-main/jobs/study';
import { studyDetail, studyFigures, studyInfo, studyResults, studyRows } from '../../src-main/queries/study';
import { engineVersion } from '../../src-main/engine/version';
import { RunStore } from '../../src-main/store/run-store';

describe('a study run', () => {
  it('queues arms × seeds tagged by cell, runs them, and reports every cell', async () => {
    const store = RunStore.open(join(mkdtempSync(join(tmpdir(), 'study-')), 'runs.sqlite'));
    const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 2 });
    const base = {
      backend: 'wasm',
      task: { task: 'adding', sequenceLength: 8, hidden: 16, samplesPerEpoch: 160, batchSize: 16, epochs: 2, stabiliserEpochs: 0, testSamples: 32 },
      pruning: { target: 0.5 },
    };
    const { studyId, runIds } = createStudy(store, runner, {
      name: 'tiny',
      base,
      arms: [
        { name: 'torus DoG⁻¹', overrides: { 'regularization.penalty.space': 'torus' } },
        { name: 'no regulariser', overrides: { 'regularization.penalty.space': 'none', 'regularization.lambda': 0 } },
      ],
      seeds: [1, 2],
    });
    expect(runIds).toHaveLength(4);
    await runner.waitAll();
    const rows = studyRows(store, studyId);
    expect(rows.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(studyInfo(store, studyId.slice(0, 4)).task).toBe('adding');
    const summary = summarizeStudy(rows, 'mse');
    expect(summary.map((s) => [s.cell, s.finished])).toEqual([
      ['torus DoG⁻¹', 2],
      ['no regulariser', 2],
    ]);
    expect(summary[0].vs['no regulariser']).not.toBeNull();
    expect(renderReport(summary, 'md', { title: 'tiny', primary: 'mse' })).toMatch(/\| no regulariser \| 2\/2 \|/);

    // What the study view shows: per-run status, the report with the structure analysis, the figures.
    const detail = studyDetail(store, studyId);
    expect(detail.runs.every((r) => r.status === 'finished' && r.progress === 1)).toBe(true);
    for (const c of detail.cells) {
      expect(c.locality!.mean).toBeGreaterThan(0);
      expect(c.locality!.mean).toBeLessThan(2);
    }
    const figs = studyFigures(store, studyId, { bins: 10, structure: true });
    // Distance profiles: one band per arm, both seeds (a bin counts the seeds whose random embedding puts pairs
    // in it), kept fractions within [0, 1]; no numeric axis here.
    expect(figs.distanceProfiles.map((g) => [g.group, g.bands.map((b) => b.cell)])).toEqual([['', ['torus DoG⁻¹', 'no regulariser']]]);
    for (const b of figs.distanceProfiles[0].bands) {
      expect(Math.max(...b.n)).toBe(2);
      expect(b.mean.every((m) => m >= 0 && m <= 1)).toBe(true);
    }
    expect(figs.metricVsAxis).toBeNull();
    expect(figs.metricVsSparsity.map((b) => b.n)).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(figs.metricVsSparsity[0].x[1]).toBeCloseTo(0.5, 2);
    expect(figs.trainingLoss[0].x.length).toBeGreaterThan(1);
    expect(figs.trainingLoss[0].n.every((k) => k === 2)).toBe(true);

    // The same through the API, which validates a new study before anything is queued.
    const api = createService(store, new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 0 }));
    expect(((await api.call('listStudies', [])) as unknown[]).length).toBe(1);
    await expect(api.call('createStudy', [{ name: 'bad', base, arms: [{ name: 'x', overrides: { 'task.hidden': -1 } }], seeds: [1] }])).rejects.toThrow(
      /cell 'x': task.hidden/,
    );
    await expect(api.call('createStudy', [{ name: 'bad', base, seeds: [] }])).rejects.toThrow(/seeds/);
    expect(((await api.call('listStudies', [])) as unknown[]).length).toBe(1);
    expect(await api.call('studyReport', [studyId, 'csv'])).toMatch(/^configuration,runs,mse/);
    // More seeds: every cell gets the seeds it lacks, the spec lists them, and asking again adds nothing.
    const runner2 = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 2 });
    const extended = extendStudy(store, runner2, studyId, [1, 2, 3]);
    expect(extended.runIds).toHaveLength(2);
    await runner2.waitAll();
    const grown = studyRows(store, studyId);
    expect(grown.filter((r) => r.seed === 3).map((r) => [r.cell, r.status])).toEqual([
      ['torus DoG⁻¹', 'finished'],
      ['no regulariser', 'finished'],
    ]);
    expect(studyInfo(store, studyId).spec.seeds).toEqual([1, 2, 3]);
    expect(extendStudy(store, runner2, studyId, [2, 3]).runIds).toEqual([]);
    runner2.dispose();
    // Nothing to resume in a finished study; an unknown one is named.
    expect(await api.call('resumeStudy', [studyId])).toEqual({ studyId, resumed: [] });
    await expect(api.call('resumeStudy', ['nope'])).rejects.toThrow(/no study with id 'nope'/);
    // Every run records the engine that trained it, and the per-run results carry it.
    const results = studyResults(store, studyId);
    expect(results).toHaveLength(6);
    expect(new Set(results.map((r) => r.engineVersion))).toEqual(new Set([engineVersion()]));
    expect(results.every((r) => r.validByEpoch.length === 2 && r.final !== null && r.perMatrix.W_hh !== undefined)).toBe(true);
    // A study one of whose runs another engine trained takes no more runs from this one.
    store.db.prepare('UPDATE runs SET engine_version = ? WHERE id = ?').run('eaaaaaaaaaaaa', runIds[0]);
    expect(() => extendStudy(store, new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 0 }), studyId, [4])).toThrow(
      /trained by engine .*eaaaaaaaaaaaa/,
    );
    await expect(api.call('resumeStudy', [studyId])).rejects.toThrow(/start a new study/);
    store.close();
  });
});
