/**
 * The settings channels (read, save, probe a health URL, import a `.env` text) over the
 * settings file and the entry's way of building the config from it.
 */
import type { SupervisorConfig } from '../../../shared/config';
import {
  isSettingsKey,
  SETTINGS_KEYS,
  type EnvImportResult,
  type HealthUrlTest,
  type HealthUrlTestResult,
  type Settings,
  type SettingsKey,
  type SettingSource,
  type SettingsView,
  type SettingsWarnings,
} from '../../../shared/settings';
import { ENV_VARIABLES } from '../config';
import { ConfigError } from '../errors';
import type { HealthProbe } from '../health-probe';
import { launchPathWarnings } from '../settings-paths';
import { SettingsError, SettingsFileError } from './settings-errors';
import { checkedSettings, type SettingsStore } from './settings-file-store';

type Env = Record<string, string | undefined>;

/** What the settings channels need from the entry that built the config. */
export interface SettingsSource {
  store: SettingsStore;
  /**
   * The config a start with these stored values gets: flags > environment > `values` >
   * defaults, exactly as the entry builds it.
   * @throws ConfigError when they do not combine (the message names the variable; each
   * issue's `field` is the key it is about).
   */
  resolve(values: Settings): SupervisorConfig;
  /** Keys set by the environment or by a flag (see {@link overridesOf}). */
  overrides: ReadonlyMap<SettingsKey, SettingSource>;
}

/**
 * The settings keys the environment sets (`HEALTH_CHECK_INTERVAL` → healthCheckIntervalMs),
 * as loadConfig reads them (seed name before alias, an empty value is unset), then the
 * keys set by command-line flags (`flags`: key → flag name), which win.
 */
export function overridesOf(
  env: Env,
  flags: Partial<Record<SettingsKey, string>> = {},
): Map<SettingsKey, SettingSource> {
  const result = new Map<SettingsKey, SettingSource>();
  for (const variable of ENV_VARIABLES) {
    if (!isSettingsKey(variable.key)) continue;
    const name = variable.names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) result.set(variable.key, { kind: 'environment', name });
  }
  for (const [key, name] of Object.entries(flags)) {
    if (isSettingsKey(key) && name) result.set(key, { kind: 'flag', name });
  }
  return result;
}

/** The settings keys of a config, without unset ones. */
function pickSettings(config: Readonly<SupervisorConfig>): Settings {
  const picked: Record<string, unknown> = {};
  for (const key of SETTINGS_KEYS) {
    const value = (config as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as Settings;
}

function sameSettings(a: Settings, b: Settings): boolean {
  return SETTINGS_KEYS.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

/** The settings key a configuration error is about: the field of its first issue that is one. */
function settingsKeyOf(error: ConfigError): SettingsKey | undefined {
  return error.issues
    .map((issue) => issue.field)
    .find((field): field is SettingsKey => field !== undefined && isSettingsKey(field));
}

/**
 * The four settings channels: read (stored values, effective config, sources), save,
 * probe a health URL, import a `.env` text. Saved settings apply at the next start of the
 * supervisor or at a reload (`config:reload`, stack-reload.ts); until then the running one
 * keeps the config it has.
 */
export class SettingsService {
  constructor(
    private readonly source: SettingsSource,
    /** The config the supervisor runs with now. */
    private readonly running: () => Readonly<SupervisorConfig>,
    private readonly probe: HealthProbe,
  ) {}

  /** The stored values (re-read from the file), the effective config and where each value comes from. */
  get(): SettingsView {
    try {
      return this.view(this.source.store.load(), null);
    } catch (err) {
      if (err instanceof SettingsFileError) return this.view({}, err.message);
      throw err;
    }
  }

  /**
   * Replaces the stored settings.
   * @throws SettingsError: BAD_ARGUMENTS (with the field) when a value fails the schema or
   * the values would not make a valid config with the environment; SETTINGS_FILE_INVALID when
   * the file on disk is corrupt (it is not overwritten).
   */
  save(values: Settings): SettingsView {
    const checked = checkedSettings(values);
    try {
      this.source.resolve(checked);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new SettingsError('BAD_ARGUMENTS', `these settings would not start: ${err.message}`, settingsKeyOf(err));
    }
    let saved: Settings;
    try {
      saved = this.source.store.save(checked);
    } catch (err) {
      if (err instanceof SettingsFileError) throw new SettingsError('SETTINGS_FILE_INVALID', err.message, err.field);
      throw err;
    }
    return this.view(saved, null);
  }

  /** One probe of `url` + `path` (joined as the supervisor joins them), within `timeoutMs`. */
  async testHealthUrl({ url, path, timeoutMs }: HealthUrlTest): Promise<HealthUrlTestResult> {
    const target = new URL(path, url).toString();
    const { body: _body, ...result } = await this.probe.probe(target, timeoutMs);
    return { ...result, url: target };
  }

  /**
   * See importEnvSettings (env-import.ts, imported on first use: the Settings page's import is rare);
   * `warnings` checks the paths a start with these values over the stored ones would use.
   */
  async importEnv(text: string): Promise<EnvImportResult> {
    const result = (await import('./env-import')).importEnvSettings(text);
    let stored: Settings = {};
    try {
      stored = this.source.store.load();
    } catch (err) {
      if (!(err instanceof SettingsFileError)) throw err;
    }
    let warnings: SettingsWarnings = {};
    try {
      warnings = launchPathWarnings(this.source.resolve({ ...stored, ...result.values }));
    } catch (err) {
      // Values that do not combine are reported again on Save; there is no path to check.
      if (!(err instanceof ConfigError)) throw err;
    }
    return { ...result, warnings };
  }

  private view(values: Settings, fileError: string | null): SettingsView {
    const running = pickSettings(this.running());
    let effective = running;
    let problem = fileError;
    let warnings: SettingsWarnings = {};
    try {
      const next = this.source.resolve(values);
      effective = pickSettings(next);
      warnings = launchPathWarnings(next);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problem ??= `the settings in ${this.source.store.path} do not make a valid configuration: ${err.message}`;
    }
    const sources: Partial<Record<SettingsKey, SettingSource>> = {};
    for (const key of SETTINGS_KEYS) {
      sources[key] =
        this.source.overrides.get(key) ?? (values[key] !== undefined ? { kind: 'settings' } : { kind: 'default' });
    }
    return {
      values,
      effective,
      sources,
      path: this.source.store.path,
      restartNeeded: problem === null && !sameSettings(effective, running),
      fileError: problem,
      warnings,
    };
  }
}
