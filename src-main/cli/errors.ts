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
