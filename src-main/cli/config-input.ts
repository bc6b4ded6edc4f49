// Building an ExperimentConfig from CLI input, in one documented order (later wins, objects merge deeply):
//   preset (--task, --preset)  <  --config file  <  named flags (--lambda, …)  <  --set path=value
// then validated once by the shared zod schema, so CLI errors read like the form's. The named flags are
// generated from the schema: their help text is the field's description, their choices its enum values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { assertConfigPath, ExperimentConfig, TASKS, type ExperimentConfigInput, type TaskName } from '../schema/experiment';
import { deepMerge, setPath } from '../schema/paths';
import { NAMED_SPACE_IDS } from '../schema/penalty';
import { PRESET_NAMES, presetConfig, presetLabel, presetsFor, type PresetName } from '../schema/presets';
import { UsageError } from './errors';
import { addSchemaFlags, setSchemaFlags, type SchemaFlag } from './schema-flags';

/** The config fields that get a named flag (everything else: --set path=value). */
export const EXPERIMENT_FLAGS: readonly SchemaFlag[] = [
  { flag: 'seed', path: 'seed' },
  { flag: 'backend', path: 'backend' },
  { flag: 'threads', path: 'threads', hint: 'a number or auto' },
  { flag: 'blas', path: 'blas' },
  { flag: 'space', path: 'regularization.penalty.space', hint: `${NAMED_SPACE_IDS.join(', ')}, torus<k>, s<n>, r<n>` },
  { flag: 'layout', path: 'regularization.penalty.layout' },
  { flag: 'weighting', path: 'regularization.penalty.weighting' },
  { flag: 'invert', path: 'regularization.penalty.invert', negatable: true },
  { flag: 'permute', path: 'regularization.penalty.permute' },
  { flag: 'lambda', path: 'regularization.lambda' },
  { flag: 'power', path: 'regularization.power' },
  { flag: 'target', path: 'pruning.target' },
  { flag: 'schedule', path: 'pruning.schedule' },
  { flag: 'learn-embedding', path: 'regularization.learnEmbedding' },
  { flag: 'lottery', path: 'lottery.enabled' },
];

export type ConfigFlags = {
  task?: string;
  preset?: string;
  config?: string;
  corpus?: string;
  set?: string[];
} & Record<string, unknown>;

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Adds --task, --preset, --config, --corpus, --set and one flag per EXPERIMENT_FLAGS entry. */
export function addExperimentOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--task <task>', 'task').choices([...TASKS]))
    .addOption(new Option('--preset <preset>', `preset sizes: ${PRESET_NAMES.map(presetLabel).join(', ')}`).choices([...PRESET_NAMES]))
    .option('--config <file>', 'experiment config JSON (any part of an ExperimentConfig; merged over the preset)');
  addSchemaFlags(cmd, EXPERIMENT_FLAGS, ExperimentConfig);
  return cmd
    .option('--corpus <dir>', 'language model: folder with train.txt, valid.txt, test.txt')
    .option('--set <path=value>', 'override any config field, e.g. --set task.hidden=256 (repeatable)', collect);
}

/** `key=value`: value parsed as JSON when it is valid JSON (numbers, booleans, objects), else a string. */
export function parseAssignment(text: string, option = '--set'): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} '${text}': expected path=value, e.g. task.hidden=256`);
  const path = text.slice(0, eq);
  try {
    assertConfigPath(path);
  } catch (e) {
    throw new UsageError(`${option} ${(e as Error).message}`);
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file '${path}' is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`config file '${path}' must hold a JSON object`);
  return value as Record<string, unknown>;
}

export function buildConfig(flags: ConfigFlags): ExperimentConfig {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const taskName = (flags.task ?? (file.task as { task?: string } | undefined)?.task) as string | undefined;
  if (!taskName) throw new UsageError(`--task is required (one of ${TASKS.join(', ')}) unless --config names one`);
  if (!TASKS.includes(taskName as TaskName)) throw new UsageError(`unknown task '${taskName}': expected one of ${TASKS.join(', ')}`);
  if (flags.preset && !PRESET_NAMES.includes(flags.preset as PresetName)) {
    throw new UsageError(`unknown preset '${flags.preset}': expected one of ${PRESET_NAMES.join(', ')}`);
  }
  if (flags.preset && !presetsFor(taskName as TaskName).includes(flags.preset as PresetName)) {
    throw new UsageError(`the ${taskName} task has no '${flags.preset}' preset: expected one of ${presetsFor(taskName as TaskName).join(', ')}`);
  }
  // A config file alone is complete (schema defaults fill the rest); with --preset, or without a file, the
  // preset is the base and the file merges into it field by field.
  const base =
    flags.config && !flags.preset
      ? {}
      : (presetConfig(taskName as TaskName, (flags.preset ?? 'quick') as PresetName, {}) as unknown as Record<string, unknown>);
  let merged: Record<string, unknown>;
  try {
    merged = deepMerge(base, file);
  } catch (e) {
    throw new UsageError(`config file '${flags.config}': ${(e as Error).message}`);
  }
  if (flags.task) setPath(merged, 'task.task', flags.task);
  setSchemaFlags(merged, flags, EXPERIMENT_FLAGS, ExperimentConfig);
  if (flags.corpus) {
    for (const split of ['train', 'valid', 'test']) setPath(merged, `task.corpus.${split}`, join(flags.corpus, `${split}.txt`));
  }
  for (const a of flags.set ?? []) {
    const [path, value] = parseAssignment(a);
    setPath(merged, path, value);
  }
  const parsed = ExperimentConfig.safeParse(merged as ExperimentConfigInput);
  if (!parsed.success) {
    throw new UsageError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
