// Building an ExperimentConfig from CLI input: preset → config file → named flags → --set overrides,
// validated once by the shared zod schema (so CLI errors read like the form's).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertConfigPath, ExperimentConfig, TASKS, type ExperimentConfigInput, type TaskName } from '../schema/experiment';
import { setPath } from '../schema/paths';
import { PRESET_NAMES, presetConfig, type PresetName } from '../schema/presets';
import { UsageError } from './errors';

export interface ConfigFlags {
  task?: string;
  preset?: string;
  config?: string;
  seed?: number;
  backend?: string;
  space?: string;
  layout?: string;
  weighting?: string;
  invert?: boolean;
  permute?: boolean;
  lambda?: number;
  power?: number;
  target?: number;
  schedule?: string;
  learnEmbedding?: boolean;
  lottery?: boolean;
  corpus?: string;
  set?: string[];
}

/** `key=value`: value parsed as JSON when it is valid JSON (numbers, booleans, objects), else a string. */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set '${text}': expected path=value, e.g. task.hidden=256`);
  const path = text.slice(0, eq);
  try {
    assertConfigPath(path);
  } catch (e) {
    throw new UsageError(`--set ${(e as Error).message}`);
  }
  const raw = text.slice(eq + 1);
  try {
    return [path, JSON.parse(raw)];
  } catch {
    return [path, raw];
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`config file '${path}' not found`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file '${path}' is not valid JSON: ${(e as Error).message}`);
  }
}

export function buildConfig(flags: ConfigFlags): ExperimentConfig {
  let base: Record<string, unknown> = {};
  if (flags.config) base = readConfigFile(flags.config);
  const taskName = (flags.task ?? (base.task as { task?: string } | undefined)?.task) as string | undefined;
  if (!taskName) throw new UsageError(`--task is required (one of ${TASKS.join(', ')}) unless --config names one`);
  if (!TASKS.includes(taskName as TaskName)) throw new UsageError(`unknown task '${taskName}': expected one of ${TASKS.join(', ')}`);
  if (flags.preset && !PRESET_NAMES.includes(flags.preset as PresetName)) {
    throw new UsageError(`unknown preset '${flags.preset}': expected one of ${PRESET_NAMES.join(', ')}`);
  }
  const merged: Record<string, unknown> = flags.config && !flags.preset ? base : { ...presetConfig(taskName as TaskName, (flags.preset ?? 'quick') as PresetName, {}), ...base };
  if (flags.task) setPath(merged, 'task.task', flags.task);
  const named: Array<[string, unknown]> = [
    ['seed', flags.seed],
    ['backend', flags.backend],
    ['regularization.penalty.space', flags.space],
    ['regularization.penalty.layout', flags.layout],
    ['regularization.penalty.weighting', flags.weighting],
    ['regularization.penalty.invert', flags.invert],
    ['regularization.penalty.permute', flags.permute],
    ['regularization.lambda', flags.lambda],
    ['regularization.power', flags.power],
    ['regularization.learnEmbedding', flags.learnEmbedding],
    ['pruning.target', flags.target],
    ['pruning.schedule', flags.schedule],
    ['lottery.enabled', flags.lottery],
  ];
  for (const [path, v] of named) if (v !== undefined) setPath(merged, path, v);
  if (flags.corpus) {
    for (const split of ['train', 'valid', 'test']) setPath(merged, `task.corpus.${split}`, join(flags.corpus, `${split}.txt`));
  }
  for (const a of flags.set ?? []) {
    const [path, value] = parseAssignment(a);
    setPath(merged, path, value);
  }
  const parsed = ExperimentConfig.safeParse(merged as ExperimentConfigInput);
  if (!parsed.success) {
    throw new UsageError(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
