/**
 * The errors of the settings: a settings file that cannot be used ({@link SettingsFileError},
 * a configuration error) and a refused settings call ({@link SettingsError}, carried across
 * RPC with its code).
 */
import type { ErrorCodeOf } from '../../../shared/error-codes';
import { ConfigError, type ConfigIssue } from '../errors';

/**
 * A settings file that cannot be used: not JSON (e.g. truncated), not an object, or a field
 * failing its schema. `message` names the file and the field; each issue has the file as its
 * source. A ConfigError, so the headless entry reports it like any configuration error (exit
 * code 2).
 */
export class SettingsFileError extends ConfigError {
  /**
   * @param path the settings file.
   * @param problem what is wrong with it (`is empty; it may be truncated`).
   * @param field the first field that failed, when the JSON itself was readable.
   * @param issues each failing field; by default one issue, the whole file.
   */
  constructor(
    readonly path: string,
    problem: string,
    readonly field?: string,
    issues: readonly ConfigIssue[] = [{ source: path, message: `settings file ${path}: ${problem}` }],
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
