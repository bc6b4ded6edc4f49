// Every file a command writes for the user (bundles, reports, figures, matrices, checkpoints) goes through
// here, so that no output path can destroy data: a SQLite database (ours or anyone's) and its -wal, -shm and
// -journal companions are never written, whatever the path looks like (relative, through a link, a hard
// link); an existing file is replaced only when the user said so (--force); and a write lands whole or not
// at all (a temporary file beside it, then rename), so a full disk never leaves half a bundle.
import { closeSync, existsSync, linkSync, lstatSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../schema/errors';

const SQLITE_HEADER = 'SQLite format 3\0';
const COMPANIONS = ['-wal', '-shm', '-journal'];

export interface OutputOptions {
  /** Replace an existing file (the user passed --force). Databases are never replaced. */
  overwrite?: boolean;
  /** Files that must never be written, with their companions (the open run database). */
  protect?: readonly string[];
}

function isSqliteFile(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_HEADER;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Same file on disk (device and inode): catches hard links and paths through symbolic links. */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Why `path` must not be written, or null. */
function databaseReason(path: string, protect: readonly string[]): string | null {
  for (const db of protect) {
    for (const suffix of ['', ...COMPANIONS]) {
      if (sameFile(path, db + suffix)) return `it is the run database${suffix ? ` (its ${suffix} file)` : ''}`;
    }
  }
  if (isSqliteFile(path)) return 'it is a SQLite database';
  for (const suffix of COMPANIONS) {
    if (path.endsWith(suffix) && isSqliteFile(path.slice(0, -suffix.length))) return `it is the ${suffix} file of a SQLite database`;
  }
  return null;
}

/** Throws InvalidInputError when writing `path` could destroy data; call before any long work. */
export function checkOutputPath(path: string, opts: OutputOptions = {}): void {
  const reason = databaseReason(path, opts.protect ?? []);
  if (reason) throw new InvalidInputError(`refusing to write '${path}': ${reason}; choose another output file`);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    if (!existsSync(dirname(resolve(path)))) throw new InvalidInputError(`cannot write '${path}': folder '${dirname(path)}' does not exist`);
    return;
  }
  if (stat.isDirectory()) throw new InvalidInputError(`cannot write '${path}': it is a folder`);
  if (!opts.overwrite) throw new InvalidInputError(`'${path}' already exists; pass --force to replace it, or choose another file`);
}

/** link() fails if the name appeared meanwhile, where rename would silently replace it; file systems without hard links get rename. */
function linkOrRename(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
    rmSync(tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    if (existsSync(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    renameSync(tmp, path);
  }
}

/** Writes `data` to `path` whole or not at all, after checkOutputPath. */
export function writeOutputFile(path: string, data: string | Uint8Array, opts: OutputOptions = {}): void {
  checkOutputPath(path, opts);
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    if (opts.overwrite) renameSync(tmp, path);
    else linkOrRename(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new InvalidInputError(`'${path}' already exists; pass --force to replace it, or choose another file`);
    throw e;
  }
}
