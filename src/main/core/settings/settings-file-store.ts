/**
 * The settings file: the "config file" layer of the configuration (flags > environment >
 * settings > defaults), one JSON object of {@link Settings}. The desktop keeps it with
 * electron-store (src/main/app/electron-settings-store.ts), headless with `conf` (same author,
 * same file format); both go through {@link JsonSettingsStore}, which validates the file
 * itself before a store library sees it: conf and electron-store can reset a file they find
 * invalid, and a person's settings file is never overwritten because it is corrupt.
 */
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import type Conf from 'conf';
import { z } from 'zod';
import {
  describeSettingIssue,
  describeSettingsError,
  SettingsObjectSchema,
  SettingsSchema,
  type Settings,
} from '../../../shared/settings';
import { readSmallFile, SmallFileError } from '../small-file';
import type { ConfigIssue } from '../errors';
import { SettingsError, SettingsFileError } from './settings-errors';

/**
 * Longest settings file read, bytes. A whole settings file is a few hundred bytes; a larger
 * one is not a settings file (a log, an image, a link to /dev/zero, which never ends).
 */
export const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;

/**
 * Reads and validates a settings file. A missing file is `{}`.
 * @throws SettingsFileError naming the file and the field (truncated JSON, not an object,
 * a value failing the schema, an unknown key); naming the file when it cannot be read, is
 * not a regular file (a FIFO would hang the read, and with it the supervisor or the client)
 * or is longer than {@link MAX_SETTINGS_FILE_BYTES}. Never writes.
 */
export function readSettingsFile(path: string): Settings {
  let text: string;
  try {
    text = readSmallFile(path, { maxBytes: MAX_SETTINGS_FILE_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    if (err instanceof SmallFileError) {
      // Its message starts with the path, which SettingsFileError names already.
      throw new SettingsFileError(
        path,
        err.message.startsWith(`${path} `) ? err.message.slice(path.length + 1) : err.message,
      );
    }
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
    const issues = parsed.error.issues.map((issue): ConfigIssue => {
      const key = issue.path.map(String).join('.');
      const field =
        issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.length ? String(issue.path[0]) : undefined;
      const message = key ? `field "${key}": ${describeSettingIssue(issue)}` : describeSettingIssue(issue);
      return field === undefined ? { source: path, message } : { source: path, field, message };
    });
    const shown = issues.slice(0, 5).map((issue) => issue.message);
    throw new SettingsFileError(path, shown.join('; '), issues[0]?.field, issues);
  }
  return parsed.data;
}

/**
 * `values` checked against the settings schema.
 * @throws SettingsError (BAD_ARGUMENTS) naming the first field that fails.
 */
export function checkedSettings(values: Settings): Settings {
  const parsed = SettingsSchema.safeParse(values);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new SettingsError(
    'BAD_ARGUMENTS',
    `invalid settings: ${describeSettingsError(parsed.error)}`,
    first?.path.length ? String(first.path[0]) : undefined,
  );
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
    const checked = checkedSettings(values);
    // Refuses (throws) when the file on disk is corrupt: a person fixes or removes it.
    readSettingsFile(this.path);
    const clean = Object.fromEntries(Object.entries(checked).filter(([, v]) => v !== undefined)) as Settings;
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

/**
 * The headless settings store: `conf` on `file` (default `<dataDir>/settings.json`). conf
 * (with ajv, ~90 ms and ~2.5 MB of heap) is loaded on the first save, not at start-up: by
 * `require`, because `save` is synchronous (Node ≥ 20.19 requires an ES module as it does
 * CommonJS; the headless bundle leaves conf in node_modules).
 */
export class ConfSettingsStore extends JsonSettingsStore {
  constructor(file: string) {
    super(file, (options, name) => {
      const { default: ConfClass } = createRequire(import.meta.url)('conf') as { default: typeof Conf };
      return new ConfClass<Settings>({ ...options, configName: name });
    });
  }
}
