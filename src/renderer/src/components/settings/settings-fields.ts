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
import { translate, type T } from '../../i18n';

/**
 * How a value is edited: free `text`, `args` (one argument per line), `seconds` (stored in
 * ms), `mebibytes` (stored in bytes), a whole number, or a yes/no/default choice.
 */
export type SettingsFieldKind = 'text' | 'args' | 'seconds' | 'integer' | 'mebibytes' | 'boolean';

/** One field of the settings form. */
export interface SettingsFieldSpec {
  key: SettingsKey;
  /** The label's translation key. */
  label: string;
  kind: SettingsFieldKind;
  /** The seed's environment variable for the same value (it overrides the setting). */
  env: string;
}

/** A titled group of fields. */
export interface SettingsSection {
  /** The title's translation key. */
  title: string;
  /** A sentence under the title (a translation key). */
  note?: string;
  fields: SettingsFieldSpec[];
}

/** The form, section by section: every settings key once. */
export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    title: 'settings.section.process',
    fields: [
      {
        key: 'orchestratorEnabled',
        label: 'settings.field.orchestratorEnabled',
        kind: 'boolean',
        env: 'ORCHESTRATOR_ENABLED',
      },
      { key: 'command', label: 'settings.field.command', kind: 'text', env: 'GO_BACKEND_BINARY' },
      { key: 'args', label: 'settings.field.args', kind: 'args', env: 'BACKEND_ARGS' },
      { key: 'workingDir', label: 'settings.field.workingDir', kind: 'text', env: 'BACKEND_WORKING_DIR' },
    ],
  },
  {
    title: 'settings.section.health',
    fields: [
      { key: 'backendUrl', label: 'settings.field.backendUrl', kind: 'text', env: 'GO_BACKEND_URL' },
      { key: 'healthCheckPath', label: 'settings.field.healthCheckPath', kind: 'text', env: 'HEALTH_CHECK_PATH' },
      {
        key: 'healthCheckIntervalMs',
        label: 'settings.field.healthCheckIntervalMs',
        kind: 'seconds',
        env: 'HEALTH_CHECK_INTERVAL',
      },
      {
        key: 'healthCheckTimeoutMs',
        label: 'settings.field.healthCheckTimeoutMs',
        kind: 'seconds',
        env: 'HEALTH_CHECK_TIMEOUT',
      },
      {
        key: 'healthFailureThreshold',
        label: 'settings.field.healthFailureThreshold',
        kind: 'integer',
        env: 'HEALTH_FAILURE_THRESHOLD',
      },
      {
        key: 'healthConfirmDelayMs',
        label: 'settings.field.healthConfirmDelayMs',
        kind: 'seconds',
        env: 'HEALTH_CONFIRM_DELAY',
      },
      { key: 'startupTimeoutMs', label: 'settings.field.startupTimeoutMs', kind: 'seconds', env: 'STARTUP_TIMEOUT' },
    ],
  },
  {
    title: 'settings.section.restart',
    fields: [
      { key: 'autoRestart', label: 'settings.field.autoRestart', kind: 'boolean', env: 'AUTO_RESTART' },
      {
        key: 'maxRestartAttempts',
        label: 'settings.field.maxRestartAttempts',
        kind: 'integer',
        env: 'MAX_RESTART_ATTEMPTS',
      },
      { key: 'restartDelayMs', label: 'settings.field.restartDelayMs', kind: 'seconds', env: 'RESTART_DELAY' },
      {
        key: 'maxRestartDelayMs',
        label: 'settings.field.maxRestartDelayMs',
        kind: 'seconds',
        env: 'MAX_RESTART_DELAY',
      },
      {
        key: 'restartResetAfterMs',
        label: 'settings.field.restartResetAfterMs',
        kind: 'seconds',
        env: 'RESTART_RESET_AFTER',
      },
      { key: 'stopTimeoutMs', label: 'settings.field.stopTimeoutMs', kind: 'seconds', env: 'STOP_TIMEOUT' },
    ],
  },
  {
    title: 'settings.section.logs',
    fields: [
      { key: 'logBufferLines', label: 'settings.field.logBufferLines', kind: 'integer', env: 'LOG_BUFFER_LINES' },
      { key: 'logDir', label: 'settings.field.logDir', kind: 'text', env: 'LOG_DIR' },
      { key: 'logFileMaxBytes', label: 'settings.field.logFileMaxBytes', kind: 'mebibytes', env: 'LOG_FILE_MAX_MB' },
      { key: 'logFileCount', label: 'settings.field.logFileCount', kind: 'integer', env: 'LOG_FILE_COUNT' },
    ],
  },
  {
    title: 'settings.section.control',
    note: 'settings.section.control.note',
    fields: [
      { key: 'controlHost', label: 'settings.field.controlHost', kind: 'text', env: 'CONTROL_HOST' },
      { key: 'controlPort', label: 'settings.field.controlPort', kind: 'integer', env: 'CONTROL_PORT' },
      {
        key: 'controlAllowRemote',
        label: 'settings.field.controlAllowRemote',
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

/** What an unset optional value means (a translation key). */
const WHEN_UNSET: Partial<Record<SettingsKey, string>> = {
  workingDir: 'settings.value.workingDir',
  logDir: 'settings.value.logDir',
};

/** An effective value in words: `30 s`, `10 MiB`, `yes`, `node server.js` (the amounts as the shared settings write them). */
export function describeValue(key: SettingsKey, value: unknown, t: T = translate): string {
  if (value === undefined || value === null) return t(WHEN_UNSET[key] ?? 'settings.value.notSet');
  if (typeof value === 'boolean') return t(value ? 'settings.value.yes' : 'settings.value.no');
  if (typeof value === 'number') return formatSettingAmount(key, value);
  if (Array.isArray(value)) {
    if (value.length === 0) return t('settings.value.none');
    return value.map((a: unknown) => (typeof a === 'string' && /^[^\s"']+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  }
  return String(value);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads one field; `undefined` = not set. @throws Error with the message for people. */
function readField(kind: SettingsFieldKind, text: string, t: T): unknown {
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
      if (n === null || !Number.isFinite(n)) throw new Error(t('settings.error.seconds'));
      return Math.round(n * 1000);
    }
    case 'mebibytes': {
      const n = parseDecimal(trimmed);
      if (n === null || !Number.isFinite(n) || n <= 0) throw new Error(t('settings.error.mebibytes'));
      return Math.round(n * MIB);
    }
    case 'integer': {
      const n = parseWholeNumber(trimmed);
      if (n === null || !Number.isSafeInteger(n)) throw new Error(t('settings.error.integer'));
      return n;
    }
  }
}

/**
 * Reads the form into settings and checks them with the same zod schema the main process
 * uses. `errors` holds one message per bad field, in the units the form shows.
 */
export function formToSettings(form: SettingsForm, t: T = translate): { values: Settings; errors: SettingsErrors } {
  const values: Record<string, unknown> = {};
  const errors: SettingsErrors = {};
  for (const key of SETTINGS_KEYS) {
    const kind = SETTINGS_FIELDS.get(key)?.kind ?? 'text';
    try {
      const value = readField(kind, form[key] ?? '', t);
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
