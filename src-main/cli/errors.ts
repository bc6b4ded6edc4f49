// One clear line on stderr and a non-zero exit for every user error; stack traces only with MODULI_DEBUG=1.
import { ZodError } from 'zod';
import { InvalidInputError } from '../schema/errors';

export class UsageError extends Error {}

export function describeError(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export function exitWithError(err: unknown): never {
  process.stderr.write(`moduli: ${describeError(err)}\n`);
  if (process.env.MODULI_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(err instanceof UsageError || err instanceof InvalidInputError ? 2 : 1);
}

/** Commander parser for a whole-number option in [min, max]: '0', 'abc', '-1' or '2.5' is a usage error. */
export function integerOption(flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*[+-]?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `${min}–${max}`;
      throw new UsageError(`${flag} must be a whole number ${range}, got '${v}'`);
    }
    return n;
  };
}

/** A whole number ≥ 1 (at most `max`). */
export const positiveInteger = (flag: string, max?: number) => integerOption(flag, 1, max);
