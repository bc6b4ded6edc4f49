// The engine version: a hash of the sources that map a configuration to its results (the engine without its
// study reports, and the config schema whose defaults fill every run). Any change to them, comments included,
// gives a new version; `study extend` refuses to mix versions in one study (docs/studies/README.md).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Folders and files under src-main that produce results; engine/study only reads them. */
const ENGINE_DIRS = ['engine'];
const EXCLUDED_DIRS = [join('engine', 'study')];
const SCHEMA_FILES = [join('schema', 'experiment.ts'), join('schema', 'penalty.ts'), join('schema', 'spaces.ts')];

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!EXCLUDED_DIRS.includes(rel)) out.push(...sourceFiles(root, rel));
    } else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** 'e' + the first 12 hex digits of SHA-256 over the engine sources under `srcMain` (paths and contents). */
export function engineSourceHash(srcMain: string): string {
  const files = [...ENGINE_DIRS.flatMap((d) => sourceFiles(srcMain, d)), ...SCHEMA_FILES]
    .map((f) => relative(srcMain, join(srcMain, f)).split(sep).join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const f of files) {
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(join(srcMain, f)))
      .update('\0');
  }
  return `e${hash.digest('hex').slice(0, 12)}`;
}
