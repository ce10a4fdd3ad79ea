import {
  describeSettingIssue,
  formatSettingAmount,
  isSettingsKey,
  SETTINGS_KEYS,
  SettingsSchema,
  type Settings,
  type SettingsKey,
} from '../../../../shared/settings';
import { parseDecimal, parseWholeNumber } from '../../../../shared/config';

/**
 * How a value is edited: free `text`, `args` (one argument per line), `seconds` (stored in
 * ms), `mebibytes` (stored in bytes), a whole number, or a yes/no/default choice.
 */
export type SettingsFieldKind = 'text' | 'args' | 'seconds' | 'integer' | 'mebibytes' | 'boolean';

/** One field of the settings form. */
export interface SettingsFieldSpec {
  key: SettingsKey;
  label: string;
  kind: SettingsFieldKind;
  /** The seed's environment variable for the same value (it overrides the setting). */
  env: string;
}

/** A titled group of fields. */
export interface SettingsSection {
  title: string;
  /** A sentence under the title. */
  note?: string;
  fields: SettingsFieldSpec[];
}

/** The form, section by section: every settings key once. */
export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    title: 'Backend process',
    fields: [
      { key: 'orchestratorEnabled', label: 'Supervise a local process', kind: 'boolean', env: 'ORCHESTRATOR_ENABLED' },
      { key: 'command', label: 'Command (executable)', kind: 'text', env: 'GO_BACKEND_BINARY' },
      { key: 'args', label: 'Arguments (one per line)', kind: 'args', env: 'BACKEND_ARGS' },
      { key: 'workingDir', label: 'Working directory', kind: 'text', env: 'BACKEND_WORKING_DIR' },
    ],
  },
  {
    title: 'Health checks',
    fields: [
      { key: 'backendUrl', label: 'Backend URL', kind: 'text', env: 'GO_BACKEND_URL' },
      { key: 'healthCheckPath', label: 'Health path', kind: 'text', env: 'HEALTH_CHECK_PATH' },
      { key: 'healthCheckIntervalMs', label: 'Interval (s)', kind: 'seconds', env: 'HEALTH_CHECK_INTERVAL' },
      { key: 'healthCheckTimeoutMs', label: 'Timeout (s)', kind: 'seconds', env: 'HEALTH_CHECK_TIMEOUT' },
      {
        key: 'healthFailureThreshold',
        label: 'Failures in a row that make a hang',
        kind: 'integer',
        env: 'HEALTH_FAILURE_THRESHOLD',
      },
      {
        key: 'healthConfirmDelayMs',
        label: 'Confirming re-probe delay (s)',
        kind: 'seconds',
        env: 'HEALTH_CONFIRM_DELAY',
      },
      { key: 'startupTimeoutMs', label: 'Startup timeout (s)', kind: 'seconds', env: 'STARTUP_TIMEOUT' },
    ],
  },
  {
    title: 'Restart policy',
    fields: [
      { key: 'autoRestart', label: 'Restart after a crash or hang', kind: 'boolean', env: 'AUTO_RESTART' },
      { key: 'maxRestartAttempts', label: 'Attempts before giving up', kind: 'integer', env: 'MAX_RESTART_ATTEMPTS' },
      { key: 'restartDelayMs', label: 'Restart delay (s)', kind: 'seconds', env: 'RESTART_DELAY' },
      { key: 'maxRestartDelayMs', label: 'Maximum restart delay (s)', kind: 'seconds', env: 'MAX_RESTART_DELAY' },
      {
        key: 'restartResetAfterMs',
        label: 'Healthy time that resets the attempts (s)',
        kind: 'seconds',
        env: 'RESTART_RESET_AFTER',
      },
      { key: 'stopTimeoutMs', label: 'Stop timeout, SIGTERM → SIGKILL (s)', kind: 'seconds', env: 'STOP_TIMEOUT' },
    ],
  },
  {
    title: 'Logs',
    fields: [
      { key: 'logBufferLines', label: 'Lines kept in memory', kind: 'integer', env: 'LOG_BUFFER_LINES' },
      { key: 'logDir', label: 'Log folder', kind: 'text', env: 'LOG_DIR' },
      { key: 'logFileMaxBytes', label: 'Rotate a log file at (MiB)', kind: 'mebibytes', env: 'LOG_FILE_MAX_MB' },
      { key: 'logFileCount', label: 'Rotated files kept', kind: 'integer', env: 'LOG_FILE_COUNT' },
    ],
  },
  {
    title: 'Control server',
    note: 'Used by backend-supervisor serve (headless): its HTTP control API and web dashboard.',
    fields: [
      { key: 'controlHost', label: 'Bind address', kind: 'text', env: 'CONTROL_HOST' },
      { key: 'controlPort', label: 'Port', kind: 'integer', env: 'CONTROL_PORT' },
      {
        key: 'controlAllowRemote',
        label: 'Allow a non-loopback bind address',
        kind: 'boolean',
        env: 'CONTROL_ALLOW_REMOTE',
      },
    ],
  },
];

/** Every field by key. */
export const SETTINGS_FIELDS: ReadonlyMap<SettingsKey, SettingsFieldSpec> = new Map(
  SETTINGS_SECTIONS.flatMap((section) => section.fields.map((spec) => [spec.key, spec] as const)),
);

/** The form's state: the text of each field (`''` = not set: the environment or the default applies). */
export type SettingsForm = Record<SettingsKey, string>;

/** Field errors, by key. */
export type SettingsErrors = Partial<Record<SettingsKey, string>>;

const MIB = 1024 * 1024;

/** The stored value of `key` as the form shows it (ms → s, bytes → MiB, args one per line). */
export function formatFormValue(key: SettingsKey, value: unknown): string {
  if (value === undefined || value === null) return '';
  const kind = SETTINGS_FIELDS.get(key)?.kind ?? 'text';
  if (kind === 'seconds' && typeof value === 'number') return String(value / 1000);
  if (kind === 'mebibytes' && typeof value === 'number') return String(value / MIB);
  if (kind === 'args' && Array.isArray(value)) return value.join('\n');
  return String(value);
}

/** The form for stored values. */
export function settingsToForm(values: Settings): SettingsForm {
  return Object.fromEntries(SETTINGS_KEYS.map((key) => [key, formatFormValue(key, values[key])])) as SettingsForm;
}

/** What an unset optional value means. */
const WHEN_UNSET: Partial<Record<SettingsKey, string>> = {
  workingDir: "the command's folder",
  logDir: 'logs/ in the data folder',
};

/** An effective value in words: `30 s`, `10 MiB`, `yes`, `node server.js`. */
export function describeValue(key: SettingsKey, value: unknown): string {
  if (value === undefined || value === null) return WHEN_UNSET[key] ?? 'not set';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return formatSettingAmount(key, value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    return value.map((a: unknown) => (typeof a === 'string' && /^[^\s"']+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  }
  return String(value);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads one field; `undefined` = not set. @throws Error with the message for people. */
function readField(kind: SettingsFieldKind, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  switch (kind) {
    case 'text':
      return trimmed;
    case 'args': {
      const args = text.split(/\r?\n/).filter((line) => line.trim() !== '');
      return args.length === 0 ? undefined : args;
    }
    case 'boolean':
      return trimmed === 'true';
    // Decimal only, as the environment is read (src/shared/config.ts): `0x10` is not 16.
    case 'seconds': {
      const n = parseDecimal(trimmed);
      if (n === null || !Number.isFinite(n)) throw new Error('Enter a number of seconds (e.g. 5 or 0.5)');
      return Math.round(n * 1000);
    }
    case 'mebibytes': {
      const n = parseDecimal(trimmed);
      if (n === null || !Number.isFinite(n) || n <= 0) throw new Error('Enter a size in MiB (e.g. 10 or 0.5)');
      return Math.round(n * MIB);
    }
    case 'integer': {
      const n = parseWholeNumber(trimmed);
      if (n === null || !Number.isSafeInteger(n)) throw new Error('Enter a whole number');
      return n;
    }
  }
}

/**
 * Reads the form into settings and checks them with the same zod schema the main process
 * uses. `errors` holds one message per bad field, in the units the form shows.
 */
export function formToSettings(form: SettingsForm): { values: Settings; errors: SettingsErrors } {
  const values: Record<string, unknown> = {};
  const errors: SettingsErrors = {};
  for (const key of SETTINGS_KEYS) {
    const kind = SETTINGS_FIELDS.get(key)?.kind ?? 'text';
    try {
      const value = readField(kind, form[key] ?? '');
      if (value !== undefined) values[key] = value;
    } catch (err) {
      errors[key] = (err as Error).message;
    }
  }
  const parsed = SettingsSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      if (typeof key === 'string' && isSettingsKey(key)) errors[key] ??= capitalize(describeSettingIssue(issue));
    }
  }
  return { values: (parsed.success ? parsed.data : values) as Settings, errors };
}

/**
 * The message of a server-side refusal without its channel prefix
 * (`bad arguments for settings:save: args[0].healthCheckPath: must start with /` → `must start with /`).
 */
export function fieldMessage(message: string, field: string): string {
  const at = message.indexOf(`${field}: `);
  const text = at >= 0 ? (message.slice(at + field.length + 2).split('; ')[0] ?? message) : message;
  return capitalize(text);
}
