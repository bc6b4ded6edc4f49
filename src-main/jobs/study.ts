// Creating and reading studies: expand the spec, enqueue every run tagged with its study and cell, and
// gather the rows a report needs.
import { randomBytes } from 'node:crypto';
import { expandStudy } from '../engine/study/grid';
import type { StudyRow } from '../engine/study/report';
import type { StudySpecInput } from '../schema/study';
import type { RunStore } from '../store/run-store';
import type { JobRunner } from './runner';

export function createStudy(store: RunStore, runner: JobRunner, input: StudySpecInput): { studyId: string; runIds: string[] } {
  const { spec, runs } = expandStudy(input);
  const studyId = randomBytes(5).toString('hex');
  store.db.prepare('INSERT INTO studies (id, name, spec_json, created_at) VALUES (?, ?, ?, ?)').run(studyId, spec.name, JSON.stringify(spec), Date.now());
  const runIds = runs.map((r) => {
    const id = runner.enqueue(r.config);
    store.db.prepare('UPDATE runs SET study_id = ?, study_cell = ? WHERE id = ?').run(studyId, r.cell, id);
    return id;
  });
  return { studyId, runIds };
}

export function studyRows(store: RunStore, studyId: string): StudyRow[] {
  const rows = store.db.prepare('SELECT id, study_cell, seed, status, result_json, final_sparsity FROM runs WHERE study_id = ? ORDER BY rowid').all(studyId) as Array<{
    id: string;
    study_cell: string;
    seed: number;
    status: string;
    result_json: string | null;
    final_sparsity: number | null;
  }>;
  return rows.map((r) => {
    const result = r.result_json ? (JSON.parse(r.result_json) as { test: Record<string, number>; lottery?: Record<string, number>; diverged: boolean }) : null;
    return { cell: r.study_cell, seed: r.seed, status: r.status, test: result?.test ?? null, lottery: result?.lottery ?? null, sparsity: r.final_sparsity, diverged: result?.diverged ?? false };
  });
}

export function studyInfo(store: RunStore, idOrPrefix: string): { id: string; name: string; task: string } {
  const rows = store.db.prepare("SELECT id, name, spec_json FROM studies WHERE id LIKE ? || '%' LIMIT 2").all(idOrPrefix) as Array<{ id: string; name: string; spec_json: string }>;
  if (rows.length !== 1) throw new Error(rows.length ? `study id prefix '${idOrPrefix}' is ambiguous` : `no study with id '${idOrPrefix}'`);
  const spec = JSON.parse(rows[0].spec_json) as { base: { task?: { task?: string } } };
  return { id: rows[0].id, name: rows[0].name, task: spec.base.task?.task ?? 'adding' };
}
