// The study form's state → a StudySpec, validated by expanding it exactly as the server will (so the run
// count shown before launching is the number of runs that will be queued). Pure, tested without a DOM.
import { expandStudy } from '../../src-main/schema/study-grid';
import type { TaskName } from '../../src-main/schema/experiment';
import { presetConfig, type PresetName } from '../../src-main/schema/presets';
import type { StudySpecInput } from '../../src-main/schema/study';
import { parseSeedList } from '../../src-main/schema/run-name';

export interface StudyFormState {
  name: string;
  task: TaskName;
  scale: PresetName;
  corpusDir: string;
  /** One hidden size (sets the base) or several, comma-separated (an N axis: a scaling study). */
  hidden: string;
  /** Named configurations (the template arms), multi-selected. */
  arms: string[];
  /** Axis values, multi-selected; two or more values make an axis, one value sets the base. */
  lambdas: number[];
  targets: number[];
  learnEmbedding: boolean[];
  lottery: boolean[];
  /** Seed list as typed, as the experiment form takes it: "1-3" or "1, 2, 5". */
  seeds: string;
}

export const LAMBDA_CHOICES = [0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1];
export const TARGET_CHOICES = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99];

export interface StudyFormResult {
  spec: StudySpecInput | null;
  cells: string[];
  runs: number;
  error: string;
}

export function buildStudySpec(form: StudyFormState, armTable: Record<string, Record<string, unknown>>): StudyFormResult {
  const fail = (error: string): StudyFormResult => ({ spec: null, cells: [], runs: 0, error });
  if (!form.arms.length) return fail('choose at least one configuration');
  let seeds: number[];
  try {
    seeds = parseSeedList(form.seeds);
  } catch (e) {
    return fail(`seeds: ${(e as Error).message}`);
  }
  if (form.task === 'language' && !form.corpusDir.trim()) return fail('the language model needs a corpus folder with train.txt, valid.txt, test.txt');
  const base = presetConfig(form.task, form.scale) as unknown as Record<string, unknown> & { task: Record<string, unknown> };
  const sizes = form.hidden
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  if (sizes.length === 1) base.task = { ...base.task, hidden: sizes[0] };
  if (form.task === 'language') {
    const d = form.corpusDir.trim().replace(/\/+$/, '');
    base.task = { ...base.task, corpus: { train: `${d}/train.txt`, valid: `${d}/valid.txt`, test: `${d}/test.txt` } };
  }
  const axes: Record<string, unknown[]> = {};
  const baseOverrides: Record<string, unknown> = {};
  const axis = (path: string, values: unknown[]) => {
    if (values.length > 1) axes[path] = values;
    else if (values.length === 1) baseOverrides[path] = values[0];
  };
  if (sizes.length > 1) axes['task.hidden'] = sizes;
  axis('regularization.lambda', form.lambdas);
  axis('pruning.target', form.targets);
  axis('regularization.learnEmbedding', form.learnEmbedding);
  axis('lottery.enabled', form.lottery);
  const unknownArm = form.arms.find((a) => !armTable[a]);
  if (unknownArm) return fail(`unknown configuration '${unknownArm}'`);
  const spec: StudySpecInput = {
    name: form.name.trim() || `${form.task} study (${form.scale})`,
    base,
    // A single-valued "axis" applies to every arm, after the arm's own overrides (the arm "no regulariser"
    // keeps λ = 0 unless λ is an axis).
    arms: form.arms.map((name) => {
      const own = armTable[name];
      const shared = Object.fromEntries(Object.entries(baseOverrides).filter(([k]) => !(k === 'regularization.lambda' && 'regularization.lambda' in own)));
      return { name, overrides: { ...own, ...shared } };
    }),
    axes,
    seeds,
  };
  try {
    const { cells, runs } = expandStudy(spec);
    return { spec, cells: cells.map((c) => c.label), runs: runs.length, error: '' };
  } catch (e) {
    return fail((e as Error).message);
  }
}
