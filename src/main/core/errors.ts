import type { ErrorCodeOf } from '../../shared/error-codes';

/**
 * Why a supervisor command or a launch failed; a closed set a UI can switch on: the codes of
 * source `supervisor` in src/shared/error-codes.ts (their HTTP statuses and meanings are there).
 */
export type SupervisorErrorCode = ErrorCodeOf<'supervisor'>;

/**
 * A typed supervisor error: `code` names the problem, `message` says it for a person.
 * Launch errors are permanent (retrying cannot help, so the restart policy never retries
 * them) unless `transient` is set: a spawn that failed for lack of resources (EMFILE,
 * ENFILE, EAGAIN, ENOMEM) goes to the restart policy like a failed start.
 */
export class SupervisorError extends Error {
  readonly transient: boolean;

  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
    options: { transient?: boolean } = {},
  ) {
    super(message);
    this.name = 'SupervisorError';
    this.transient = options.transient ?? false;
  }
}

/**
 * One problem of a configuration, as data: where the value came from, the key it is about, and
 * the sentence a person reads. A consumer that needs the key reads `field`, never the text.
 */
export interface ConfigIssue {
  /**
   * Where the value came from: an environment variable (`STOP_TIMEOUT`), a command-line flag
   * (`--control-port`), a file (its path, or `path:line`). `''` when the thrower does not know.
   */
  source: string;
  /** The config key it is about (`stopTimeoutMs`, a key of SupervisorConfig or of a file's schema), when there is one. */
  field?: string;
  /** The problem as {@link ConfigError.message} says it (`STOP_TIMEOUT: must be at most 3600 s`). */
  message: string;
}

/**
 * A configuration value that fails its schema; `message` names the variable and the problem
 * (the text printed as it is), `issues` lists each problem as data (empty when the message is
 * the only one and says it all).
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  /**
   * @param message the text a person reads, all problems included.
   * @param issues each problem; a plain string is an issue whose source is unknown (`source: ''`).
   */
  constructor(message: string, issues: readonly (ConfigIssue | string)[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.issues = issues.map((issue) => (typeof issue === 'string' ? { source: '', message: issue } : issue));
  }

  /** `invalid configuration: <first>; <second>; …`, carrying `issues` (at least one). */
  static invalid(issues: readonly ConfigIssue[]): ConfigError {
    return new ConfigError(`invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`, issues);
  }
}
