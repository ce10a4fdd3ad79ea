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

/** A configuration value that fails its schema; `message` names the variable and the problem. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
