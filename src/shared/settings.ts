import { z } from 'zod';
import { SupervisorConfigSchema } from './config';
import { HealthCheckResultSchema } from './status';

const field = SupervisorConfigSchema.shape;

/**
 * The stored settings (the "config file" layer of the configuration): every key of
 * {@link SupervisorConfigSchema} a person may set, each optional and WITHOUT its default (a
 * key left out falls back to the environment, then to the default). Same validators and
 * units as the config: durations in ms, sizes in bytes. Left out on purpose: `dataDir` (the
 * settings file lives in it), `env` (the backend's environment is the entry's business) and
 * the control tokens (secrets never go into a plain-text file). Unknown keys are refused,
 * so a typo in the file is named instead of silently ignored.
 */
export const SettingsObjectSchema = z.strictObject({
  orchestratorEnabled: field.orchestratorEnabled.unwrap().optional(),
  command: field.command.optional(),
  args: field.args.unwrap().optional(),
  workingDir: field.workingDir,
  backendUrl: field.backendUrl.unwrap().optional(),
  healthCheckPath: field.healthCheckPath.unwrap().optional(),
  healthCheckIntervalMs: field.healthCheckIntervalMs.unwrap().optional(),
  healthCheckTimeoutMs: field.healthCheckTimeoutMs.unwrap().optional(),
  healthFailureThreshold: field.healthFailureThreshold.unwrap().optional(),
  healthConfirmDelayMs: field.healthConfirmDelayMs.unwrap().optional(),
  startupTimeoutMs: field.startupTimeoutMs.unwrap().optional(),
  autoRestart: field.autoRestart.unwrap().optional(),
  maxRestartAttempts: field.maxRestartAttempts.unwrap().optional(),
  restartDelayMs: field.restartDelayMs.unwrap().optional(),
  maxRestartDelayMs: field.maxRestartDelayMs.unwrap().optional(),
  restartResetAfterMs: field.restartResetAfterMs.unwrap().optional(),
  stopTimeoutMs: field.stopTimeoutMs.unwrap().optional(),
  logBufferLines: field.logBufferLines.unwrap().optional(),
  logDir: field.logDir,
  logFileMaxBytes: field.logFileMaxBytes.unwrap().optional(),
  logFileCount: field.logFileCount.unwrap().optional(),
  controlHost: field.controlHost.unwrap().optional(),
  controlPort: field.controlPort.unwrap().optional(),
  controlAllowRemote: field.controlAllowRemote.unwrap().optional(),
});

/**
 * {@link SettingsObjectSchema} plus the checks between fields that the settings alone can
 * decide (the rest, e.g. a value from the environment against one from the file, is checked
 * when the effective config is built). Issues carry the key as their path.
 */
export const SettingsSchema = SettingsObjectSchema.superRefine((values, ctx) => {
  const { restartDelayMs, maxRestartDelayMs } = values;
  if (restartDelayMs !== undefined && maxRestartDelayMs !== undefined && maxRestartDelayMs < restartDelayMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxRestartDelayMs'],
      message: 'must not be below the restart delay',
    });
  }
});

/** Stored settings: a partial config. */
export type Settings = z.infer<typeof SettingsObjectSchema>;

/** Every settings key. */
export const SETTINGS_KEYS = SettingsObjectSchema.keyof().options;
/** One of {@link SETTINGS_KEYS}. */
export type SettingsKey = (typeof SETTINGS_KEYS)[number];
/** Schema of a settings key. */
export const SettingsKeySchema = z.enum(SETTINGS_KEYS);

/** True when `key` is a settings key (guards a field name that came from outside). */
export function isSettingsKey(key: string): key is SettingsKey {
  return (SETTINGS_KEYS as readonly string[]).includes(key);
}

/**
 * Where the effective value of a key comes from, strongest first: a command-line `flag`, the
 * `environment`, the `settings` file, or the `default`. `name` is the flag or variable
 * (`--control-port`, `HEALTH_CHECK_INTERVAL`).
 */
export const SettingSourceSchema = z.object({
  kind: z.enum(['flag', 'environment', 'settings', 'default']),
  name: z.string().optional(),
});
/** See {@link SettingSourceSchema}. */
export type SettingSource = z.infer<typeof SettingSourceSchema>;

/**
 * Warnings per settings key, in words (`working directory not found: /opt/x`): values the
 * schema accepts but the next start would fail on (a backend command or working directory
 * that is missing, not executable, not a folder). Checked where the backend runs; a warning
 * never refuses a save.
 */
export const SettingsWarningsSchema = z.partialRecord(SettingsKeySchema, z.string());
/** See {@link SettingsWarningsSchema}. */
export type SettingsWarnings = z.infer<typeof SettingsWarningsSchema>;

/** What `settings:get` and `settings:save` answer. */
export const SettingsViewSchema = z.object({
  /** The stored values (the file's content); `{}` when there is no file or it is unreadable. */
  values: SettingsObjectSchema,
  /** The config the next start of the supervisor uses: flags > environment > these values > defaults. */
  effective: SettingsObjectSchema,
  /** Where each effective value comes from. */
  sources: z.partialRecord(SettingsKeySchema, SettingSourceSchema),
  /** The settings file. */
  path: z.string(),
  /**
   * The effective config differs from the one the supervisor runs with: the saved settings
   * apply after a restart of the supervisor (the app, or `backend-supervisor serve`).
   */
  restartNeeded: z.boolean(),
  /** Why the settings file cannot be used (truncated JSON, a field failing its schema), else null; the file is left as it is. */
  fileError: z.string().nullable(),
  /** What the next start would fail on in the effective config (see {@link SettingsWarningsSchema}); absent = none. */
  warnings: SettingsWarningsSchema.optional(),
});
/** See {@link SettingsViewSchema}. */
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** Arguments of `settings:testHealthUrl`: the URL and path as in the form, and a probe timeout (ms, at most 60 s). */
export const HealthUrlTestSchema = z.strictObject({
  url: field.backendUrl.unwrap(),
  path: field.healthCheckPath.unwrap(),
  timeoutMs: field.healthCheckTimeoutMs.unwrap().max(60_000),
});
/** See {@link HealthUrlTestSchema}. */
export type HealthUrlTest = z.infer<typeof HealthUrlTestSchema>;

/** One probe of a health URL: the probe result and the URL probed. */
export const HealthUrlTestResultSchema = HealthCheckResultSchema.extend({ url: z.string() });
/** See {@link HealthUrlTestResultSchema}. */
export type HealthUrlTestResult = z.infer<typeof HealthUrlTestResultSchema>;

/**
 * What `settings:importEnv` answers: the settings read from a seed-style `.env` text (not
 * saved), the problems found (a bad value, a malformed line: each names the line and the
 * variable), the variables that are not settings (ignored), and the path warnings.
 */
export const EnvImportResultSchema = z.object({
  values: SettingsObjectSchema,
  problems: z.array(z.string()),
  ignored: z.array(z.string()),
  /** What a start with these values (over the stored ones) would fail on; absent = none. */
  warnings: SettingsWarningsSchema.optional(),
});
/** See {@link EnvImportResultSchema}. */
export type EnvImportResult = z.infer<typeof EnvImportResultSchema>;

/** Largest `.env` text `settings:importEnv` accepts, characters. */
export const ENV_IMPORT_MAX_CHARS = 256 * 1024;

/** The unit a stored value is in: `ms` (people see seconds, as in the seed's variables), `bytes` (people see MiB), or null. */
export function settingUnit(key: SettingsKey): 'ms' | 'bytes' | null {
  if (key.endsWith('Ms')) return 'ms';
  if (key === 'logFileMaxBytes') return 'bytes';
  return null;
}

/** A stored amount in the unit people see: `1.5 s`, `10 MiB`, `1 KiB`, or the plain number. */
export function formatSettingAmount(key: SettingsKey, amount: number): string {
  const unit = settingUnit(key);
  if (unit === 'ms') return `${amount / 1000} s`;
  if (unit === 'bytes') return amount < 1024 * 1024 ? `${amount / 1024} KiB` : `${amount / (1024 * 1024)} MiB`;
  return String(amount);
}

/**
 * One validation issue of the settings schema in words for people, in the units they use
 * (`must be at least 0.1 s`, not `>=100`). Messages the schema words itself are kept.
 */
export function describeSettingIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path[0];
  const known = typeof key === 'string' && isSettingsKey(key) ? key : undefined;
  const generic = /^(Too small|Too big|Invalid input)/.test(issue.message);
  if (issue.code === 'unrecognized_keys')
    return `unknown setting${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (!generic) return issue.message;
  if (issue.code === 'too_small' && known && typeof issue.minimum === 'number') {
    return `must be at least ${formatSettingAmount(known, issue.minimum)}`;
  }
  if (issue.code === 'too_big' && known && typeof issue.maximum === 'number') {
    return `must be at most ${formatSettingAmount(known, issue.maximum)}`;
  }
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'int') return 'must be a whole number';
    if (issue.expected === 'boolean') return 'must be true or false';
    if (issue.expected === 'number') return 'must be a number';
    if (issue.expected === 'string') return 'must be text';
    if (issue.expected === 'array') return 'must be a list of arguments';
  }
  return issue.message;
}

/**
 * Every issue of a failed settings parse as `key: problem` (unknown keys named), for an
 * error message; at most `max` of them.
 */
export function describeSettingsError(error: z.ZodError, max = 5): string {
  return error.issues
    .slice(0, max)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${describeSettingIssue(issue)}` : describeSettingIssue(issue);
    })
    .join('; ');
}
