// Named CLI flags generated from a zod schema: each flag's help is the field's description (with its default),
// its choices the field's enum values, and its value lands at the field's path. `train` uses it for the
// experiment config, `geometry` for the penalty spec, so neither retypes a default or a list of kinds.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { z } from 'zod';
import { fieldInfo } from '../schema/fields';
import { setPath } from '../schema/paths';

export interface SchemaFlag {
  /** The flag without dashes: 'dog-outer'. */
  flag: string;
  /** The field's dotted path inside the schema: 'dog.outer'. */
  path: string;
  /** Extra words for the help: 'a number or auto'. */
  hint?: string;
  /** A boolean that defaults to true also gets --no-<flag>. */
  negatable?: boolean;
}

const camel = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** Adds one option per flag, described by the schema at `root`. */
export function addSchemaFlags(cmd: Command, flags: readonly SchemaFlag[], root: z.ZodType, { showDefaults = false } = {}): Command {
  for (const f of flags) {
    const info = fieldInfo(f.path, root);
    const dflt = showDefaults && info.default !== undefined && typeof info.default !== 'object' ? `; default ${String(info.default)}` : '';
    const help = `${info.description ?? f.path}${f.hint ? ` (${f.hint})` : ''}${dflt} [${f.path}]`;
    if (info.kind === 'boolean') {
      cmd.option(`--${f.flag}`, help);
      if (f.negatable) cmd.option(`--no-${f.flag}`, `not: ${help}`);
      continue;
    }
    const option = new Option(`--${f.flag} <value>`, help);
    const numeric = info.kind === 'number' || info.kind === 'integer' || typeof info.choices?.[0] === 'number';
    if (info.choices) option.choices(info.choices.map(String));
    // commander's choices check is itself a parser: numbers are converted after it, in setSchemaFlags.
    if (numeric && !info.choices) {
      option.argParser((v: string) => {
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number`);
        return n;
      });
    }
    cmd.addOption(option);
  }
  return cmd;
}

/** Writes the given flags' values into `target` at their paths (flags not given are left alone). */
export function setSchemaFlags(target: Record<string, unknown>, given: Record<string, unknown>, flags: readonly SchemaFlag[], root: z.ZodType): void {
  for (const f of flags) {
    const v = given[camel(f.flag)];
    if (v === undefined) continue;
    const info = fieldInfo(f.path, root);
    const numericChoice = typeof info.choices?.[0] === 'number';
    // A field that takes a number or a word (threads: 4 or auto): digits are the number.
    const numberOrWord = info.kind === 'other' && typeof v === 'string' && /^\d+$/.test(v);
    setPath(target, f.path, numericChoice || numberOrWord ? Number(v) : v);
  }
}
