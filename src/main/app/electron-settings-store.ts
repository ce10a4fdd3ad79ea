/**
 * The desktop's settings: electron-store (schema-checked, atomic writes) on
 * `<dataDir>/settings.json`, where `dataDir` is `SUPERVISOR_DATA_DIR` or Electron's
 * `userData`. The file is validated before electron-store sees it (see JsonSettingsStore):
 * a corrupt file is reported and left untouched, and the app runs with the defaults.
 */
import ElectronStore from 'electron-store';
import type { SupervisorConfig } from '../../shared/config';
import type { Settings } from '../../shared/settings';
import { loadConfig, type ConfigDefaults } from '../core/config';
import { ConfigError } from '../core/errors';
import { SettingsFileError } from '../core/settings/settings-errors';
import { JsonSettingsStore, type SettingsStore } from '../core/settings/settings-file-store';
import { settingsDataDir, settingsFileIn } from '../core/settings/settings-location';
import { overridesOf, type SettingsSource } from '../core/settings/settings-service';

/** The settings file kept by electron-store. `file` is absolute, so electron-store never asks Electron for a folder. */
export class ElectronSettingsStore extends JsonSettingsStore {
  constructor(file: string) {
    super(file, (options, name) => new ElectronStore<Settings>({ ...options, name }));
  }
}

/** The desktop's configuration with its settings, and what went wrong with the settings file. */
export interface DesktopConfig {
  config: SupervisorConfig;
  /** Backs the settings channels. */
  settings: SettingsSource;
  /**
   * Why the settings file was not used (corrupt, or not combining with the environment), for
   * a dialog; null when it was. The app then runs with the defaults and never saves over it.
   */
  settingsError: string | null;
}

type Env = Record<string, string | undefined>;

/**
 * Builds the desktop's config: environment > settings file > defaults (`dataDir` defaults to
 * `userData`). A settings file that cannot be used does not stop the app: the config is built
 * without it and `settingsError` says why.
 * @throws ConfigError when the environment alone gives an invalid config.
 */
export function loadDesktopConfig(
  env: Env,
  defaults: ConfigDefaults,
  userData: string,
  store: SettingsStore = new ElectronSettingsStore(settingsFileIn(settingsDataDir(env, {}, userData))),
): DesktopConfig {
  const resolveWith = (values: Settings): SupervisorConfig =>
    loadConfig(env, defaults, { dataDir: userData, ...values });
  const keepNote = 'Backend Supervisor runs with the default settings; the file was left unchanged.';
  let values: Settings = {};
  let settingsError: string | null = null;
  try {
    values = store.load();
  } catch (err) {
    if (!(err instanceof SettingsFileError)) throw err;
    settingsError = `${err.message}\n\n${keepNote}`;
  }
  let config: SupervisorConfig;
  try {
    config = resolveWith(values);
  } catch (err) {
    if (!(err instanceof ConfigError) || Object.keys(values).length === 0) throw err;
    settingsError = `The settings in ${store.path} do not make a valid configuration: ${err.message}\n\n${keepNote}`;
    config = resolveWith({});
  }
  return { config, settings: { store, resolve: resolveWith, overrides: overridesOf(env) }, settingsError };
}
