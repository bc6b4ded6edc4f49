// Persisted app settings (JSON in the user data folder), versioned: older files are migrated, unreadable
// ones are kept aside as settings.json.bad and replaced by defaults — a bad file never blocks the app.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { Backend } from '../schema/experiment';

export const SETTINGS_VERSION = 2;

export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION),
  databasePath: z.string().nullable().default(null).describe('null: runs.sqlite in the user data folder'),
  concurrency: z.number().int().min(1).max(64).nullable().default(null).describe('null: 1 per 2 CPU cores'),
  backend: Backend.default('auto').describe("preferred backend for runs whose config says 'auto'"),
  cudaDevices: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated GPU indices, e.g. 0 or 0,1')
    .nullable()
    .default(null)
    .describe('CUDA_VISIBLE_DEVICES for training workers (null: all GPUs)'),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  firstRunDone: z.boolean().default(false),
});
export type Settings = z.infer<typeof Settings>;

/** Version 1 (0.0.x previews): { dbPath, threads, darkMode }. */
function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.version === undefined || raw.version === 1) {
    return {
      version: 2,
      databasePath: typeof raw.dbPath === 'string' ? raw.dbPath : null,
      concurrency: typeof raw.threads === 'number' ? Math.max(1, Math.floor(raw.threads / 2)) : null,
      theme: raw.darkMode === true ? 'dark' : raw.darkMode === false ? 'light' : 'system',
      firstRunDone: true,
    };
  }
  return raw;
}

export function loadSettings(file: string): { settings: Settings; notice: string | null } {
  if (!existsSync(file)) return { settings: Settings.parse({ version: SETTINGS_VERSION }), notice: null };
  try {
    const parsed = Settings.parse(migrate(JSON.parse(readFileSync(file, 'utf8'))));
    return { settings: parsed, notice: null };
  } catch (e) {
    renameSync(file, `${file}.bad`);
    return {
      settings: Settings.parse({ version: SETTINGS_VERSION }),
      notice: `settings file was unreadable (${(e as Error).message.split('\n')[0]}); kept as ${file}.bad, using defaults`,
    };
  }
}

export function saveSettings(file: string, s: Settings): void {
  writeFileSync(file, JSON.stringify(Settings.parse(s), null, 2));
}
