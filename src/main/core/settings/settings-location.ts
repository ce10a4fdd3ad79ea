/**
 * Where the settings file is: in the data folder, which the entry knows before the config is
 * built (the settings are one of the layers the config is built from).
 */
import { join, resolve } from 'node:path';
import type { SupervisorConfigInput } from '../../../shared/config';
import { defaultDataDir } from '../config';

type Env = Record<string, string | undefined>;

/** Name of the settings file in the data folder. */
export const SETTINGS_FILE_NAME = 'settings.json';

/**
 * The data folder the entry will use, known before the config is built (the settings file
 * lives in it): a `--data-dir` flag, then `SUPERVISOR_DATA_DIR`, then `fallback` (the
 * platform's data folder by default; the desktop passes Electron's `userData`).
 */
export function settingsDataDir(
  env: Env,
  overrides: Partial<SupervisorConfigInput> = {},
  fallback: string = defaultDataDir(env),
): string {
  return resolve(overrides.dataDir ?? (env.SUPERVISOR_DATA_DIR || fallback));
}

/** `<dataDir>/settings.json`. */
export function settingsFileIn(dataDir: string): string {
  return join(dataDir, SETTINGS_FILE_NAME);
}
