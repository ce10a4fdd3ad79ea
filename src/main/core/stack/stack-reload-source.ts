/**
 * Where a reload reads the stack from: the settings file (through the entry's own
 * precedence: flags > environment > settings > defaults) and the stack file found as at the
 * start (`--stack`, BACKEND_STACK_FILE, `<data folder>/stack.yaml`, else the environment's).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { logFolderOf, type ConfigDefaults } from '../config';
import { ConfigError } from '../errors';
import { assertPrivateLogFolder } from '../writable-folder';
import { SettingsError, SettingsFileError } from '../settings/settings-errors';
import type { SettingsSource } from '../settings/settings-service';
import { DEFAULT_DATABASE_SERVICE, type DefaultDatabase } from './default-stack';
import type { StackDefinition } from './service-definition';
import { loadStack } from './stack-location';
import type { StackSnapshot } from './stack-reload-plan';

/** What the entry read its stack with at the start. */
export interface ReloadSourceOptions {
  /** The settings file and the entry's way of building the config from it. */
  settings: SettingsSource;
  env?: Record<string, string | undefined>;
  /** `serve --stack <file>`, if given. */
  explicit?: string;
  /** The bundled backend's defaults (whether the default stack has its database). */
  defaults?: Pick<ConfigDefaults, 'command' | 'args'>;
}

/**
 * The reload's `load` (see ReloadDeps): reads the settings and the stack file whole.
 * @throws SettingsError SETTINGS_FILE_INVALID (a corrupt settings file, or values that do not
 * combine with the environment) or STACK_FILE_INVALID (every problem of the stack file, a
 * `file:line: field: problem` line each).
 */
export function reloadSource(options: ReloadSourceOptions): (running: StackSnapshot) => Promise<StackSnapshot> {
  const env = options.env ?? process.env;
  return async (running) => {
    const { store } = options.settings;
    let config;
    try {
      config = options.settings.resolve(store.load());
    } catch (err) {
      if (err instanceof SettingsFileError) throw new SettingsError('SETTINGS_FILE_INVALID', err.message, err.field);
      if (err instanceof ConfigError) {
        throw new SettingsError(
          'SETTINGS_FILE_INVALID',
          `settings file ${store.path}: ${err.message}`,
          err.issues[0]?.field,
        );
      }
      throw err;
    }
    checkLogFolder(logFolderOf(config), logFolderOf(running.config), store.path);
    try {
      const definition = await loadStack(
        config,
        env,
        options.explicit,
        options.defaults,
        runningDatabase(running.definition),
      );
      return { config, definition };
    } catch (err) {
      if (err instanceof ConfigError) throw new SettingsError('STACK_FILE_INVALID', err.message);
      throw err;
    }
  };
}

/**
 * A log folder a reload would move the logs to is held to the start's check (headless.ts):
 * a folder (a file there, or on the way to it, would drop every line while the reload said
 * it was applied) that the supervisor can write in, or can make where it is missing; an
 * existing one must also be the supervisor user's and writable by no one else (another user
 * could aim the log files at any file with a symbolic link); a missing one is made 0700 when
 * the logs move. Nothing is made here (a dry run changes nothing). The running folder is not
 * checked again.
 * @throws SettingsError SETTINGS_FILE_INVALID (field `logDir`): nothing changes.
 */
function checkLogFolder(next: string, running: string, settingsPath: string): void {
  if (next === running) return;
  const refuse = (reason: string): never => {
    throw new SettingsError('SETTINGS_FILE_INVALID', `settings file ${settingsPath}: ${reason}`, 'logDir');
  };
  const problem = unusableFolder(next);
  if (problem) refuse(`cannot use the log folder ${resolve(next)}: ${problem}`);
  if (!existsSync(next)) return;
  try {
    assertPrivateLogFolder(next);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    refuse(err.message);
  }
}

/**
 * Why `dir` cannot hold the log files, or null: it, or the nearest of its parents that
 * exists, is not a folder, or is one this process cannot write in (to make `dir` there).
 */
function unusableFolder(dir: string): string | null {
  for (let at = resolve(dir); ; at = dirname(at)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) continue;
      return `cannot read ${at} (${code ?? (err as Error).message})`;
    }
    if (!isFolder) return at === resolve(dir) ? 'it is not a folder' : `${at} is not a folder`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch (err) {
      return `${at === resolve(dir) ? 'it' : at} cannot be written in (${(err as NodeJS.ErrnoException).code})`;
    }
    return null;
  }
}

/**
 * The default stack's database that runs (no stack file, the embedded PostgreSQL): its port,
 * from its `-p` argument. A reload keeps it: the port file's "is it free?" check would find
 * it taken by that very server and choose another, restarting it and its dependents.
 */
export function runningDatabase(definition: StackDefinition): DefaultDatabase | null {
  if (definition.file !== null) return null;
  const db = definition.services.find((s) => s.name === DEFAULT_DATABASE_SERVICE && s.kind === 'postgres');
  if (!db) return null;
  const port = Number(db.config.args[db.config.args.indexOf('-p') + 1]);
  return Number.isInteger(port) && port > 0 ? { port } : null;
}
