/**
 * The settings file: the "config file" layer of the configuration (flags > environment >
 * settings > defaults), one JSON object of {@link Settings}. The desktop keeps it with
 * electron-store (src/main/app/electron-settings-store.ts), headless with `conf` (same author,
 * same file format); both go through {@link JsonSettingsStore}, which validates the file
 * itself before a store library sees it: conf and electron-store can reset a file they find
 * invalid, and a person's settings file is never overwritten because it is corrupt.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Conf from 'conf';
import { z } from 'zod';
import type { SupervisorConfig, SupervisorConfigInput } from '../../shared/config';
import type { ErrorCodeOf } from '../../shared/error-codes';
import {
  describeSettingIssue,
  describeSettingsError,
  isSettingsKey,
  SETTINGS_KEYS,
  SettingsObjectSchema,
  SettingsSchema,
  type EnvImportResult,
  type HealthUrlTest,
  type HealthUrlTestResult,
  type Settings,
  type SettingsKey,
  type SettingSource,
  type SettingsView,
  type SettingsWarnings,
} from '../../shared/settings';
import { defaultDataDir, ENV_VARIABLES } from './config';
import { ConfigError } from './errors';
import type { HealthProbe } from './health-probe';
import { launchPathWarnings } from './settings-paths';

type Env = Record<string, string | undefined>;

/** Name of the settings file in the data folder. */
export const SETTINGS_FILE_NAME = 'settings.json';

/**
 * A settings file that cannot be used: not JSON (e.g. truncated), not an object, or a field
 * failing its schema. `message` names the file and the field. A ConfigError, so the headless
 * entry reports it like any configuration error (exit code 2).
 */
export class SettingsFileError extends ConfigError {
  constructor(
    readonly path: string,
    problem: string,
    /** The first field that failed, when the JSON itself was readable. */
    readonly field?: string,
    issues: string[] = [],
  ) {
    super(`settings file ${path}: ${problem}; fix or remove the file (it was left unchanged)`, issues);
    this.name = 'SettingsFileError';
  }
}

/** Codes of {@link SettingsError} (src/shared/error-codes.ts). */
export type SettingsErrorCode = 'BAD_ARGUMENTS' | ErrorCodeOf<'settings'>;

/** A refused settings call, carried across RPC with its code and the field it is about. */
export class SettingsError extends Error {
  constructor(
    readonly code: SettingsErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Reads and validates a settings file. A missing file is `{}`.
 * @throws SettingsFileError naming the file and the field (truncated JSON, not an object,
 * a value failing the schema, an unknown key). Never writes.
 */
export function readSettingsFile(path: string): Settings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsFileError(path, `cannot be read (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const why = text.trim() === '' ? 'is empty' : `is not valid JSON (${(err as Error).message})`;
    throw new SettingsFileError(path, `${why}; it may be truncated`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SettingsFileError(path, 'must hold one JSON object ({"key": value, …})');
  }
  const parsed = SettingsSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field =
      first?.code === 'unrecognized_keys' ? first.keys[0] : first?.path.length ? String(first.path[0]) : undefined;
    const issues = parsed.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      return key ? `field "${key}": ${describeSettingIssue(issue)}` : describeSettingIssue(issue);
    });
    throw new SettingsFileError(path, issues.slice(0, 5).join('; '), field, issues);
  }
  return parsed.data;
}

/** The settings, loaded and saved as one JSON file. */
export interface SettingsStore {
  /** The file. */
  readonly path: string;
  /**
   * The stored values (`{}` when there is no file yet).
   * @throws SettingsFileError when the file is corrupt (it is left as it is).
   */
  load(): Settings;
  /**
   * Replaces the stored values with `values` (a key left out falls back to the environment
   * or the default), written atomically.
   * @throws SettingsError (BAD_ARGUMENTS) naming the field when a value fails the schema;
   * SettingsFileError when the file on disk is corrupt: it is never overwritten.
   */
  save(values: Settings): Settings;
}

/** JSON Schema of the settings (from the zod schema), for the store library's own check on write. */
function settingsJsonSchema(): { properties: Record<string, unknown> } {
  // `format` is left out: zod is the authority on URLs; the JSON schema guards types and ranges.
  const schema = z.toJSONSchema(SettingsObjectSchema) as { properties?: Record<string, Record<string, unknown>> };
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const { format: _format, ...rest } = value;
    properties[key] = rest;
  }
  return { properties };
}

/** Options every store library (conf, electron-store) gets: schema-checked, never reset, no dot paths. */
export interface SettingsLibraryOptions {
  /** The folder of the file. */
  cwd: string;
  /** The file's extension without the dot (`''` when its name has none). */
  fileExtension: string;
  /** JSON Schema of each key. */
  schema: Record<string, never>;
  /** The object around them: no other keys. */
  rootSchema: { additionalProperties: false };
  /** Never reset an invalid file (the default of conf 15, stated anyway). */
  clearInvalidConfig: false;
  /** Keys are plain names (`a.b` is not a path). */
  accessPropertiesByDotNotation: false;
  /** Read on demand, no file watcher. */
  watch: false;
}

/** What {@link JsonSettingsStore} needs of a store library: a `store` setter that validates and writes atomically. */
export interface SettingsLibrary {
  store: Settings;
}

/**
 * A settings file kept by a `conf`-family library (conf, electron-store): the file is read
 * and validated here ({@link readSettingsFile}); the library does the writing (schema-checked,
 * atomic: write a temporary file, then rename). The library is opened on the first save, after
 * the file on disk has been checked, so it never sees (or resets) a corrupt file.
 */
export class JsonSettingsStore implements SettingsStore {
  readonly path: string;
  private library: SettingsLibrary | undefined;

  /**
   * @param file the settings file.
   * @param open opens the store library on `file` with the given options plus the file's
   * base name (`configName` for conf, `name` for electron-store).
   */
  constructor(
    file: string,
    private readonly open: (options: SettingsLibraryOptions, name: string) => SettingsLibrary,
  ) {
    this.path = resolve(file);
  }

  load(): Settings {
    return readSettingsFile(this.path);
  }

  save(values: Settings): Settings {
    const parsed = SettingsSchema.safeParse(values);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new SettingsError(
        'BAD_ARGUMENTS',
        `invalid settings: ${describeSettingsError(parsed.error)}`,
        first?.path.length ? String(first.path[0]) : undefined,
      );
    }
    // Refuses (throws) when the file on disk is corrupt: a person fixes or removes it.
    readSettingsFile(this.path);
    const clean = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Settings;
    this.library ??= this.openLibrary();
    this.library.store = clean;
    return clean;
  }

  private openLibrary(): SettingsLibrary {
    const file = basename(this.path);
    const dot = file.lastIndexOf('.');
    const [name, extension] = dot > 0 ? [file.slice(0, dot), file.slice(dot + 1)] : [file, ''];
    return this.open(
      {
        cwd: dirname(this.path),
        fileExtension: extension,
        schema: settingsJsonSchema().properties as Record<string, never>,
        rootSchema: { additionalProperties: false },
        clearInvalidConfig: false,
        accessPropertiesByDotNotation: false,
        watch: false,
      },
      name,
    );
  }
}

/** The headless settings store: `conf` on `file` (default `<dataDir>/settings.json`). */
export class ConfSettingsStore extends JsonSettingsStore {
  constructor(file: string) {
    super(file, (options, name) => new Conf<Settings>({ ...options, configName: name }));
  }
}

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

// ---------------------------------------------------------------- .env import

/** One `KEY=VALUE` of a `.env` text, with its (first) line number. */
export interface DotEnvEntry {
  name: string;
  value: string;
  line: number;
}

/** Index of the closing `quote` in `text`, honouring backslash escapes inside double quotes; -1 if none. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

function unescapeDoubleQuoted(value: string): string {
  return value.replace(/\\(.)/gs, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c === '\n' ? '' : c,
  );
}

/**
 * Reads a seed-style `.env` text the way dotenv does: `KEY=VALUE` lines, an optional
 * `export ` in front, blank lines and `#` comments skipped, `# comment` after an unquoted
 * value dropped, values in single quotes (literal), double quotes (`\n`, `\"`, `\\` escapes,
 * may span lines) or backticks. Never throws: a line it cannot read is a problem naming it.
 */
export function parseDotEnv(text: string): { entries: DotEnvEntry[]; problems: string[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: DotEnvEntry[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s?(.*)$/.exec(line);
    if (!match) {
      problems.push(`line ${lineNo}: not a KEY=VALUE line: ${JSON.stringify(trimmed.slice(0, 60))}`);
      continue;
    }
    const name = match[1] as string;
    const rest = (match[2] ?? '').trimStart();
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let body = rest.slice(1);
      let end = i;
      let close = closingQuote(body, quote);
      while (close < 0 && end + 1 < lines.length) {
        end++;
        body += `\n${lines[end]}`;
        close = closingQuote(body, quote);
      }
      if (close < 0) {
        problems.push(`line ${lineNo}: ${name}: the opening ${quote} is never closed`);
        i = end;
        continue;
      }
      const after = body.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        problems.push(`line ${end + 1}: ${name}: text after the closing ${quote} ignored: ${JSON.stringify(after)}`);
      }
      const raw = body.slice(0, close);
      entries.push({ name, value: quote === '"' ? unescapeDoubleQuoted(raw) : raw, line: lineNo });
      i = end;
      continue;
    }
    const value = rest.startsWith('#') ? '' : rest.replace(/\s+#.*$/, '').trim();
    entries.push({ name, value, line: lineNo });
  }
  return { entries, problems };
}

function lineOfIgnored(message: string): number {
  return Number(/\(line (\d+)\)/.exec(message)?.[1] ?? Infinity);
}

/** Why a variable that the supervisor knows is not taken into the settings. */
const NOT_A_SETTING: Partial<Record<keyof SupervisorConfigInput, string>> = {
  dataDir: 'not a setting (the settings file lives in the data folder; set it in the environment or with --data-dir)',
  controlToken: 'a secret: keep it in the environment or the token file, never in the settings file',
  controlReadToken: 'a secret: keep it in the environment or the token file, never in the settings file',
};

/**
 * Turns a seed-style `.env` text into settings values with the loader's own readers
 * (ENV_VARIABLES: seed names and aliases, seconds → ms, MiB → bytes), each value checked
 * against its field's schema. Saves nothing. Bad values and malformed lines are `problems`
 * (naming the line and the variable); variables that are not settings are `ignored`. When a
 * variable appears twice the last one wins; a seed name wins over its alias, as in loadConfig.
 */
export function importEnvSettings(text: string): EnvImportResult {
  const parsed = parseDotEnv(text);
  const problems = [...parsed.problems];
  const ignored: string[] = [];
  const byName = new Map<string, DotEnvEntry>();
  for (const entry of parsed.entries) byName.set(entry.name, entry);
  const used = new Set<string>();
  const values: Record<string, unknown> = {};

  for (const variable of ENV_VARIABLES) {
    const present = variable.names.filter((n) => byName.has(n));
    if (present.length === 0) continue;
    present.forEach((n) => used.add(n));
    const name = variable.names.find((n) => byName.get(n)?.value !== '' && byName.has(n));
    for (const other of present) {
      const entry = byName.get(other) as DotEnvEntry;
      if (name === undefined) ignored.push(`${other} (line ${entry.line}): empty, left unset`);
      else if (other !== name) ignored.push(`${other} (line ${entry.line}): ${name} is used instead`);
    }
    if (name === undefined) continue;
    const entry = byName.get(name) as DotEnvEntry;
    const notSetting = NOT_A_SETTING[variable.key];
    if (notSetting || !isSettingsKey(variable.key)) {
      ignored.push(`${name} (line ${entry.line}): ${notSetting ?? 'not a setting'}`);
      continue;
    }
    let read: unknown;
    try {
      read = variable.read(entry.value, name);
    } catch (err) {
      problems.push(`line ${entry.line}: ${(err as Error).message}`);
      continue;
    }
    const key = variable.key;
    const checked = SettingsObjectSchema.shape[key].safeParse(read);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const why = issue ? describeSettingIssue({ ...issue, path: [key] }) : 'invalid';
      problems.push(`line ${entry.line}: ${name}=${JSON.stringify(entry.value)}: ${why}`);
      continue;
    }
    values[key] = checked.data;
  }
  for (const entry of byName.values()) {
    if (!used.has(entry.name)) ignored.push(`${entry.name} (line ${entry.line}): not a supervisor setting`);
  }
  // In the order of the text, as a person reads it.
  const lineOf = (message: string): number => Number(/^line (\d+)/.exec(message)?.[1] ?? Infinity);
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  ignored.sort((a, b) => lineOfIgnored(a) - lineOfIgnored(b));
  const together = SettingsSchema.safeParse(values);
  if (!together.success) problems.push(describeSettingsError(together.error));
  return { values: values as Settings, problems, ignored };
}

// ---------------------------------------------------------------- the settings channels

/** What the settings channels need from the entry that built the config. */
export interface SettingsSource {
  store: SettingsStore;
  /**
   * The config a start with these stored values gets: flags > environment > `values` >
   * defaults, exactly as the entry builds it.
   * @throws ConfigError when they do not combine (the message names the variable).
   */
  resolve(values: Settings): SupervisorConfig;
  /** Keys set by the environment or by a flag (see {@link overridesOf}). */
  overrides: ReadonlyMap<SettingsKey, SettingSource>;
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

/** The settings key an error message of loadConfig is about (the first variable it names). */
function keyNamedIn(message: string): SettingsKey | undefined {
  let best: { key: SettingsKey; at: number } | undefined;
  for (const variable of ENV_VARIABLES) {
    if (!isSettingsKey(variable.key)) continue;
    for (const name of variable.names) {
      const at = message.search(new RegExp(`(?<![A-Z_])${name}(?![A-Z_])`));
      if (at >= 0 && (best === undefined || at < best.at)) best = { key: variable.key, at };
    }
  }
  return best?.key;
}

/**
 * The four settings channels: read (stored values, effective config, sources), save,
 * probe a health URL, import a `.env` text. Saved settings apply at the next start of the
 * supervisor: the running one keeps the config it started with.
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
    const parsed = SettingsSchema.safeParse(values);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new SettingsError(
        'BAD_ARGUMENTS',
        `invalid settings: ${describeSettingsError(parsed.error)}`,
        first?.path.length ? String(first.path[0]) : undefined,
      );
    }
    try {
      this.source.resolve(parsed.data);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new SettingsError(
        'BAD_ARGUMENTS',
        `these settings would not start: ${err.message}`,
        keyNamedIn(err.message),
      );
    }
    let saved: Settings;
    try {
      saved = this.source.store.save(parsed.data);
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

  /** See {@link importEnvSettings}; `warnings` checks the paths a start with these values over the stored ones would use. */
  importEnv(text: string): EnvImportResult {
    const result = importEnvSettings(text);
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
