// The layering (eslint/layers.js, run by `npm run lint`): each folder imports only from the layers allowed for
// it, reported at the import; SQL only under src-main/store. Checked here too, so `npm test` alone catches a
// violation, and the rule itself is checked against planted violations (it must be able to fail).
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT, overrideConfig: { rules: {} } });

async function problems(files: string[]): Promise<string[]> {
  const results = await eslint.lintFiles(files);
  return results.flatMap((r) =>
    r.messages
      .filter((m) => m.ruleId === 'moduli/layers' || m.ruleId === 'no-restricted-syntax')
      .map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line} ${m.message}`),
  );
}

async function planted(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return r.messages.map((m) => m.message);
}

describe('architecture', () => {
  it('no folder imports outside its allowed layers, and no SQL outside the store', async () => {
    expect(await problems(['src-main/**/*.ts', 'src-renderer/**/*.ts', 'src-renderer/**/*.vue'])).toEqual([]);
  }, 120_000);

  it('the rule reports planted violations at the import', async () => {
    expect(
      await planted('src-renderer/src/planted.ts', "import { buildPenalty } from '../../src-main/engine/geometry/penalty';\nexport const f = buildPenalty;\n"),
    ).toEqual([expect.stringMatching(/src-renderer may import only .*not src-main\/engine\/geometry\/penalty/)]);
    expect(
      await planted('src-renderer/src/planted.ts', "import type { RunStore } from '../../src-main/store/run-store';\nexport type S = RunStore;\n"),
    ).toEqual([expect.stringMatching(/not src-main\/store\/run-store/)]);
    expect(await planted('src-main/engine/planted.ts', "import { RunStore } from '../store/run-store';\nexport const s = RunStore;\n")).toEqual([
      expect.stringMatching(/src-main\/engine may import only/),
    ]);
    expect(await planted('src-main/engine/planted.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toEqual([
      expect.stringMatching(/must not import the package 'better-sqlite3'/),
    ]);
    expect(await planted('src-main/engine/tasks/planted.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toEqual([
      expect.stringMatching(/src-main\/engine must not import the package 'better-sqlite3'/),
    ]);
    // Inside the engine: the loop drives tasks; a task (or a learning rule) reaching back up to it is reported.
    expect(
      await planted('src-main/engine/tasks/planted.ts', "import { runExperiment } from '../training/trainer';\nexport const r = runExperiment;\n"),
    ).toEqual([expect.stringMatching(/src-main\/engine\/tasks may import only .*not src-main\/engine\/training\/trainer/)]);
    expect(await planted('src-main/engine/learning/planted.ts', "import type { Task } from '../tasks/task';\nexport type T = Task;\n")).toEqual([
      expect.stringMatching(/not src-main\/engine\/tasks\/task/),
    ]);
    expect(await planted('src-main/engine/training/planted.ts', "import { createTask } from '../tasks';\nexport const c = createTask;\n")).toEqual([]);
    expect(await planted('src-main/schema/planted.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([
      expect.stringMatching(/must not import the package 'node:fs'/),
    ]);
    expect(
      await planted('src-main/jobs/planted.ts', "export function f(store: { db: { prepare(s: string): void } }) {\n  store.db.prepare('SELECT 1');\n}\n"),
    ).toEqual([expect.stringMatching(/SQL belongs in src-main\/store/)]);
  }, 60_000);
});
